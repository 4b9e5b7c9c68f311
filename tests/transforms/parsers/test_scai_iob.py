import gzip

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import scai_iob

# SCAI's layout (as BigBio's and flair's loaders read it): '### <PMID>', then token, start, end, the mention's text
# on its first token, and the tag after a '|'; a blank line after each abstract.
TWO_ABSTRACTS = (
    "### 10022424\n"
    "Aspirin\t0\t7\tAspirin\t|B-TRIVIAL\n"
    "and\t8\t11\t\t|O\n"
    "acetyl\t12\t18\tacetyl salicylic acid\t|B-IUPAC\n"
    "salicylic\t19\t28\t\t|I-IUPAC\n"
    "acid\t29\t33\t\t|I-IUPAC\n"
    ".\t33\t34\t\t|O\n"
    "\n"
    "### 10022425\n"
    "No\t5\t7\t\t|O\n"
    "chemicals\t9\t18\t\t|O\n"
    "\n"
)
FUZZ_SAMPLE = ("scai_chemical", {"encoding": "utf-8"},
               [("corpus_iob.gz", "train", gzip.compress(TWO_ABSTRACTS.encode()))])


def parse(file, **options):
    return scai_iob.parse([file], options, "src")


def entities(df, row=0):
    return [(e["text"], e["offsets"], e["type"]) for e in df["entities"][row]]


def test_each_abstract_is_a_record_rebuilt_from_its_token_offsets(input_file):
    df = parse(input_file("c.iob", TWO_ABSTRACTS))
    assert df.select("id", "document_id", "split", "source_file", "source_line").rows() == [
        ("c.iob:10022424", "10022424", "train", "c.iob", 1),
        ("c.iob:10022425", "10022425", "train", "c.iob", 9),
    ]
    assert df["passages"][0][0]["text"] == ["Aspirin and acetyl salicylic acid."]
    assert df["passages"][0][0]["type"] == "abstract"
    # offsets are taken from the abstract's first token: 5-7, 9-18 -> 0-2, 4-13
    assert df["passages"][1][0]["text"] == ["No  chemicals"]
    MODELS["kb"].validate(df)


def test_mentions_come_from_the_tags(input_file):
    df = parse(input_file("c.iob", TWO_ABSTRACTS))
    assert entities(df) == [(["Aspirin"], [[0, 7]], "TRIVIAL"), (["acetyl salicylic acid"], [[12, 33]], "IUPAC")]
    assert [e["id"] for e in df["entities"][0]] == ["c.iob:10022424-e0", "c.iob:10022424-e1"]
    assert entities(df, 1) == []


def test_a_tag_without_the_pipe_and_an_i_after_o(input_file):
    df = parse(input_file("c.iob", "### 1\nbig\t0\t3\t\tO\nDNA\t4\t7\tDNA\tI-FAMILY\nRNA\t8\t11\t\tB-FAMILY\n"))
    assert entities(df) == [(["DNA"], [[4, 7]], "FAMILY"), (["RNA"], [[8, 11]], "FAMILY")]


def test_a_gzipped_file_in_mac_roman(tmp_path):
    from transforms.parsers._common import InputFile

    path = tmp_path / "c_iob.gz"
    path.write_bytes(gzip.compress("### 7\n\u00df-carotene\t0\t10\t\u00df-carotene\t|B-TRIVIAL\n".encode("mac_roman")))
    df = parse(InputFile(path, "c_iob.gz", "train"), encoding="mac_roman")
    assert entities(df) == [(["\u00df-carotene"], [[0, 10]], "TRIVIAL")]


def test_a_repeated_abstract_stays_its_own_record_and_blank_lines_carry_nothing(input_file):
    df = parse(input_file("c.iob", "### 1\na\t0\t1\t\t|O\n\n\nb\t2\t3\t\t|O\n\n### 1\nb\t0\t1\t\t|O\n"))
    assert df["id"].to_list() == ["c.iob:1", "c.iob:1#2"]
    assert df["passages"][0][0]["text"] == ["a b"]


@pytest.mark.parametrize("text, line, message", [
    ("a\t0\t1\t\t|O\n", 1, "before the first"),
    ("###  \na\t0\t1\t\t|O\n", 1, "without a document id"),
    ("### 1\na\t0\t1\t|O\n", 2, "5 tab-separated fields"),
    ("### 1\na\tx\t1\t\t|O\n", 2, "not integers"),
    ("### 1\nab\t0\t2\t\t|O\nc\t1\t2\t\t|O\n", 3, "overlapping"),
    ("### 1\na\t0\t1\t\t|O\nc\t5000\t5001\t\t|O\n", 3, "characters after it"),
    ("### 1\na\t0\t1\t\t|X-IUPAC\n", 2, "not an IOB tag"),
])
def test_malformed_lines_name_their_line(input_file, text, line, message):
    with pytest.raises(SourceError, match=message) as err:
        parse(input_file("c.iob", text))
    assert (err.value.source, err.value.file, err.value.line) == ("src", "c.iob", line)
