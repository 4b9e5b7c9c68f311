import json

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import dialogue_json
from transforms.parsers._common import InputFile
from transforms.validate import partition

OPTIONS = {"speakers": {"patient": "patient", "doctor": "doctor"}}
# MedDialog's processed English files: a JSON list of {description, utterances: ["speaker: text", ...]}.
DIALOGUES = [
    {"description": "cough for three days, is it covid?",
     "utterances": ["patient: hello doctor, i have had a cough for three days.",
                    "doctor: hello. do you have a fever: yes or no?"]},
    {"description": "fever", "utterances": ["patient: can i get a test?", "doctor: only if you meet the criteria.",
                                            "patient: thank you."]},
]
TEXT = json.dumps(DIALOGUES, indent=2)
FUZZ_SAMPLE = ("meddialog", OPTIONS, [("english-train.json", "train", TEXT.encode())])


def _parse(tmp_path, text: str, options=OPTIONS):
    path = tmp_path / "english-dev.json"
    path.write_text(text, encoding="utf-8")
    return dialogue_json.parse([InputFile(path, "english-dev.json", "validation")], options, "meddialog")


def test_one_record_per_utterance_labelled_by_speaker(tmp_path):
    frame = _parse(tmp_path, TEXT)
    assert frame["text"].to_list() == [
        "hello doctor, i have had a cough for three days.", "hello. do you have a fever: yes or no?",
        "can i get a test?", "only if you meet the criteria.", "thank you."]
    assert frame["labels"].to_list() == [["patient"], ["doctor"], ["patient"], ["doctor"], ["patient"]]
    assert frame["id"].to_list()[:3] == ["english-dev.json:0_0", "english-dev.json:0_1", "english-dev.json:1_0"]
    assert frame["document_id"].unique(maintain_order=True).to_list() == ["english-dev.json:0", "english-dev.json:1"]
    assert set(frame["split"]) == {"validation"}
    assert frame["source_line"].to_list() == [4, 4, 11, 11, 11]
    valid, quarantine = partition(frame, MODELS["text"], source="meddialog", task=None, stage="family")
    assert (valid.height, quarantine.height) == (5, 0)


@pytest.mark.parametrize("text, message, line", [
    ('{"utterances": []}', "expected a JSON list", 1),
    ('[{"description": "x"}]', "has no list of utterances", None),
    ('[\n{"utterances":\n ["nurse: hi"]}]', "speaker in ['doctor', 'patient']", 2),
    ('[\n{"utterances": ["patient hi"]}]', "expected `speaker: text`", 2),
    ('[\n{"utterances": ["patient:  "]}]', "expected `speaker: text`", 2),
    ('[{"utterances": ["patient: hi"]}', "not valid JSON", 1),
])
def test_malformed_input_names_file_and_line(tmp_path, text, message, line):
    with pytest.raises(SourceError) as e:
        _parse(tmp_path, text)
    assert message in str(e.value)
    assert (e.value.file, e.value.line) == ("english-dev.json", line)
