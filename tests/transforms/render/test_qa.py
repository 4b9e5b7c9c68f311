from transforms.parsers._common import family_frame
from transforms.render import qa


def qa_frame(*rows):
    defaults = {"document_id": "d", "split": "test", "source_file": "f.json", "source_line": None}
    return family_frame(
        [{"id": f"q{i}", "question_id": f"q{i}", **defaults, **row} for i, row in enumerate(rows)], "qa"
    )


YESNO = {
    "question": "Does p53 matter?",
    "type": "yesno",
    "choices": ["yes", "no", "maybe"],
    "context": "First part. Second part.",
    "answer": ["yes"],
}
MCQ = {
    "question": "Which gene?",
    "type": "multiple_choice",
    "choices": ["TP53", "BRCA1", "EGFR"],
    "context": "",
    "answer": ["BRCA1"],
}
MCQ_INPUT = "Question: Which gene?\nOptions:\nA. TP53\nB. BRCA1\nC. EGFR"


def test_yesno_with_context():
    out = qa.render(qa_frame(YESNO), {})
    assert out["input"].to_list() == ["Question: Does p53 matter?\nContext: First part. Second part."]
    assert out["output"].to_list() == ["yes"]


def test_keeps_provenance():
    out = qa.render(qa_frame(YESNO, MCQ), {})
    assert out.select("id", "document_id", "split", "source_file", "source_line").rows() == [
        ("q0", "d", "test", "f.json", None),
        ("q1", "d", "test", "f.json", None),
    ]


def test_multiple_choice_lists_lettered_options():
    assert qa.render(qa_frame(MCQ), {})["input"].to_list() == [MCQ_INPUT]


def test_multiple_choice_answer_as_text_by_default():
    assert qa.render(qa_frame(MCQ), {})["output"].to_list() == ["BRCA1"]


def test_multiple_choice_answer_as_letter():
    assert qa.render(qa_frame(MCQ), {"answer_style": "letter"})["output"].to_list() == ["B"]


def test_multiple_choice_answer_as_letter_and_text():
    assert qa.render(qa_frame(MCQ), {"answer_style": "letter_text"})["output"].to_list() == ["B. BRCA1"]


def test_multiple_choice_with_context():
    out = qa.render(qa_frame({**MCQ, "context": "A vignette."}), {})
    assert out["input"][0] == "Question: Which gene?\nContext: A vignette.\nOptions:\nA. TP53\nB. BRCA1\nC. EGFR"


def test_several_answers_are_stripped_and_joined():
    row = {"question": "Which genes?", "type": "list", "choices": [], "context": "", "answer": [" TP53", "BRCA1 "]}
    out = qa.render(qa_frame(row), {})
    assert out.select("input", "output").row(0) == ("Question: Which genes?", "TP53, BRCA1")


BIOASQ = {"question": "Which drug?", "choices": [], "context": "Snippet one. Snippet two."}


def test_factoid_answer_is_the_first_candidate():
    row = {**BIOASQ, "type": "factoid", "answer": [" Alzheimer's disease ", "dementia"]}
    out = qa.render(qa_frame(row), {})
    assert out.select("input", "output").row(0) == ("Question: Which drug?\nContext: Snippet one. Snippet two.", "Alzheimer's disease")


def test_list_answers_are_joined():
    out = qa.render(qa_frame({**BIOASQ, "type": "list", "answer": ["sofosbuvir", "ledipasvir"]}), {})
    assert out["output"].to_list() == ["sofosbuvir, ledipasvir"]


def test_summary_answer_is_the_first_ideal_answer():
    row = {**BIOASQ, "type": "summary", "answer": ["Bloody tears. ", "Tears with blood."]}
    assert qa.render(qa_frame(row), {})["output"].to_list() == ["Bloody tears."]


def test_yesno_without_context():
    row = {"question": "Is it?", "type": "yesno", "choices": ["yes", "no"], "context": "", "answer": ["no"]}
    assert qa.render(qa_frame(row), {}).select("input", "output").row(0) == ("Question: Is it?", "no")
