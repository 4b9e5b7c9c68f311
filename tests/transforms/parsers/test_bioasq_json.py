import json

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import bioasq_json

SNIPPETS = [{"text": "Lycopene inhibits HMGCR. ", "document": "d1"}, {"text": "Tomato lowers LDL.", "document": "d2"}]
YESNO = {"id": "q1", "type": "yesno", "body": "Does tomato lower cholesterol?", "exact_answer": "Yes",
         "ideal_answer": ["Yes, it does."], "snippets": SNIPPETS + [{"text": "Lycopene inhibits HMGCR.", "document": "d3"}]}
FACTOID = {"id": "q2", "type": "factoid", "body": "Which drug targets AD?", "ideal_answer": ["Aducanumab."],
           "exact_answer": [["Alzheimer's disease", "AD"], ["dementia"]], "snippets": SNIPPETS[:1]}
LIST = {"id": "q3", "type": "list", "body": "Which drugs are in Harvoni?", "ideal_answer": "Two.",
        "exact_answer": [["sofosbuvir", "Sovaldi"], [" ledipasvir "]], "snippets": []}
SUMMARY = {"id": "q4", "type": "summary", "body": "What is hemolacria?", "snippets": SNIPPETS[1:],
           "ideal_answer": ["Bloody tears. ", "Tears with blood."]}


def bioasq(*questions) -> str:
    return json.dumps({"questions": list(questions)}, indent=1)


def line_of(text: str, qid: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.strip() == f'"id": "{qid}",')


def parse(file, **options):
    return bioasq_json.parse([file], options, "src")


def test_one_record_per_question_with_provenance(input_file):
    text = bioasq(YESNO, FACTOID)
    df = parse(input_file("4B_golden.json", text, split="test"))
    assert df["id"].to_list() == ["4B_golden.json:q1", "4B_golden.json:q2"]
    assert df["document_id"].to_list() == ["q1", "q2"]
    assert df["question_id"].to_list() == ["q1", "q2"]
    assert df["split"].to_list() == ["test", "test"]
    assert df["source_line"].to_list() == [line_of(text, "q1"), line_of(text, "q2")]
    assert line_of(text, "q1") > 1


def test_context_joins_distinct_snippets(input_file):
    row = parse(input_file("b.json", bioasq(YESNO))).row(0, named=True)
    assert row["question"] == "Does tomato lower cholesterol?"
    assert row["context"] == "Lycopene inhibits HMGCR. Tomato lowers LDL."


@pytest.mark.parametrize(
    "question, kind, choices, answer",
    [
        (YESNO, "yesno", ["yes", "no"], ["yes"]),
        (FACTOID, "factoid", [], ["Alzheimer's disease", "dementia"]),
        (LIST, "list", [], ["sofosbuvir", "ledipasvir"]),
        (SUMMARY, "summary", [], ["Bloody tears.", "Tears with blood."]),
    ],
)
def test_answers_by_type_keep_each_items_first_synonym(input_file, question, kind, choices, answer):
    row = parse(input_file("b.json", bioasq(question))).row(0, named=True)
    assert (row["type"], row["choices"], row["answer"]) == (kind, choices, answer)


def test_older_batches_write_answers_as_plain_strings(input_file):
    old = {**FACTOID, "exact_answer": "Alzheimer's disease"}
    assert parse(input_file("b.json", bioasq(old)))["answer"].to_list() == [["Alzheimer's disease"]]


def test_an_answer_without_text_is_left_for_the_family_check(input_file):
    df = parse(input_file("b.json", bioasq({**FACTOID, "exact_answer": [[" "]]})))
    assert df["answer"].to_list() == [[]]
    with pytest.raises(Exception, match="has an answer"):
        MODELS["qa"].validate(df)


def test_type_in_split(input_file):
    df = parse(input_file("b.json", bioasq(YESNO, LIST), split="test"), type_in_split=True)
    assert df["split"].to_list() == ["test_yesno", "test_list"]


def test_per_snippet_records(input_file):
    df = parse(input_file("b.json", bioasq(YESNO, LIST)), per_snippet=True)
    assert df.select("id", "document_id", "context").rows() == [
        ("b.json:q1_0", "q1", "Lycopene inhibits HMGCR."),
        ("b.json:q1_1", "q1", "Tomato lowers LDL."),
    ]  # the repeated snippet is kept once; the list question has no snippet


def test_frame_validates_as_qa(input_file):
    MODELS["qa"].validate(parse(input_file("b.json", bioasq(YESNO, FACTOID, LIST, SUMMARY))))


def test_invalid_json_names_its_line(input_file):
    with pytest.raises(SourceError) as err:
        parse(input_file("b.json", '{"questions": [\n{"id": "q1",\n]}'))
    assert (err.value.source, err.value.file, err.value.line) == ("src", "b.json", 3)


def test_not_a_questions_object_is_an_error(input_file):
    with pytest.raises(SourceError) as err:
        parse(input_file("b.json", "[]"))
    assert (err.value.file, err.value.line) == ("b.json", 1)


@pytest.mark.parametrize(
    "broken, message",
    [
        ({**YESNO, "exact_answer": "perhaps"}, "yesno exact_answer 'perhaps'"),
        ({k: v for k, v in LIST.items() if k != "exact_answer"}, "list question without an exact_answer"),
        ({**SUMMARY, "ideal_answer": []}, "summary question without an ideal_answer"),
        ({**YESNO, "type": "essay"}, "needs an id, a body and a type"),
    ],
)
def test_malformed_question_names_its_line(input_file, broken, message):
    text = bioasq(FACTOID, broken)
    with pytest.raises(SourceError) as err:
        parse(input_file("b.json", text))
    assert (err.value.file, err.value.line) == ("b.json", line_of(text, broken["id"]))
    assert message in str(err.value)
