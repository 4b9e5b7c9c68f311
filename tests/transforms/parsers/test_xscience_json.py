import gzip
import json

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import xscience_json
from transforms.parsers._common import InputFile

# Two papers as the release writes them (README "Dataset Format": aid, mid, abstract, related_work,
# ref_abstract with one object {mid, abstract} per citation marker), the whole array on one line.
PAPERS = [
    {"aid": "1911.00001", "mid": "2981234567", "abstract": "We present a parser. It is fast.",
     "related_work": " Parsing was studied by @cite_3 and @cite_1 . ",
     "ref_abstract": {"@cite_3": {"mid": "1500000001", "abstract": "A chart parser."},
                      "@cite_1": {"mid": "1500000002", "abstract": ""}}},
    {"aid": "math9912167", "mid": "1631980677", "abstract": "No references here.",
     "related_work": "Earlier work is scarce.", "ref_abstract": {}},
]


def _gz(tmp_path, name: str, data: bytes, split: str = "train") -> InputFile:
    path = tmp_path / name
    path.write_bytes(gzip.compress(data))
    return InputFile(path, name, split)


def parse(files, options=None):
    return xscience_json.parse(files, options or {}, "src")


def test_abstract_and_cited_abstracts_in_related_work_out(tmp_path):
    df = parse([_gz(tmp_path, "train.json.gz", json.dumps(PAPERS).encode())])
    assert df.select("id", "document_id", "split", "source_file", "source_line").rows() == [
        ("train.json.gz:1", "1911.00001", "train", "train.json.gz", 1),
        ("train.json.gz:2", "math9912167", "train", "train.json.gz", 1),
    ]
    assert df["text_1"].to_list() == [
        "Abstract: We present a parser. It is fast.\nReferences: @cite_3: A chart parser. @cite_1:",
        "Abstract: No references here.\nReferences:",
    ]
    assert df["text_2"].to_list() == ["Parsing was studied by @cite_3 and @cite_1 .", "Earlier work is scarce."]
    assert df.select("text_1_name", "text_2_name").unique().rows() == [("abstract and cited abstracts", "related work")]
    MODELS["t2t"].validate(df)


def test_a_missing_cited_abstract_leaves_an_empty_marker_between_others(tmp_path):
    paper = {**PAPERS[0], "ref_abstract": {"@cite_1": {"mid": "1", "abstract": None},
                                           "@cite_6": {"mid": "2", "abstract": "Motion transfer."}}}
    df = parse([_gz(tmp_path, "val.json.gz", json.dumps([paper]).encode(), "val")], {"text_2_name": "rw"})
    assert df["text_1"][0].endswith("References: @cite_1:  @cite_6: Motion transfer.")
    assert df.select("split", "text_2_name").row(0) == ("val", "rw")


def test_lines_of_an_indented_file_are_where_each_paper_starts(tmp_path):
    df = parse([_gz(tmp_path, "test.json.gz", json.dumps(PAPERS, indent=1).encode(), "test")])
    assert df["source_line"].to_list() == [2, 18]


@pytest.mark.parametrize("text, line, message", [
    ('{"aid": "1"}', 1, "expected a JSON array"),
    ('[\n{"aid": "1", "abstract": "a", "related_work": "b", "ref_abstract": {}},\n{"aid": ', 3, "not valid JSON"),
    ('[\n{"aid": "1", "abstract": "a", "related_work": "b"}\n]', 2, "no key 'ref_abstract'"),
    ('[\n\n{"aid": "1", "abstract": "a", "related_work": "b", "ref_abstract": []}]', 3, "'ref_abstract' is a JSON list"),
    ('[{"aid": "1", "abstract": "a", "related_work": "b", "ref_abstract": {"@cite_1": "x"}}]', 1,
     "reference '@cite_1' is a JSON str"),
    ('[{"aid": "1", "abstract": ["a"], "related_work": "b", "ref_abstract": {}}]', 1, "'abstract' is a JSON list"),
    ('[{"aid": {}, "abstract": "a", "related_work": "b", "ref_abstract": {}}]', 1, "'aid' is a JSON dict"),
    ('[\n1\n]', 2, "expected a JSON object, got int"),
    ('[{"aid": "1", "abstract": "a", "related_work": "b", "ref_abstract": {}}\n\n{}]', 3, "expected ',' or ']'"),
    ('[]\n]', 2, "text after the array"),
])
def test_malformed_input_names_file_and_line(tmp_path, text, line, message):
    with pytest.raises(SourceError, match=message) as err:
        parse([_gz(tmp_path, "train.json.gz", text.encode())])
    assert (err.value.source, err.value.file, err.value.line) == ("src", "train.json.gz", line)


def test_an_empty_array_gives_no_records(tmp_path):
    assert parse([_gz(tmp_path, "test.json.gz", b" [ ] \n")]).height == 0


FUZZ_SAMPLE = ("multi_xscience", {}, [("val.json.gz", "val", gzip.compress(json.dumps(PAPERS).encode()))])
