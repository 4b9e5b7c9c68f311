import json

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import mcq_jsonl

Q1 = {"id": "q1", "question": "Which gene?", "options": {"B": "BRCA1", "A": "TP53", "C": "EGFR"}, "answer_idx": "B"}
Q2 = {"id": 7, "question": "Which drug?", "options": {"A": "Aspirin", "B": "Heparin"}, "answer_idx": "A"}
TWO_QUESTIONS = f"{json.dumps(Q1)}\n\n{json.dumps(Q2)}\n"


def parse(file, **options):
    return mcq_jsonl.parse([file], options, "src")


def test_each_line_is_a_question_with_provenance(input_file):
    df = parse(input_file("test.jsonl", TWO_QUESTIONS, split="test"))
    assert df["id"].to_list() == ["test.jsonl:q1", "test.jsonl:7"]
    assert df["document_id"].to_list() == ["q1", "7"]
    assert df["question_id"].to_list() == ["q1", "7"]
    assert df["split"].to_list() == ["test", "test"]
    assert df["source_file"].to_list() == ["test.jsonl", "test.jsonl"]
    assert df["source_line"].to_list() == [1, 3]  # the blank line 2 is skipped


def test_choices_are_ordered_by_key_and_the_answer_is_a_text(input_file):
    row = parse(input_file("test.jsonl", TWO_QUESTIONS)).row(0, named=True)
    assert row["question"] == "Which gene?"
    assert row["type"] == "multiple_choice"
    assert row["choices"] == ["TP53", "BRCA1", "EGFR"]
    assert row["answer"] == ["BRCA1"]
    assert row["context"] == ""


def test_field_names_are_options(input_file):
    rec = {"realidx": "x9", "q": "Which?", "opts": {"A": "one", "B": "two"}, "gold": "B"}
    df = parse(input_file("test.jsonl", json.dumps(rec)), id="realidx", question="q", options="opts", answer_key="gold")
    assert df.select("id", "question", "choices", "answer").row(0) == ("test.jsonl:x9", "Which?", ["one", "two"], ["two"])


def test_frame_validates_as_qa(input_file):
    MODELS[mcq_jsonl.FAMILY].validate(parse(input_file("test.jsonl", TWO_QUESTIONS)))


def test_invalid_json_names_its_line(input_file):
    with pytest.raises(SourceError) as err:
        parse(input_file("test.jsonl", f"{json.dumps(Q1)}\n{{\"id\": \"q2\",\n"))
    assert (err.value.source, err.value.file, err.value.line) == ("src", "test.jsonl", 2)


def test_answer_key_not_among_the_options_names_its_line(input_file):
    bad = {**Q2, "answer_idx": "E"}
    with pytest.raises(SourceError) as err:
        parse(input_file("test.jsonl", f"{json.dumps(Q1)}\n{json.dumps(bad)}\n"))
    assert (err.value.file, err.value.line) == ("test.jsonl", 2)
    assert "'E' is not among the options" in str(err.value)


def test_missing_field_names_its_line(input_file):
    bad = {k: v for k, v in Q1.items() if k != "question"}
    with pytest.raises(SourceError) as err:
        parse(input_file("test.jsonl", json.dumps(bad)))
    assert (err.value.file, err.value.line) == ("test.jsonl", 1)
    assert "lacks question" in str(err.value)


def test_line_that_is_not_an_object_names_its_line(input_file):
    with pytest.raises(SourceError) as err:
        parse(input_file("test.jsonl", f"{json.dumps(Q1)}\n5\n"))
    assert (err.value.file, err.value.line) == ("test.jsonl", 2)
