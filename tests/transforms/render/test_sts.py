import pytest

from transforms.parsers._common import family_frame
from transforms.render import sts


def pairs_frame(*rows):
    return family_frame(
        [
            {"id": f"p{i}", "document_id": f"p{i}", "split": "train", "source_file": "f.csv", "source_line": i + 2,
             "text_1": t1, "text_2": t2, "label": label}
            for i, (t1, t2, label) in enumerate(rows)
        ],
        "pairs",
    )


def test_input_names_both_sentences():
    out = sts.render(pairs_frame(("A cat sat.", "A cat was sitting.", "4")), {})
    assert out["input"].to_list() == ["Sentence 1: A cat sat.\nSentence 2: A cat was sitting."]


def test_sentence_labels_are_options():
    out = sts.render(pairs_frame(("How?", "Why?", "0")), {"text_1_label": "Question 1", "text_2_label": "Question 2"})
    assert out["input"][0] == "Question 1: How?\nQuestion 2: Why?"


@pytest.mark.parametrize(
    "label, score", [("2.5", "3"), ("2.4", "2"), ("1", "1"), ("0", "0"), ("3.6667", "4"), ("0.5", "1")]
)
def test_score_is_rounded_half_up(label, score):
    assert sts.render(pairs_frame(("a", "b", label)), {})["output"].to_list() == [score]


def test_keeps_provenance():
    out = sts.render(pairs_frame(("a", "b", "1"), ("c", "d", "2")), {})
    assert out.columns == ["id", "document_id", "split", "source_file", "source_line", "input", "output"]
    assert out["id"].to_list() == ["p0", "p1"]
    assert out["source_line"].to_list() == [2, 3]
