import json

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import token_votes_json

SENTENCES = {
    "1:0": "Aspirin for adults with migraine .",
    "1:1": "No spans here .",
    "2:0": "Pain and nausea fell .",
}
# Three annotators a sentence; a token counts when at least two marked it.
PARTICIPANTS = {
    "1:0": {"annotations": [[0, 0, 1, 1, 1, 0], [0, 0, 1, 1, 1, 0], [0, 0, 0, 0, 1, 0]], "wids": [16, 17, 18]},
    "1:1": {"annotations": [[0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]], "wids": [16, 17, 18]},
    "2:0": {"annotations": [[0, 0, 0, 0, 0]] * 3, "wids": [16, 17, 18]},
}
OUTCOMES = {
    "1:0": {"annotations": [[0, 0, 0, 0, 1, 0]] * 3, "wids": [293, 294, 295]},
    "1:1": {"annotations": [[0, 0, 0, 0]] * 3, "wids": [293, 294, 295]},
    # two runs of one label: "Pain" and "nausea"
    "2:0": {"annotations": [[1, 0, 1, 0, 0], [1, 1, 1, 0, 0], [0, 0, 1, 1, 0]], "wids": [293, 294, 295]},
}
LABELS = {"annotations/participants.json": "participant", "annotations/outcomes.json": "outcome"}


def dump(doc) -> str:
    return json.dumps(doc, indent=4)  # one key a line or more, as the release writes them


@pytest.fixture
def release(input_file, tmp_path):
    (tmp_path / "annotations").mkdir()

    def make(sentences=SENTENCES, participants=PARTICIPANTS, outcomes=OUTCOMES):
        return [input_file("sentences.json", dump(sentences)),
                input_file("annotations/participants.json", dump(participants)),
                input_file("annotations/outcomes.json", dump(outcomes))]

    return make


def parse(files, sentences="sentences.json", labels=LABELS):
    return token_votes_json.parse(files, {"sentences": sentences, "labels": labels}, "src")


def test_each_sentence_is_a_record_with_the_line_of_its_key(release):
    df = parse(release())
    assert df["id"].to_list() == ["sentences.json:1:0", "sentences.json:1:1", "sentences.json:2:0"]
    assert df["document_id"].to_list() == ["1:0", "1:1", "2:0"]
    assert df["source_file"].to_list() == ["sentences.json"] * 3
    assert df["source_line"].to_list() == [2, 3, 4]
    assert df["split"].to_list() == ["train"] * 3
    assert [p[0]["text"] for p in df["passages"].to_list()] == [[s] for s in SENTENCES.values()]


def test_majority_runs_become_mentions_of_their_files_label(release):
    ents = parse(release())["entities"].to_list()
    assert [(e["id"], e["type"], e["text"], e["offsets"]) for e in ents[0]] == [
        ("1:0-participant0", "participant", ["adults with migraine"], [[12, 32]]),
        ("1:0-outcome1", "outcome", ["migraine"], [[24, 32]]),
    ]
    assert ents[1] == []  # a single annotator's mark is no majority
    assert [(e["type"], e["text"], e["offsets"]) for e in ents[2]] == [
        ("outcome", ["Pain"], [[0, 4]]),
        ("outcome", ["nausea"], [[9, 15]]),
    ]


def test_frame_validates_as_kb(release):
    MODELS[token_votes_json.FAMILY].validate(parse(release()))


def test_two_annotators_need_both_for_a_majority(release):
    outcomes = dict(OUTCOMES, **{"2:0": {"annotations": [[1, 1, 0, 0, 0], [1, 0, 0, 0, 0]], "wids": [1, 2]}})
    ents = parse(release(outcomes=outcomes))["entities"].to_list()
    assert [e["text"] for e in ents[2]] == [["Pain"]]


@pytest.mark.parametrize(
    "outcomes, key, message",
    [
        (dict(OUTCOMES, **{"9:9": OUTCOMES["1:1"]}), "9:9", "not in sentences.json"),
        (dict(OUTCOMES, **{"1:1": {"annotations": [[0, 0, 0]], "wids": [1]}}), "1:1", "not 4 values 0 or 1"),
        (dict(OUTCOMES, **{"1:1": {"annotations": [[0, 0, 2, 0]], "wids": [1]}}), "1:1", "not 4 values 0 or 1"),
        (dict(OUTCOMES, **{"1:1": {"annotations": [], "wids": []}}), "1:1", "expected `annotations`"),
        (dict(OUTCOMES, **{"1:1": [0, 0, 0, 0]}), "1:1", "expected an object"),
    ],
)
def test_malformed_votes_name_the_file_and_the_line_of_the_sentence(release, outcomes, key, message):
    with pytest.raises(SourceError) as err:
        parse(release(outcomes=outcomes))
    assert (err.value.source, err.value.file) == ("src", "annotations/outcomes.json")
    assert err.value.reason.startswith(f"sentence {key}: ") and message in err.value.reason
    text = dump(outcomes)  # the line where the sentence's key stands
    assert err.value.line == text[: text.index(f'"{key}"')].count("\n") + 1 > 1


def test_sentence_without_votes_is_an_error(release):
    outcomes = {k: v for k, v in OUTCOMES.items() if k != "2:0"}
    with pytest.raises(SourceError) as err:
        parse(release(outcomes=outcomes))
    assert err.value.file == "annotations/outcomes.json" and "no votes for sentence 2:0" in err.value.reason


def test_invalid_json_names_file_and_line(input_file, release):
    files = release()
    files[0] = input_file("sentences.json", '{\n  "1:0": "A .",\n  "1:1" "B ."\n}\n')
    with pytest.raises(SourceError) as err:
        parse(files)
    assert (err.value.file, err.value.line) == ("sentences.json", 3)


def test_sentence_that_is_not_text_names_its_line(release):
    with pytest.raises(SourceError) as err:
        parse(release(sentences=dict(SENTENCES, **{"1:1": ["No", "spans"]})))
    assert (err.value.file, err.value.line) == ("sentences.json", 3)


def test_files_and_options_must_agree(release, input_file):
    with pytest.raises(SourceError) as err:
        parse(release(), labels={"annotations/interventions.json": "intervention"})
    assert "not declared: annotations/interventions.json" in err.value.reason
    with pytest.raises(SourceError) as err:
        parse(release() + [input_file("extra.json", "{}")])
    assert err.value.file == "extra.json"
