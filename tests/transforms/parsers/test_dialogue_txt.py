import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import dialogue_txt

TEXT = """id=1
https://www.example.org/qa/1

Description
I have a cough. Is it Covid-19?

Dialogue
Patient:
Hello doctor,
I have had a cough for three days.\rNo fever.
Doctor:
Hello, I understand your concern.
Do you have phlegm?

id=1
https://www.example.org/qa/2

Description
Fever question

Dialogue
Patient:
Can I get a covid test?
Doctor:
Only if you meet the criteria.
Patient:
Thank you.

id=3
https://www.example.org/qa/1

Description
A copy of dialogue 1

Dialogue
Patient:
Hello doctor,
I have had a cough for three days.\rNo fever.
Doctor:
Hello, I understand your concern.
Do you have phlegm?
"""

SPEAKERS = {"Patient:": "patient", "Doctor:": "doctor"}


def parse(file):
    return dialogue_txt.parse([file], {"speakers": SPEAKERS}, "src")


def test_each_turn_is_a_record_labelled_with_its_speaker_and_a_repeated_dialogue_is_left_out(input_file):
    df = parse(input_file("d.txt", TEXT, None))
    assert df.select("id", "document_id", "split", "source_file", "source_line").rows() == [
        ("d.txt:8", "d.txt:id=1@1", None, "d.txt", 8),
        ("d.txt:11", "d.txt:id=1@1", None, "d.txt", 11),
        ("d.txt:22", "d.txt:id=1@15", None, "d.txt", 22),
        ("d.txt:24", "d.txt:id=1@15", None, "d.txt", 24),
        ("d.txt:26", "d.txt:id=1@15", None, "d.txt", 26),
    ]
    assert df.select("text", "labels").rows() == [
        ("Hello doctor, I have had a cough for three days. No fever.", ["patient"]),
        ("Hello, I understand your concern. Do you have phlegm?", ["doctor"]),
        ("Can I get a covid test?", ["patient"]),
        ("Only if you meet the criteria.", ["doctor"]),
        ("Thank you.", ["patient"]),
    ]
    MODELS["text"].validate(df)


def test_text_before_the_first_dialogue_names_its_line(input_file):
    with pytest.raises(SourceError, match="first `id=N`") as err:
        parse(input_file("d.txt", "COVID dialogues\n\n" + TEXT))
    assert (err.value.source, err.value.file, err.value.line) == ("src", "d.txt", 1)


def test_a_missing_description_names_its_line(input_file):
    with pytest.raises(SourceError, match="Description") as err:
        parse(input_file("d.txt", TEXT.replace("Description\nFever question", "Fever question", 1)))
    assert (err.value.file, err.value.line) == ("d.txt", 18)


def test_dialogue_text_before_a_speaker_names_its_line(input_file):
    with pytest.raises(SourceError, match="speaker marker") as err:
        parse(input_file("d.txt", TEXT.replace("Dialogue\nPatient:\nCan I", "Dialogue\nCan I")))
    assert (err.value.file, err.value.line) == ("d.txt", 22)


def test_a_turn_without_text_names_its_marker_line(input_file):
    with pytest.raises(SourceError, match="no text") as err:
        parse(input_file("d.txt", TEXT.replace("Doctor:\nOnly if you meet the criteria.\n", "Doctor:\n")))
    assert (err.value.file, err.value.line) == ("d.txt", 24)


def test_a_dialogue_without_turns_names_its_id_line(input_file):
    cut = TEXT[: TEXT.index("Dialogue\nPatient:\nCan I")]
    with pytest.raises(SourceError, match="dialogue 1 has no Dialogue") as err:
        parse(input_file("d.txt", cut))
    assert (err.value.file, err.value.line) == ("d.txt", 15)


def test_an_empty_file_is_an_error(input_file):
    with pytest.raises(SourceError, match="no dialogue") as err:
        parse(input_file("d.txt", "\n"))
    assert (err.value.file, err.value.line) == ("d.txt", 1)


def test_a_byte_that_is_not_utf8_names_its_line(input_file):
    file = input_file("d.txt", "")
    file.path.write_bytes(TEXT.encode().replace(b"Thank you.", b"Thank \xffyou."))
    with pytest.raises(SourceError) as err:
        parse(file)
    assert (err.value.file, err.value.line) == ("d.txt", 27)
