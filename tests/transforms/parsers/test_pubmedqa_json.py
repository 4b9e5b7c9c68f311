import json

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import pubmedqa_json

RECORDS = {
    "12345": {
        "QUESTION": "Does p53 matter?",
        "CONTEXTS": ["First part.", "Second part."],
        "LONG_ANSWER": "It does.",
        "final_decision": "yes",
    },
    "678": {"QUESTION": "Is aspirin safe?", "CONTEXTS": ["Only one."], "final_decision": "maybe"},
}


def parse(file):
    return pubmedqa_json.parse([file], {}, "src")


def test_each_pmid_is_a_yesno_question(input_file):
    df = parse(input_file("ori_pqal.json", json.dumps(RECORDS, indent=2)))
    assert df["id"].to_list() == ["12345", "678"]
    assert df["document_id"].to_list() == ["12345", "678"]
    assert df["question_id"].to_list() == ["12345", "678"]
    assert df["question"].to_list() == ["Does p53 matter?", "Is aspirin safe?"]
    assert df["type"].to_list() == ["yesno", "yesno"]
    assert df["choices"].to_list() == [["yes", "no", "maybe"]] * 2
    assert df["answer"].to_list() == [["yes"], ["maybe"]]


def test_contexts_are_joined_by_spaces(input_file):
    df = parse(input_file("ori_pqal.json", json.dumps(RECORDS)))
    assert df["context"].to_list() == ["First part. Second part.", "Only one."]


def test_provenance_has_file_and_split_but_no_line(input_file):
    df = parse(input_file("ori_pqal.json", json.dumps(RECORDS), split="test"))
    assert df["split"].to_list() == ["test", "test"]
    assert df["source_file"].to_list() == ["ori_pqal.json", "ori_pqal.json"]
    assert df["source_line"].to_list() == [None, None]


def test_frame_validates_as_qa(input_file):
    MODELS[pubmedqa_json.FAMILY].validate(parse(input_file("ori_pqal.json", json.dumps(RECORDS))))


def test_invalid_json_names_its_line(input_file):
    text = '{\n  "1": {"QUESTION": "q",\n  oops\n}\n'
    with pytest.raises(SourceError) as err:
        parse(input_file("ori_pqal.json", text))
    assert (err.value.source, err.value.file, err.value.line) == ("src", "ori_pqal.json", 3)


def test_record_without_a_decision_is_an_error(input_file):
    text = json.dumps({"1": {"QUESTION": "q", "CONTEXTS": []}})
    with pytest.raises(SourceError) as err:
        parse(input_file("ori_pqal.json", text))
    assert err.value.file == "ori_pqal.json"
    assert "record 1 lacks final_decision" in str(err.value)


def test_a_top_level_list_is_an_error(input_file):
    with pytest.raises(SourceError) as err:
        parse(input_file("ori_pqal.json", "[]"))
    assert err.value.file == "ori_pqal.json"
