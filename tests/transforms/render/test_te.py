import pytest

from transforms.parsers._common import family_frame
from transforms.render import te

HEALTHVER = {"Supports": "Supports", "Refutes": "Refutes", "Neutral": "Neutral"}


def te_frame(*rows):
    return family_frame(
        [
            {"id": f"r{i}", "document_id": f"r{i}", "split": "test", "source_file": "t.csv", "source_line": i + 2,
             "premise": premise, "hypothesis": hypothesis, "label": label}
            for i, (premise, hypothesis, label) in enumerate(rows)
        ],
        "te",
    )


def test_claim_then_evidence_by_default():
    out = te.render(te_frame(("Vitamin D lowers risk.", "Vitamin D helps.", "Supports")), {"label_map": HEALTHVER})
    assert out.select("input", "output").row(0) == ("Claim: Vitamin D helps.\nEvidence: Vitamin D lowers risk.", "Supports")


def test_labels_and_order_are_options():
    options = {"label_map": {"true": "entailment"}, "premise_first": True,
               "premise_label": "Question A", "hypothesis_label": "Question B"}
    out = te.render(te_frame(("How do I treat flu?", "What treats flu?", "true")), options)
    assert out["input"].to_list() == ["Question A: How do I treat flu?\nQuestion B: What treats flu?"]


def test_label_map_renames_labels():
    out = te.render(te_frame(("p", "h", "SUPPORT"), ("p", "h", "CONTRADICT")), {"label_map": {"SUPPORT": "Supports", "CONTRADICT": "Refutes"}})
    assert out["output"].to_list() == ["Supports", "Refutes"]


@pytest.mark.parametrize("label_map, labels", [({True: "yes", False: "no"}, ("true", "false")), ({1: "yes", 0: "no"}, ("1", "0"))])
def test_yaml_booleans_and_numbers_as_keys_match_the_label_text(label_map, labels):
    out = te.render(te_frame(("p", "h", labels[0]), ("p", "h", labels[1])), {"label_map": label_map})
    assert out["output"].to_list() == ["yes", "no"]


def test_an_unmapped_label_is_an_error_naming_its_file_and_line():
    with pytest.raises(ValueError, match=r"t\.csv, line 3: label 'Maybe' is not in the te_v1 label_map"):
        te.render(te_frame(("p", "h", "Supports"), ("p", "h", "Maybe")), {"label_map": HEALTHVER})


def test_a_label_map_is_required():
    with pytest.raises(ValueError, match="needs a `label_map`"):
        te.render(te_frame(("p", "h", "Supports")), {})


def test_keeps_provenance():
    out = te.render(te_frame(("p", "h", "Neutral"), ("q", "g", "Refutes")), {"label_map": HEALTHVER})
    assert out.columns == ["id", "document_id", "split", "source_file", "source_line", "input", "output"]
    assert out.select("id", "source_line").rows() == [("r0", 2), ("r1", 3)]
