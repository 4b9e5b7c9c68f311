import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import hoc_labels
from transforms.parsers._common import InputFile

ORDER = ["sustaining proliferative signaling", "resisting cell death"]
OPTIONS = {"text_dir": "text", "labels_dir": "labels", "label_order": ORDER}


def release(tmp_path, docs: dict[str, tuple[str, str]]) -> list[InputFile]:
    """text/PMID.txt and labels/PMID.txt for each PMID -> (text, labels)."""
    for folder in ("text", "labels"):
        (tmp_path / folder).mkdir()
    for pmid, (text, labels) in docs.items():
        (tmp_path / "text" / f"{pmid}.txt").write_text(text)
        (tmp_path / "labels" / f"{pmid}.txt").write_text(labels)
    return [InputFile(tmp_path / "text", "text"), InputFile(tmp_path / "labels", "labels")]


DOCS = {
    "12345": (
        "Cells proliferate.\n They resist death and grow. \n",
        "<<Sustaining proliferative signaling--Receptors ANDResisting cell death--Apoptosis",
    ),
    "999": ("Vessels form.\n", "<NULL"),
}


def parse(files, **options):
    return hoc_labels.parse(files, {**OPTIONS, **options}, "src")


def test_each_sentence_is_a_record_with_provenance(tmp_path):
    df = parse(release(tmp_path, DOCS))
    assert df["id"].to_list() == ["12345_0", "12345_1", "999_0"]
    assert df["document_id"].to_list() == ["12345_0", "12345_1", "999_0"]
    assert df["split"].to_list() == [None, None, None]
    assert df["source_file"].to_list() == ["text/12345.txt", "text/12345.txt", "text/999.txt"]
    assert df["source_line"].to_list() == [1, 2, 1]


def test_sentences_are_stripped(tmp_path):
    assert parse(release(tmp_path, DOCS))["text"].to_list() == [
        "Cells proliferate.",
        "They resist death and grow.",
        "Vessels form.",
    ]


def test_labels_are_lowercased_top_level_hallmarks_or_none(tmp_path):
    assert parse(release(tmp_path, DOCS))["labels"].to_list() == [
        ["none"],
        ["sustaining proliferative signaling", "resisting cell death"],
        ["none"],
    ]


def test_labels_outside_the_order_are_sorted(tmp_path):
    df = parse(release(tmp_path, DOCS), label_order=[])
    assert df["labels"][1].to_list() == ["resisting cell death", "sustaining proliferative signaling"]


def test_frame_validates_as_text(tmp_path):
    MODELS[hoc_labels.FAMILY].validate(parse(release(tmp_path, DOCS)))


def test_sentence_and_label_count_mismatch_names_the_text_file(tmp_path):
    files = release(tmp_path, {"12345": ("One.\nTwo.\nThree.\n", "<<Inducing angiogenesis--x")})
    with pytest.raises(SourceError) as err:
        parse(files)
    assert (err.value.source, err.value.file) == ("src", "text/12345.txt")
    assert "3 sentences but 2 label fields in labels/12345.txt" in str(err.value)


def test_missing_label_file_is_an_error(tmp_path):
    files = release(tmp_path, DOCS)
    (tmp_path / "labels" / "999.txt").unlink()
    with pytest.raises(SourceError, match="no label file labels/999.txt") as err:
        parse(files)
    assert err.value.file == "text/999.txt"
