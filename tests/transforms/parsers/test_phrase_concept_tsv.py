import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import phrase_concept_tsv

TSV = "108367008\tDislocation of joint\tdislocating\n3384011000036100\tArthrotec\tArthrotec\n\n193462001\tInsomnia\t can't sleep \n"
OPTIONS = {"db_name": "SNOMED-CT|AMT", "entity_type": "social_media_text"}


def parse(file, options=OPTIONS):
    return phrase_concept_tsv.parse([file], options, "src")


def test_each_line_is_a_phrase_with_one_entity_spanning_it(input_file):
    df = parse(input_file("a.txt", TSV, "test_0"))
    assert df.select("id", "document_id", "split", "source_file", "source_line").rows() == [
        ("a.txt:1", "a.txt:1", "test_0", "a.txt", 1),
        ("a.txt:2", "a.txt:2", "test_0", "a.txt", 2),
        ("a.txt:4", "a.txt:4", "test_0", "a.txt", 4),
    ]
    last = df.row(2, named=True)
    assert last["passages"] == [{"id": "a.txt:4:p", "type": "social_media_text", "text": ["can't sleep"],
                                 "offsets": [[0, 11]]}]
    assert last["entities"] == [{"id": "a.txt:4:e", "type": "social_media_text", "text": ["can't sleep"],
                                 "offsets": [[0, 11]],
                                 "normalized": [{"db_name": "SNOMED-CT|AMT", "db_id": "193462001"}]}]
    assert (last["events"], last["coreferences"], last["relations"]) == ([], [], [])
    assert [e[0]["normalized"][0]["db_id"] for e in df["entities"]] == ["108367008", "3384011000036100", "193462001"]
    MODELS["kb"].validate(df)


def test_the_entity_type_defaults_to_phrase(input_file):
    df = parse(input_file("a.txt", TSV), {"db_name": "X"})
    assert df["entities"].to_list()[0][0]["type"] == "phrase"


@pytest.mark.parametrize("line, message", [
    ("108367008\tDislocation of joint", "3 tab-separated fields, found 2"),
    ("108367008\tDislocation\tof\tjoint", "found 4"),
    ("\tDislocation of joint\tdislocating", "concept id"),
    ("108 367008\tDislocation of joint\tdislocating", "concept id"),
    ("108367008\tDislocation of joint\t ", "phrase"),
])
def test_a_malformed_line_names_its_line(input_file, line, message):
    with pytest.raises(SourceError, match=message) as err:
        parse(input_file("a.txt", TSV.replace("108367008\tDislocation of joint\tdislocating", line)))
    assert (err.value.source, err.value.file, err.value.line) == ("src", "a.txt", 1)


def test_a_byte_that_is_not_utf8_names_its_line(input_file):
    file = input_file("a.txt", "")
    file.path.write_bytes(TSV.encode().replace(b"Insomnia", b"Insomni\xe9"))
    with pytest.raises(SourceError) as err:
        parse(file)
    assert (err.value.file, err.value.line) == ("a.txt", 4)


def test_latin1_files_read_with_the_encoding_option(input_file):
    file = input_file("a.txt", "")
    file.path.write_bytes(b"C0027497\tNausea\tfeel na\xefve and sick\n")
    df = parse(file, {**OPTIONS, "encoding": "latin-1"})
    assert df["passages"].to_list()[0][0]["text"] == ["feel na\u00efve and sick"]
