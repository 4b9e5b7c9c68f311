import pytest

from transforms.parsers._common import family_frame
from transforms.render import pairclass

GAD = {"1": "associated", "0": "unrelated"}


def pairs_frame(*rows):
    return family_frame(
        [
            {"id": f"p{i}", "document_id": f"p{i}", "split": "train", "source_file": "train.tsv", "source_line": i + 1,
             "text_1": t1, "text_2": t2, "label": label}
            for i, (t1, t2, label) in enumerate(rows)
        ],
        "pairs",
    )


def test_input_names_both_texts_and_output_is_the_mapped_label():
    out = pairclass.render(pairs_frame(("@GENE$ causes @DISEASE$.", "@GENE$ and @DISEASE$", "1")), {"label_map": GAD})
    assert out.select("input", "output").row(0) == ("Text 1: @GENE$ causes @DISEASE$.\nText 2: @GENE$ and @DISEASE$", "associated")


def test_text_labels_are_options():
    options = {"label_map": {0: "unrelated"}, "text_1_label": "Sentence", "text_2_label": "Pair"}
    out = pairclass.render(pairs_frame(("No link.", "@GENE$ and @DISEASE$", "0")), options)
    assert out.select("input", "output").row(0) == ("Sentence: No link.\nPair: @GENE$ and @DISEASE$", "unrelated")


def test_an_unmapped_label_is_an_error_naming_its_file_and_line():
    with pytest.raises(ValueError, match=r"train\.tsv, line 2: label '2' is not in the pairclass_v1 label_map"):
        pairclass.render(pairs_frame(("a", "b", "1"), ("c", "d", "2")), {"label_map": GAD})


def test_keeps_provenance():
    out = pairclass.render(pairs_frame(("a", "b", "1"), ("c", "d", "0")), {"label_map": GAD})
    assert out.select("id", "document_id", "split", "source_file", "source_line").rows() == [
        ("p0", "p0", "train", "train.tsv", 1),
        ("p1", "p1", "train", "train.tsv", 2),
    ]
