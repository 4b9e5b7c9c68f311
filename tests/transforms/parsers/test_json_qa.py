import gzip
import json
import zipfile

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import InputFile, json_qa
from transforms.validate import partition

# SciQ's layout: a JSON array, the options under four keys, the gold one among them.
SCIQ = [
    {"question": "Where do cells get energy?", "distractor1": "nucleus", "distractor2": "ribosome",
     "distractor3": "Golgi body", "correct_answer": "mitochondria", "support": " Mitochondria make ATP. "},
    {"question": "What do plants release?", "distractor1": "argon", "distractor2": "neon", "distractor3": "radon",
     "correct_answer": "oxygen", "support": ""},
]
SCIQ_OPTIONS = {"question": "question", "context": "support", "answer": "correct_answer", "sort_choices": True,
                "choices": ["distractor1", "distractor2", "distractor3", "correct_answer"]}
# BIOMRC's layout: JSON Lines, entities written with their ids and synonyms.
BIOMRC = [
    {"abstract": "@entity1 inhibits @entity2 .", "title": "XXXX and @entity2 .",
     "entities_list": ["@entity1 :: ('D1', 'Chemical') :: ['a']", "@entity2 :: ('D2', 'Disease') :: ['b']"],
     "answer": "@entity1 :: ('D1', 'Chemical') :: ['a']"},
]
BIOMRC_OPTIONS = {"lines": True, "question": "title", "context": "abstract", "choices": "entities_list",
                  "answer": "answer", "strip_after": " :: "}
MEDHOP = [{"id": "MH_dev_0", "query": "interacts_with DB1?", "answer": "DB2", "candidates": ["DB3", "DB2"],
           "supports": ["First abstract.", "Second abstract."]}]
MEDHOP_OPTIONS = {"members": {"qangaroo_v1.1/medhop/dev.json": "dev"}, "id": "id", "question": "query",
                  "context": "supports", "context_separator": "\n\n", "choices": "candidates", "answer": "answer"}

FUZZ_SAMPLE = ("medhop", MEDHOP_OPTIONS, [("qangaroo_v1.1.zip", None, {
    "qangaroo_v1.1/medhop/dev.json": json.dumps(MEDHOP * 3, indent=1).encode()})])


def parse(files, options):
    return json_qa.parse(files, options, "src")


def test_a_json_array_with_options_under_keys(input_file):
    df = parse([input_file("train.json", json.dumps(SCIQ, indent=2))], SCIQ_OPTIONS)
    assert df.rows() == [
        ("train.json:0", "train.json:0", "train", "train.json", None, "0", "Where do cells get energy?",
         "multiple_choice", ["Golgi body", "mitochondria", "nucleus", "ribosome"], "Mitochondria make ATP.",
         ["mitochondria"]),
        ("train.json:1", "train.json:1", "train", "train.json", None, "1", "What do plants release?",
         "multiple_choice", ["argon", "neon", "oxygen", "radon"], "", ["oxygen"]),
    ]
    valid, bad = partition(df, MODELS["qa"], source="src", task=None, stage="family")
    assert (valid.height, bad.height) == (2, 0)


def test_unsorted_choices_keep_the_keys_order(input_file):
    df = parse([input_file("train.json", json.dumps(SCIQ[:1]))], SCIQ_OPTIONS | {"sort_choices": False})
    assert df["choices"].to_list() == [["nucleus", "ribosome", "Golgi body", "mitochondria"]]


def test_gzipped_json_lines_cut_at_a_separator(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(gzip.compress(("\n".join(json.dumps(r) for r in BIOMRC * 2) + "\n\n").encode()))
    df = parse([InputFile(path, "dataset_val.jsonl.gz", "val")], BIOMRC_OPTIONS)
    assert df.select("id", "document_id", "source_line", "question", "choices", "context", "answer").rows() == [
        ("dataset_val.jsonl.gz:1", "dataset_val.jsonl.gz:1", 1, "XXXX and @entity2 .", ["@entity1", "@entity2"],
         "@entity1 inhibits @entity2 .", ["@entity1"]),
        ("dataset_val.jsonl.gz:2", "dataset_val.jsonl.gz:2", 2, "XXXX and @entity2 .", ["@entity1", "@entity2"],
         "@entity1 inhibits @entity2 .", ["@entity1"]),
    ]


def test_archive_members_with_ids_and_a_list_context(tmp_path):
    path = tmp_path / "q.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("qangaroo_v1.1/medhop/dev.json", json.dumps(MEDHOP))
    df = parse([InputFile(path, "qangaroo_v1.1.zip")], MEDHOP_OPTIONS)
    assert df.rows() == [
        ("qangaroo_v1.1.zip/qangaroo_v1.1/medhop/dev.json:MH_dev_0", "MH_dev_0", "dev",
         "qangaroo_v1.1.zip/qangaroo_v1.1/medhop/dev.json", None, "MH_dev_0", "interacts_with DB1?",
         "multiple_choice", ["DB3", "DB2"], "First abstract.\n\nSecond abstract.", ["DB2"]),
    ]


def test_without_choices_an_answer_is_factoid(input_file):
    df = parse([input_file("a.json", '[{"q": "Why?", "a": ["Because.", "So."]}]')], {"question": "q", "answer": "a"})
    assert df.select("type", "choices", "answer").row(0) == ("factoid", [], ["Because.", "So."])


@pytest.mark.parametrize(
    "text, options, line, message",
    [
        ('{"title": "t", "abstract": "a", "entities_list": ["x"], "answer": "x"}\n{"title": }\n', BIOMRC_OPTIONS, 2,
         "not valid JSON"),
        ('{"title": "t", "abstract": "a", "entities_list": ["x"], "answer": "y"}\n', BIOMRC_OPTIONS, 1,
         "not among the choices"),
        ('\n{"title": "t", "abstract": "a", "answer": "y"}\n', BIOMRC_OPTIONS, 2, "no key 'entities_list'"),
        ('[1]\n', BIOMRC_OPTIONS, 1, "expected a JSON object"),
        ('{"title": {"a": 1}, "abstract": "a", "entities_list": ["x"], "answer": "x"}\n', BIOMRC_OPTIONS, 1,
         "not a text"),
        ('{"title": "t", "abstract": "a", "entities_list": [], "answer": ""}\n', BIOMRC_OPTIONS, 1, "no answer"),
    ],
)
def test_malformed_lines_name_file_and_line(input_file, text, options, line, message):
    with pytest.raises(SourceError, match=message) as err:
        parse([input_file("d.jsonl", text)], options)
    assert (err.value.file, err.value.line) == ("d.jsonl", line)


def test_malformed_documents_name_the_file_and_record(input_file, tmp_path):
    with pytest.raises(SourceError, match="not valid JSON") as err:
        parse([input_file("t.json", '[\n{"question": "a",\n]')], SCIQ_OPTIONS)
    assert (err.value.file, err.value.line) == ("t.json", 3)
    with pytest.raises(SourceError, match="expected a JSON array") as err:
        parse([input_file("t.json", '{"question": "a"}')], SCIQ_OPTIONS)
    with pytest.raises(SourceError, match="record 2: no key 'distractor1'") as err:
        parse([input_file("t.json", json.dumps([SCIQ[0], {"question": "q"}]))], SCIQ_OPTIONS)
    assert err.value.file == "t.json"
    path = tmp_path / "q.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("other.json", "[]")
    with pytest.raises(SourceError, match="no member") as err:
        parse([InputFile(path, "q.zip")], MEDHOP_OPTIONS)
    assert err.value.file == "q.zip"
    with pytest.raises(SourceError, match="`question` and `answer`"):
        parse([input_file("t.json", "[]")], {"question": "q"})


def test_json_lines_members_and_several_context_keys(tmp_path):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("d/val.jsonl", '{"q": "Q?", "t": "Title", "b": ["Body 1", " ", "Body 2"], "a": "A"}\n\n')
    options = {"members": {"d/val.jsonl": "val"}, "lines": True, "question": "q", "context": ["t", "b"],
               "context_separator": " | ", "answer": "a"}
    df = parse([InputFile(path, "a.zip")], options)
    assert df.select("id", "split", "source_line", "context", "answer").rows() == [
        ("a.zip/d/val.jsonl:1", "val", 1, "Title | Body 1 | Body 2", ["A"])]
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("d/val.jsonl", '{"q": "Q?", "t": "T", "b": [], "a": "A"}\n{"q": 1, \n')
    with pytest.raises(SourceError, match="not valid JSON") as err:
        parse([InputFile(path, "a.zip")], options)
    assert (err.value.file, err.value.line) == ("a.zip/d/val.jsonl", 2)
