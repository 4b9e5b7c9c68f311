import pytest

from schemas.errors import SourceError
from transforms.parsers import per_file
from transforms.parsers._common import InputFile

RAW = "id=1\nhttps://www.example.org/qa/1\nDescription\nA cough.\nDialogue\nPatient:\nI cough.\nDoctor:\nRest.\n"
PROCESSED = '[{"description": "a cough.", "utterances": ["patient: i cough.", "doctor: rest."]}]'
OPTIONS = {
    "family": "text",
    "parsers": [
        {"name": "dialogue_txt_v1", "files": ["raw.txt"], "options": {"speakers": {"Patient:": "patient",
                                                                                   "Doctor:": "doctor"}}},
        {"name": "dialogue_json_v1", "files": ["english-train.json"],
         "options": {"speakers": {"patient": "patient", "doctor": "doctor"}}},
    ],
}
FUZZ_SAMPLE = ("meddialog", OPTIONS, [("raw.txt", None, RAW.encode()),
                                      ("english-train.json", "train", PROCESSED.encode())])


def _files(tmp_path, names=("raw.txt", "english-train.json")):
    out = []
    for name in names:
        (tmp_path / name).write_text(RAW if name == "raw.txt" else PROCESSED)
        out.append(InputFile(tmp_path / name, name, "train" if name.endswith(".json") else None))
    return out


def test_each_file_is_read_by_its_own_parser(tmp_path):
    frame = per_file.parse(_files(tmp_path), OPTIONS, "meddialog")
    assert frame.select("source_file", "text", "labels", "split").rows() == [
        ("raw.txt", "I cough.", ["patient"], None), ("raw.txt", "Rest.", ["doctor"], None),
        ("english-train.json", "i cough.", ["patient"], "train"),
        ("english-train.json", "rest.", ["doctor"], "train")]


def test_a_group_whose_files_were_not_had_is_skipped(tmp_path):
    frame = per_file.parse(_files(tmp_path, ["raw.txt"]), OPTIONS, "meddialog")
    assert frame["source_file"].unique().to_list() == ["raw.txt"]


def test_superseded_file_is_not_read_beside_the_files_that_replace_it(tmp_path):
    options = {**OPTIONS, "superseded": {"raw.txt": ["english-train.json"]}}
    assert per_file.parse(_files(tmp_path), options, "meddialog")["source_file"].unique().to_list() == [
        "english-train.json"]
    assert per_file.parse(_files(tmp_path, ["raw.txt"]), options, "meddialog").height == 2


@pytest.mark.parametrize("change, message", [
    ({"parsers": [{"name": "nope_v1", "files": ["raw.txt"]}]}, "registered parser"),
    ({"parsers": [{"name": "per_file_v1", "files": ["raw.txt"]}]}, "registered parser"),
    ({"parsers": [{"name": "dialogue_txt_v1", "files": ["raw.txt"], "options": {"speaker": {}}}]}, "unknown option"),
    ({"parsers": [{"name": "mcq_jsonl_v1", "files": ["raw.txt"]}]}, "does not emit text"),
    ({"parsers": OPTIONS["parsers"] + [{"name": "dialogue_json_v1", "files": ["raw.txt"]}]}, "named by two groups"),
])
def test_bad_options(tmp_path, change, message):
    with pytest.raises(SourceError, match=message):
        per_file.parse(_files(tmp_path), {**OPTIONS, **change}, "meddialog")


def test_a_file_no_group_names(tmp_path):
    options = {**OPTIONS, "parsers": OPTIONS["parsers"][:1]}
    with pytest.raises(SourceError, match="no parser group") as e:
        per_file.parse(_files(tmp_path), options, "meddialog")
    assert e.value.file == "english-train.json"
