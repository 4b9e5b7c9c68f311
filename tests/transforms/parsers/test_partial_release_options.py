"""Options added for sources the mirror holds a slice of, whose full release is declared as optional files:
reading the release's own layout beside the mirror's, and never reading two files that repeat each other."""

import json
import random

import pytest

from schemas.errors import SourceError
from transforms.parsers import (
    bioasq_json,
    brat,
    csv_table,
    evidence_inference_csv,
    mcq_jsonl,
    parallel_text,
    pubmedqa_json,
)
from transforms.parsers._common import InputFile

# --- mcq_jsonl: line_ids, file_options (one field per option, numbered answer), superseded

MEDMCQA = [{"id": "q1", "question": "Normal X is", "opa": "1", "opb": "2", "opc": "3", "opd": "4", "cop": 2},
           {"id": "q2", "question": "Y is", "opa": "a", "opb": "b", "opc": "c", "opd": "d", "cop": 4}]
RELEASE = {"id": "id", "answer_key": "cop", "option_fields": ["opa", "opb", "opc", "opd"], "answer_base": 1}


def _lines(records) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def test_mcq_line_ids(input_file):
    record = {"question": "Q?", "options": {"A": "x", "B": "y"}, "answer_idx": "B"}
    file = input_file("phrases_no_exclude_dev.jsonl", _lines([record, record]), "dev")
    frame = mcq_jsonl.parse([file], {"id": "realidx", "line_ids": ["phrases_no_exclude_dev.jsonl"]}, "medqa")
    assert frame["id"].to_list() == ["phrases_no_exclude_dev.jsonl:1", "phrases_no_exclude_dev.jsonl:2"]
    assert frame["document_id"].to_list() == ["1", "2"]
    assert frame["answer"].to_list() == [["y"], ["y"]]


def test_mcq_options_one_field_each(input_file):
    file = input_file("train.json", _lines(MEDMCQA))
    frame = mcq_jsonl.parse([file], {"file_options": {"train.json": RELEASE}}, "medmcqa")
    assert frame["id"].to_list() == ["train.json:q1", "train.json:q2"]
    assert frame["choices"].to_list() == [["1", "2", "3", "4"], ["a", "b", "c", "d"]]
    assert frame["answer"].to_list() == [["2"], ["d"]]
    assert frame["source_line"].to_list() == [1, 2]


@pytest.mark.parametrize("change, message", [
    ({"cop": 5}, "answer key 5 is not among the options"),
    ({"cop": 0}, "answer key 0 is not among the options"),
    ({"cop": True}, "answer key True is not among the options"),
    ({"opc": None}, "must be strings"),
])
def test_mcq_options_one_field_each_malformed(input_file, change, message):
    file = input_file("train.json", _lines([MEDMCQA[0], {**MEDMCQA[1], **change}]))
    with pytest.raises(SourceError, match=message) as e:
        mcq_jsonl.parse([file], {"file_options": {"train.json": RELEASE}}, "medmcqa")
    assert (e.value.file, e.value.line) == ("train.json", 2)


def test_mcq_superseded(input_file):
    subset = input_file("test.jsonl", _lines([{"realidx": "q2", "question": "Y is", "options": {"A": "d"},
                                                 "answer_idx": "A"}]), "dev")
    dev = input_file("dev.json", _lines(MEDMCQA), "dev")
    options = {"id": "realidx", "file_options": {"dev.json": RELEASE}, "superseded": {"test.jsonl": ["dev.json"]}}
    assert mcq_jsonl.parse([subset, dev], options, "medmcqa")["source_file"].unique().to_list() == ["dev.json"]
    assert mcq_jsonl.parse([subset], options, "medmcqa")["source_file"].to_list() == ["test.jsonl"]


# --- pubmedqa_json: shuffled_split replays the authors' split_dataset.py


def test_pubmedqa_shuffled_split_replays_random_seed_0(input_file):
    records = {str(1000 + i): {"QUESTION": f"Q{i}?", "CONTEXTS": ["c"], "final_decision": "yes"} for i in range(30)}
    file = input_file("ori_pqaa.json", json.dumps(records), None)
    option = {"file": "ori_pqaa.json", "seed": 0, "sizes": {"pqaa_train": 20, "pqaa_dev": 10}}
    frame = pubmedqa_json.parse([file], {"shuffled_split": option}, "pubmedqa")
    random.seed(0)  # what preprocess/split_dataset.py does for pqaa
    pmids = list(records)
    random.shuffle(pmids)
    expected = {p: "pqaa_train" for p in pmids[:20]} | {p: "pqaa_dev" for p in pmids[20:]}
    assert dict(zip(frame["id"], frame["split"])) == expected
    other = input_file("ori_pqal.json", json.dumps({"1": records["1000"]}), None)
    assert pubmedqa_json.parse([other], {"shuffled_split": option}, "pubmedqa")["split"].to_list() == [None]


# --- bioasq_json: held_out_split


def _question(qid, body, kind="yesno"):
    return {"id": qid, "body": body, "type": kind, "exact_answer": "yes", "ideal_answer": ["Yes."],
            "snippets": [{"text": "s"}]}


def test_bioasq_held_out_split_drops_test_questions_from_train(input_file):
    train = input_file("trainining7b.json", json.dumps({"questions": [
        _question("a1", "Is A a gene?"), _question("b2", "Is B a drug?"), _question("c3", "is c a virus?")]}), "train")
    test = input_file("6B_golden.json", json.dumps({"questions": [
        _question("b2", "Is B a drug?"), _question("zz", "Is C a virus?")]}), "test")
    frame = bioasq_json.parse([train, test], {"held_out_split": "test"}, "bioasq")
    # b2 by its id, c3 by its body (a merged question may carry another id)
    assert frame.select("source_file", "question_id").rows() == [
        ("trainining7b.json", "a1"), ("6B_golden.json", "b2"), ("6B_golden.json", "zz")]


# --- csv_table: superseded


def test_csv_superseded(input_file):
    header = "ABSTRACT_ID,TEXT,LOCATION,LABEL\n"
    sample = input_file("sample.csv", header + "1,a b,0,alpha\n", None)
    full = input_file("train.csv", header + "2,c d,1,delta\n", "train")
    options = {"family": "text", "columns": {"text": "TEXT", "labels": "LABEL"},
               "superseded": {"sample.csv": ["train.csv", "valid.csv"]}}
    assert csv_table.parse([sample, full], options, "medal")["source_file"].to_list() == ["train.csv"]
    assert csv_table.parse([sample], options, "medal")["source_file"].to_list() == ["sample.csv"]


# --- evidence_inference_csv: the first annotations file given


def test_evidence_inference_reads_the_first_annotations_file_given(input_file):
    prompts = input_file("prompts.csv", "PromptID,PMCID,Outcome,Intervention,Comparator\n1,9,o,i,c\n", None)
    header = "PromptID,PMCID,Valid Label,Label,Annotations\n"
    merged = input_file("annotations_merged.csv", header + "1,9,True,significantly increased,merged\n", None)
    v2 = input_file("v2_annotations.csv", header + "1,9,True,significantly decreased,v2\n", None)
    options = {"prompts": "prompts.csv", "annotations": ["annotations_merged.csv", "v2_annotations.csv"],
               "question_template": "{intervention} vs {comparator} on {outcome}?",
               "choices": ["significantly increased", "no significant difference", "significantly decreased"]}
    both = evidence_inference_csv.parse([prompts, merged, v2], options, "evidence_inference")
    assert both.select("source_file", "context").rows() == [("annotations_merged.csv", "merged")]
    alone = evidence_inference_csv.parse([prompts, v2], options, "evidence_inference")
    assert alone.select("source_file", "context").rows() == [("v2_annotations.csv", "v2")]


# --- brat: Bacteria Biotope's normalisation lines


def test_brat_bacteria_biotope_normalisations(tmp_path):
    folder = tmp_path / "BioNLP-OST-2019_BB-norm_train"
    folder.mkdir()
    (folder / "BB-norm-1.txt").write_text("Bacillus subtilis in soil.\n")
    (folder / "BB-norm-1.a1").write_text("T1\tMicroorganism 0 17\tBacillus subtilis\nT2\tHabitat 21 25\tsoil\n")
    (folder / "BB-norm-1.a2").write_text("N1\tNCBI_Taxonomy Annotation:T1 Referent:1423\n"
                                         "N2\tOntoBiotope Annotation:T2 Referent:OBT:000427\n")
    frame = brat.parse([InputFile(tmp_path, "norm", "norm_train")], {}, "bionlp_st_2019_bb")
    assert [e["normalized"] for e in frame.row(0, named=True)["entities"]] == [
        [{"db_name": "NCBI_Taxonomy", "db_id": "1423"}], [{"db_name": "OntoBiotope", "db_id": "OBT:000427"}]]
    (folder / "BB-norm-1.a2").write_text("N1\tNCBI_Taxonomy Annotation:T9 Referent:1423\n")
    with pytest.raises(SourceError, match="normalisation of T9") as e:
        brat.parse([InputFile(tmp_path, "norm", "norm_train")], {}, "bionlp_st_2019_bb")
    assert e.value.line == 1


# --- parallel_text: a pair none of whose files was given


def test_parallel_text_skips_a_pair_none_of_whose_files_was_given(input_file):
    files = [input_file("val.source", "a\n", "val"), input_file("val.target", "b\n", "val")]
    pairs = [{"text_1": "val.source", "text_2": "val.target"},
             {"text_1": "train.source", "text_2": "train.target", "ids": "train.doi"}]
    assert parallel_text.parse(files, {"pairs": pairs}, "cochrane_pls")["text_2"].to_list() == ["b"]
    with pytest.raises(SourceError, match="not declared: train.target"):
        parallel_text.parse(files + [input_file("train.source", "c\n", "train")], {"pairs": pairs}, "cochrane_pls")
