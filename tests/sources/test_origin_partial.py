"""Sources the mirror holds a slice of: the rest of each official release is declared as optional files (or manual
downloads). Each test writes a miniature of the missing part, in the release's own layout (file names, archive
members, fields), and builds the registry entry from it (with the mirror's slice where both are read together)."""

import json
from pathlib import Path

from helpers import tar_of, zip_of

from flows.settings import BUILTIN_REGISTRY
from schemas.registry import load_source


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _urls(source_id: str) -> dict[str, str]:
    """Declared path -> declared url, from the registry."""
    spec = load_source(BUILTIN_REGISTRY / f"{source_id}.yaml")
    return {f.path: f.url for f in spec.files}


_zip = zip_of


def _targz(path: Path, members: dict[str, str]) -> Path:
    return tar_of(path, members)


def test_healthver_train_from_github(miniature, tmp_path):
    urls = _urls("healthver")
    train = _write(tmp_path / "healthver_train.csv", (
        "id,evidence,claim,label,topic_ip,question\n"
        '7,"Vitamin D supplements may reduce the severity of COVID-19.",Vitamin D increases COVID-19 mortality,'
        "Refutes,42,Does Vitamin D impact COVID-19?\n"
        '8,"Masks reduce droplet spread, studies show.",Masks reduce transmission,Supports,3,Do masks work?\n'
    ))
    built = miniature("healthver", {urls["healthver_train.csv"]: train})
    assert built.counts() == {("HealthVer", "train"): 2}
    row = built.task("HealthVer", "train").row(0, named=True)
    assert row["input"] == ("Claim: Vitamin D increases COVID-19 mortality\n"
                            "Evidence: Vitamin D supplements may reduce the severity of COVID-19.")
    assert row["output"] == "Refutes"
    assert built.run.quarantine.height == 0


def test_scicite_train_member_of_the_tarball(miniature, tmp_path):
    record = {"source": "explicit", "citeEnd": 68.0, "sectionName": "Introduction", "citeStart": 64.0,
              "string": "We use the tagger of Smith et al. (12) for all runs.", "label": "method",
              "citingPaperId": "aa", "citedPaperId": "bb", "isKeyCitation": True, "id": "aa>bb",
              "unique_id": "aa>bb_1", "excerpt_index": 1}
    other = {**record, "string": "Prior work studied this (3).", "label": "background", "unique_id": "aa>cc_0"}
    tarball = _targz(tmp_path / "scicite.tar.gz", {
        "scicite/train.jsonl": json.dumps(record) + "\r\n" + json.dumps(other) + "\r\n",
        "scicite/dev.jsonl": json.dumps({**record, "unique_id": "dev"}) + "\n",
        "scicite/test.jsonl": json.dumps({**record, "unique_id": "test"}) + "\n",
    })
    built = miniature("scicite", {_urls("scicite")["scicite/train.jsonl"]: tarball})
    assert built.counts() == {("SciCite", "train"): 2}
    row = built.task("SciCite", "train").row(0, named=True)
    assert (row["input"], row["output"]) == ("We use the tagger of Smith et al. (12) for all runs.", "method")
    assert built.run.quarantine.height == 0


def test_cochrane_pls_train_files(miniature, tmp_path):
    urls = _urls("cochrane_pls")
    files = {
        "train.source": "We included 12 trials (1500 participants). Exercise reduced pain (SMD -0.3).\n"
                        "Two trials were found.\n",
        "train.target": "We found 12 trials with 1,500 people. Exercise may reduce pain a little.\n"
                        "We found two trials.\n",
        "train.doi": "10.1002/14651858.CD000001\n10.1002/14651858.CD000002\n",
    }
    built = miniature("cochrane_pls", {urls[name]: _write(tmp_path / name, text) for name, text in files.items()})
    assert built.counts() == {("Cochrane-PLS", "train"): 2}
    row = built.task("Cochrane-PLS", "train").row(0, named=True)
    assert row["input"] == "We included 12 trials (1500 participants). Exercise reduced pain (SMD -0.3)."
    assert row["output"] == "We found 12 trials with 1,500 people. Exercise may reduce pain a little."
    assert row["doc_id"] == "10.1002/14651858.CD000001"
    assert built.run.quarantine.height == 0


def _medqa_record(question: str, answer: str, key: str) -> str:
    options = {"A": "Aspirin", "B": "Heparin", "C": "Warfarin", "D": "Clopidogrel"}
    return json.dumps({"question": question, "answer": answer, "options": options, "meta_info": "step1",
                       "answer_idx": key, "metamap_phrases": ["aspirin"]})


def test_medqa_train_and_dev_manual_downloads(miniature, tmp_path):
    train = _write(tmp_path / "train.jsonl", "\n".join([
        _medqa_record("Which drug irreversibly inhibits COX-1?", "Aspirin", "A"),
        _medqa_record("Which drug is a vitamin K antagonist?", "Warfarin", "C"),
    ]) + "\n")
    dev = _write(tmp_path / "dev.jsonl", _medqa_record("Which drug activates antithrombin?", "Heparin", "B") + "\n")
    built = miniature("medqa", {}, manual={"phrases_no_exclude_train.jsonl": train,
                                           "phrases_no_exclude_dev.jsonl": dev})
    assert built.counts() == {("MedQA", "train"): 2, ("MedQA", "dev"): 1}
    row = built.task("MedQA", "train").row(1, named=True)
    assert row["input"] == ("Question: Which drug is a vitamin K antagonist?\n"
                            "Options:\nA. Aspirin\nB. Heparin\nC. Warfarin\nD. Clopidogrel")
    assert (row["output"], row["doc_id"]) == ("Warfarin", "2")
    assert built.run.quarantine.height == 0


def test_pubmedqa_artificial_manual_download(miniature, tmp_path):
    records = {str(30000000 + i): {
        "QUESTION": f"Does drug {i} lower blood pressure?",
        "CONTEXTS": [f"Drug {i} was given to 40 patients.", "Blood pressure fell in most."],
        "LABELS": ["METHODS", "RESULTS"], "MESHES": ["Hypertension"],
        "final_decision": "yes" if i % 2 else "no", "LONG_ANSWER": "It does."} for i in range(5)}
    pqaa = _write(tmp_path / "ori_pqaa.json", json.dumps(records, indent=4))
    built = miniature("pubmedqa", {}, manual={"ori_pqaa.json": pqaa})
    # The authors' split deals its first 200,000 shuffled PMIDs to train: all five here.
    assert built.counts() == {("PubMedQA-artificial", "train"): 5}
    row = built.task("PubMedQA-artificial", "train").filter(doc_id="30000001").row(0, named=True)
    assert row["input"] == ("Question: Does drug 1 lower blood pressure?\n"
                            "Context: Drug 1 was given to 40 patients. Blood pressure fell in most.")
    assert row["output"] == "yes"
    assert built.run.quarantine.height == 0


def _bioasq_question(qid: str, kind: str, body: str, **answer) -> dict:
    return {"id": qid, "type": kind, "body": body, "documents": ["http://www.ncbi.nlm.nih.gov/pubmed/1"],
            "snippets": [{"text": f"Snippet for {qid}.", "document": "http://www.ncbi.nlm.nih.gov/pubmed/1",
                          "beginSection": "abstract", "endSection": "abstract",
                          "offsetInBeginSection": 0, "offsetInEndSection": 10}], **answer}


def test_bioasq_training_set_manual_download(miniature, tmp_path):
    repeated = _bioasq_question("56c1d85cef6e394741000034", "yesno", "Is there evidence that tomato juice lowers "
                                "cholesterol levels?", exact_answer="yes", ideal_answer=["Yes."])
    training = {"questions": [
        _bioasq_question("51406e6223fec90375000009", "yesno", "Is aspirin an NSAID?", exact_answer="yes",
                         ideal_answer=["Yes, it is."]),
        _bioasq_question("5158a5b8d24251bc05000097", "list", "Which genes cause cystic fibrosis?",
                         exact_answer=[["CFTR", "ABCC7"]], ideal_answer=["CFTR."]),
        _bioasq_question("5172f8118ed59a060a000019", "factoid", "Where is insulin made?",
                         exact_answer=[["pancreas"]], ideal_answer=["In the pancreas."]),
        _bioasq_question("52bf1b0a03868f1b06000009", "summary", "What is hemolacria?",
                         ideal_answer=["Bloody tears."]),
        repeated,  # in the 4B golden batch too: left out of train
    ]}
    golden = {"questions": [repeated]}
    train = _write(tmp_path / "trainining7b.json", json.dumps(training, indent=2))
    urls = _urls("bioasq")
    built = miniature("bioasq", {urls["4B_golden.json"]: _write(tmp_path / "4B.json", json.dumps(golden))},
                      manual={"trainining7b.json": train})
    assert built.counts() == {("BioASQ-Task-B-yesno", "train"): 1, ("BioASQ-Task-B-list", "train"): 1,
                              ("BioASQ-Task-B-factoid", "train"): 1, ("BioASQ-Task-B-summary", "train"): 1,
                              ("BioASQ-Task-B-yesno", "test"): 1}
    row = built.task("BioASQ-Task-B-list", "train").row(0, named=True)
    assert row["input"] == ("Question: Which genes cause cystic fibrosis?\n"
                            "Context: Snippet for 5158a5b8d24251bc05000097.")
    assert row["output"] == "CFTR"
    assert built.task("BioASQ-Task-B-yesno", "train")["doc_id"].to_list() == ["51406e6223fec90375000009"]
    assert built.run.quarantine.height == 0


def test_medal_full_release_supersedes_the_sample(miniature, tmp_path):
    urls = _urls("medal")
    header = "ABSTRACT_ID,TEXT,LOCATION,LABEL\n"
    files = {
        "train.csv": header + "14145090,velvet antlers va are commonly used in traditional chinese medicine,2,"
                              "velvet antlers\n"
                              "1900667,experiments in cs bearing wistar rats,2,carcinosarcoma\n",
        "valid.csv": header + "8164622,the mi was confirmed by ecg,1,myocardial infarction\n",
        "test.csv": header + "1321,patients with ms were enrolled,2,multiple sclerosis\n",
    }
    releases = {urls[name]: _write(tmp_path / name, text) for name, text in files.items()}
    sample = _write(tmp_path / "sample.csv", header + "1,a sample row of ab,4,abc\n")
    built = miniature("medal", {**releases, urls["sample.csv"]: sample})
    # The sample is not read beside the full release: no 4th abstract, no seeded split.
    assert built.counts() == {("MeDAL", "train"): 2, ("MeDAL", "dev"): 1, ("MeDAL", "test"): 1}
    row = built.task("MeDAL", "train").filter(doc_id="train.csv:1900667").row(0, named=True)
    assert row["input"] == "experiments in <abbr>cs</abbr> bearing wistar rats"
    assert row["output"] == "carcinosarcoma"
    assert built.run.quarantine.height == 0


def test_evidence_inference_merged_annotations_replace_the_v2_ones(miniature, tmp_path):
    urls = _urls("evidence_inference")
    header = ("UserID,PromptID,PMCID,Valid Label,Valid Reasoning,Label,Annotations,Label Code,In Abstract,"
              "Evidence Start,Evidence End\n")
    merged = _targz(tmp_path / "v2.0.tar.gz", {
        "annotations_merged.csv": header
        + '0,213,2206488,True,True,significantly decreased,"IL-6r fell with dextran (p<0.01)",-1,True,10,40\n'
        + '1,98,2858204,True,True,no significant difference,"Ulcer area did not differ, p=0.4",0,False,5,30\n'
        + '2,98,2858204,True,True,significantly increased,"a second annotator",1,False,5,30\n',
        "prompts_merged.csv": "PromptID,PMCID,Outcome,Intervention,Comparator\n",
        "splits/train_article_ids.txt": "2206488\n",
    })
    v2 = _write(tmp_path / "v2_annotations.csv",
                header + '0,213,2206488,True,True,significantly increased,"a v2 row, not read",1,True,1,2\n')
    prompts = _write(tmp_path / "prompts_merged.csv", (
        "PromptID,PMCID,Outcome,Intervention,Comparator\n"
        "213,2206488,IL-6r (ng/ml),dextran-70 infusion,gelatin infusion\n"
        "98,2858204,ulcer area,HBOT ,placebo\n"))
    train_ids = _write(tmp_path / "train_article_ids.txt", "2206488\n")
    test_ids = _write(tmp_path / "test_article_ids.txt", "2858204\n")
    built = miniature("evidence_inference", {
        urls["annotations/annotations_merged.csv"]: merged, urls["annotations/v2_annotations.csv"]: v2,
        urls["annotations/prompts_merged.csv"]: prompts, urls["annotations/splits/train_article_ids.txt"]: train_ids,
        urls["annotations/splits/test_article_ids.txt"]: test_ids})
    # One row a prompt (its first accepted annotation), from the merged file only.
    assert built.counts() == {("Evidence-Inference-2.0", "train"): 1, ("Evidence-Inference-2.0", "test"): 1}
    row = built.task("Evidence-Inference-2.0", "train").row(0, named=True)
    assert row["input"] == (
        "Question: Compared to gelatin infusion what was the result of dextran-70 infusion on IL-6r (ng/ml)?\n"
        "Context: IL-6r fell with dextran (p<0.01)\n"
        "Options:\nA. significantly increased\nB. no significant difference\nC. significantly decreased")
    assert row["output"] == "significantly decreased"
    assert built.task("Evidence-Inference-2.0", "test")["output"].to_list() == ["no significant difference"]
    assert built.run.quarantine.height == 0


def test_bionlp_st_2019_bb_norm_archives_for_ned(miniature, tmp_path):
    text = "Bacillus subtilis lives in the rhizosphere.\nIt is mesophilic.\n"
    a1 = ("T1\tTitle 0 43\tBacillus subtilis lives in the rhizosphere.\n"
          "T2\tMicroorganism 0 17\tBacillus subtilis\n"
          "T3\tHabitat 31 42\trhizosphere\n"
          "T4\tPhenotype 50 60\tmesophilic\n")
    a2 = ("N1\tNCBI_Taxonomy Annotation:T2 Referent:1423\n"
          "N2\tOntoBiotope Annotation:T3 Referent:OBT:000427\n"
          "N3\tOntoBiotope Annotation:T4 Referent:OBT:002874\n")
    archives = {}
    for split in ("train", "dev"):
        folder = f"BioNLP-OST-2019_BB-norm_{split}/"
        archives[f"BioNLP-OST-2019_BB-norm_{split}.zip"] = _zip(tmp_path / f"norm_{split}.zip", {
            folder + f"BB-norm-{split}1.txt": text, folder + f"BB-norm-{split}1.a1": a1,
            folder + f"BB-norm-{split}1.a2": a2, f"__MACOSX/{folder}._BB-norm-{split}1.txt": "debris"})
    built = miniature("bionlp_st_2019_bb", {}, manual=archives)
    # Only the NED task reads the norm archives (their own split names).
    assert built.counts() == {("BioNLP-2019-BB-NED", "train"): 1, ("BioNLP-2019-BB-NED", "dev"): 1}
    row = built.task("BioNLP-2019-BB-NED", "train").row(0, named=True)
    assert row["input"] == "Bacillus subtilis lives in the rhizosphere. It is mesophilic."
    assert row["output"] == ("[Bacillus subtilis <NCBI_Taxonomy/1423>] [rhizosphere <OntoBiotope/OBT:000427>] "
                             "[mesophilic <OntoBiotope/OBT:002874>]")
    assert built.run.quarantine.height == 0


def _medmcqa_record(qid: str, question: str, cop: int) -> str:
    return json.dumps({"question": question, "exp": "Explained.", "cop": cop, "opa": "0.01", "opb": "0.1",
                       "opc": "1", "opd": "10", "subject_name": "Physiology", "topic_name": None, "id": qid,
                       "choice_type": "single"})


def test_medmcqa_release_files_replace_the_dev_subset(miniature, tmp_path):
    train = _write(tmp_path / "train.json", "\n".join([
        _medmcqa_record("e9ad821a-c438-4965-9f77-760819dfa155", "Normal blood level of X (mg/dl) is", 1),
        _medmcqa_record("e3d3c4e1-4fb2-45e7-9f88-247cc8f373b3", "Threshold of Y is", 3),
    ]) + "\n")
    dev = _write(tmp_path / "dev.json", _medmcqa_record("45258d3d-b974-44dd-a161-c3fccbdadd88", "Z is", 4) + "\n")
    subset = _write(tmp_path / "test.jsonl", json.dumps({"question": "Z is", "realidx": "45258d3d-b974-44dd-a161-"
                    "c3fccbdadd88", "options": {"A": "0.01", "B": "0.1", "C": "1", "D": "10"}, "answer_idx": "D",
                    "answer": "10"}) + "\n")
    built = miniature("medmcqa", {_urls("medmcqa")["test.jsonl"]: subset},
                      manual={"train.json": train, "dev.json": dev})
    # dev.json is read in place of the mirror's subset of it: one test row, not two.
    assert built.counts() == {("MedMCQA", "train"): 2, ("MedMCQA", "test"): 1}
    row = built.task("MedMCQA", "train").filter(doc_id="e3d3c4e1-4fb2-45e7-9f88-247cc8f373b3").row(0, named=True)
    assert row["input"] == "Question: Threshold of Y is\nOptions:\nA. 0.01\nB. 0.1\nC. 1\nD. 10"
    assert row["output"] == "1"
    assert built.task("MedMCQA", "test")["output"].to_list() == ["10"]
    assert built.run.quarantine.height == 0


def test_meddialog_processed_files_replace_the_raw_text(miniature, tmp_path):
    def dialogues(*pairs):
        return json.dumps([{"description": "q about covid", "utterances": [f"patient: {p}", f"doctor: {d}"]}
                           for p, d in pairs], indent=2)

    manual = {
        "english-train.json": _write(tmp_path / "train.json", dialogues(
            ("i have had a cough for 3 days. is it covid?", "a cough alone is not enough: get tested."),
            ("fever since yesterday: what now?", "rest, fluids, and call if breathing gets hard."))),
        "english-dev.json": _write(tmp_path / "dev.json", dialogues(("can i travel?", "not while sick."))),
        "english-test.json": _write(tmp_path / "test.json", dialogues(("is it safe?", "yes."))),
    }
    raw = _write(tmp_path / "raw.txt", "id=1\nhttps://www.healthtap.com/q/1\nDescription\nq\nDialogue\n"
                                       "Patient:\nHi.\nDoctor:\nHello.\n")
    built = miniature("meddialog", {_urls("meddialog")["COVID-Dialogue-Dataset-English.txt"]: raw}, manual=manual)
    # The raw text is not read beside the processed files: no seeded split of its dialogue.
    assert built.counts() == {("MedDialog", "train"): 4, ("MedDialog", "dev"): 2, ("MedDialog", "test"): 2}
    rows = built.task("MedDialog", "train").sort("uid")
    by_text = dict(zip(rows["input"], rows["output"]))
    assert by_text["fever since yesterday: what now?"] == "patient"
    assert by_text["a cough alone is not enough: get tested."] == "doctor"
    assert built.run.quarantine.height == 0


def test_linnaeus_standoff_release_for_ned(miniature, tmp_path):
    text = "Infection of Mus musculus cells and human tissue.\nMice were used.\n"
    tarball = _targz(tmp_path / "manual-corpus-species-1.0.tar.gz", {
        "manual-corpus-species-1.0/txt/pmcA1.txt": text,
        "manual-corpus-species-1.0/txt/pmcA2.txt": "No species here.\n",  # no tags: no sample (as BigBio)
        "manual-corpus-species-1.0/tags.tsv": (
            "#species id\tdocument\tstart\tend\ttext\tcomment\n"
            "species:ncbi:10090\tpmcA1\t13\t25\tMus musculus\t\n"
            "species:ncbi:9606\tpmcA1\t36\t41\thuman\t\n"
            "species:ncbi:10090\tpmcA1\t50\t54\tMice\t\n"),
        "manual-corpus-species-1.0/filtered_tags.tsv": "#species id\tdocument\tstart\tend\ttext\tcomment\n",
    })
    built = miniature("linnaeus", {_urls("linnaeus")["manual-corpus-species-1.0.tar.gz"]: tarball})
    assert built.counts() == {("Linnaeus-NED", "train"): 1}
    row = built.task("Linnaeus-NED", "train").row(0, named=True)
    assert row["input"] == text.rstrip("\n")
    assert row["output"] == "[Mus musculus <NCBITaxon/10090>] [human <NCBITaxon/9606>] [Mice <NCBITaxon/10090>]"
    assert built.run.quarantine.height == 0
