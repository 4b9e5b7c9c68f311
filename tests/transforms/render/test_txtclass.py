import pytest

from transforms.parsers._common import family_frame
from transforms.render import txtclass


def text_frame(*rows):
    return family_frame(
        [
            {"id": f"t{i}", "document_id": f"t{i}", "split": "dev", "source_file": "text/1.txt", "source_line": i + 1,
             "text": text, "labels": labels}
            for i, (text, labels) in enumerate(rows)
        ],
        "text",
    )


def test_input_is_the_text_and_output_the_label():
    out = txtclass.render(text_frame(("Cells proliferate.", ["sustaining proliferative signaling"])), {})
    assert out.select("input", "output").row(0) == ("Cells proliferate.", "sustaining proliferative signaling")


def test_multiple_labels_are_joined_by_comma_space():
    out = txtclass.render(text_frame(("They resist death.", ["sustaining proliferative signaling", "resisting cell death"])), {})
    assert out["output"].to_list() == ["sustaining proliferative signaling, resisting cell death"]


def test_keeps_provenance():
    out = txtclass.render(text_frame(("a", ["none"]), ("b", ["none"])), {})
    assert out.select("id", "split", "source_file", "source_line").rows() == [
        ("t0", "dev", "text/1.txt", 1),
        ("t1", "dev", "text/1.txt", 2),
    ]


def test_label_map_renames_labels():
    frame = text_frame(("Liver WT control", ["0"]), ("Liver treated", ["1"]), ("Both", ["1", "0"]))
    out = txtclass.render(frame, {"label_map": {0: "control", 1: "perturbation"}})  # YAML reads 0: as an integer
    assert out["output"].to_list() == ["control", "perturbation", "perturbation, control"]


def test_a_label_missing_from_the_label_map_names_its_file_and_line():
    with pytest.raises(ValueError, match=r"text/1.txt, line 2: label '2' is not in the txtclass_v1 label_map \(0, 1\)"):
        txtclass.render(text_frame(("a", ["0"]), ("b", ["2"])), {"label_map": {"0": "control", "1": "perturbation"}})
