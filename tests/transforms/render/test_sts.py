import polars as pl
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


@pytest.mark.parametrize(
    "scale, label, score",
    [([0, 10], "7", "4"), ([0, 10], "6.99", "3"), ([0, 10], "0", "0"), ([0, 10], "10", "5"),
     ([1, 10], "1", "0"), ([1, 10], "1.9", "1"), ([1, 10], "1.89", "0"), ([1, 10], "5.5", "3"), ([1, 10], "8.23", "4"),
     ([0, 1600], "800", "3"), ([0, 1600], "797.5", "2"), ([0, 1600], "1575", "5")],
)
def test_scale_maps_the_source_range_onto_0_to_5_then_rounds_half_up(scale, label, score):
    assert sts.render(pairs_frame(("a", "b", label)), {"scale": scale})["output"].to_list() == [score]


def test_a_score_outside_the_declared_scale_names_its_file_and_line():
    with pytest.raises(ValueError, match=r"f.csv, line 3: score '10.5' is outside the declared scale \[0, 10\]"):
        sts.render(pairs_frame(("a", "b", "1"), ("c", "d", "10.5")), {"scale": [0, 10]})


@pytest.mark.parametrize("scale", [[10, 0], [0], "0-10", [0, "10"]])
def test_a_malformed_scale_is_an_error(scale):
    with pytest.raises(ValueError, match="scale must be"):
        sts.render(pairs_frame(("a", "b", "1")), {"scale": scale})


def test_file_lines_add_a_last_input_line_per_declared_file():
    frame = pairs_frame(("angina", "aspirin", "900"), ("angina", "aspirin", "300"))
    frame = frame.with_columns(source_file=pl.Series(["rel.txt", "sim.txt"]))
    options = {"text_1_label": "Term 1", "text_2_label": "Term 2", "scale": [0, 1600],
               "file_lines": {"sim.txt": "Judge: similarity", "rel.txt": "Judge: relatedness"}}
    assert sts.render(frame, options).select("input", "output").rows() == [
        ("Term 1: angina\nTerm 2: aspirin\nJudge: relatedness", "3"),
        ("Term 1: angina\nTerm 2: aspirin\nJudge: similarity", "1"),
    ]


def test_file_lines_must_name_every_file():
    with pytest.raises(ValueError, match="f.csv: sts_v1 file_lines has no line for this file"):
        sts.render(pairs_frame(("a", "b", "1")), {"file_lines": {"other.csv": "x"}})
