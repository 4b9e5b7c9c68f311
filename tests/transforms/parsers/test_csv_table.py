import io
import tarfile
import zipfile

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import csv_table
from transforms.parsers._common import InputFile

PAIRS = """\
id,sentence1,sentence2,score
p1,A cat sat.,A cat was sitting.,4.2
p2, Dogs bark , Cats meow ,0
"""
PAIRS_OPTIONS = {
    "family": "pairs",
    "columns": {"text_1": "sentence1", "text_2": "sentence2", "label": "score"},
    "id": "id",
}
MQP_OPTIONS = {"family": "pairs", "header": False, "columns": {"text_1": 1, "text_2": 2, "label": 3}}
TEXT_OPTIONS = {"family": "text", "columns": {"text": "text", "labels": "labels"}}


def parse(file, options):
    return csv_table.parse([file], options, "src")


def test_rows_become_pairs_keyed_by_the_id_column(input_file):
    df = parse(input_file("pairs.csv", PAIRS), PAIRS_OPTIONS)
    assert df["id"].to_list() == ["pairs.csv:p1", "pairs.csv:p2"]
    assert df["document_id"].to_list() == ["pairs.csv:p1", "pairs.csv:p2"]
    assert df["split"].to_list() == ["train", "train"]
    assert df["source_file"].to_list() == ["pairs.csv", "pairs.csv"]
    assert df["source_line"].to_list() == [2, 3]


def test_fields_are_stripped(input_file):
    df = parse(input_file("pairs.csv", PAIRS), PAIRS_OPTIONS)
    assert df.select("text_1", "text_2", "label").rows() == [
        ("A cat sat.", "A cat was sitting.", "4.2"),
        ("Dogs bark", "Cats meow", "0"),
    ]


def test_without_header_columns_are_indexes_and_ids_are_line_numbers(input_file):
    df = parse(input_file("mqp.csv", "1,How is flu spread?,Is flu contagious?,1\n\n2,Q a,Q b,0\n"), MQP_OPTIONS)
    assert df["id"].to_list() == ["mqp.csv:1", "mqp.csv:3"]  # the blank line 2 is skipped
    assert df.select("text_1", "text_2", "label").row(0) == ("How is flu spread?", "Is flu contagious?", "1")


def test_text_family_splits_labels(input_file):
    df = parse(input_file("docs.csv", 'text,labels\nSome text,"a; b ;"\nOther text,c\n'), TEXT_OPTIONS)
    assert df.select("text", "labels").rows() == [("Some text", ["a", "b"]), ("Other text", ["c"])]


def test_label_separator_is_an_option(input_file):
    df = parse(input_file("docs.csv", "text,labels\nSome text,a|b\n"), {**TEXT_OPTIONS, "label_separator": "|"})
    assert df["labels"].to_list() == [["a", "b"]]


def test_te_family(input_file):
    options = {"family": "te", "columns": {"premise": 0, "hypothesis": 1, "label": 2}, "header": False}
    df = parse(input_file("te.csv", "It rains.,It is wet.,entailment\n"), options)
    assert df.select("premise", "hypothesis", "label").row(0) == ("It rains.", "It is wet.", "entailment")


@pytest.mark.parametrize(
    "name, text, options",
    [("pairs.csv", PAIRS, PAIRS_OPTIONS), ("docs.csv", "text,labels\nSome text,a;b\n", TEXT_OPTIONS)],
)
def test_frame_validates_as_its_family(input_file, name, text, options):
    MODELS[options["family"]].validate(parse(input_file(name, text), options))


def test_row_with_the_wrong_number_of_fields_names_its_line(input_file):
    text = PAIRS + "p3,only two\n"
    with pytest.raises(SourceError) as err:
        parse(input_file("pairs.csv", text), PAIRS_OPTIONS)
    assert (err.value.source, err.value.file, err.value.line) == ("src", "pairs.csv", 4)
    assert "row has 2 fields, the header 4" in str(err.value)


def test_row_without_header_and_too_few_fields_names_its_line(input_file):
    with pytest.raises(SourceError) as err:
        parse(input_file("mqp.csv", "1,a,b,1\n2,a,b,0\n3,a\n"), MQP_OPTIONS)
    assert (err.value.file, err.value.line) == ("mqp.csv", 3)


def test_columns_lacking_a_field_is_an_error(input_file):
    with pytest.raises(SourceError, match="columns lacks label"):
        parse(input_file("pairs.csv", PAIRS), {"family": "pairs", "columns": {"text_1": 0, "text_2": 1}})


def test_record_with_a_multiline_field_starts_at_its_first_line(input_file):
    text = 'id,sentence1,sentence2,score\np1,"A cat\nsat.",A cat was sitting.,4\np2,a,b,0\n'
    df = parse(input_file("pairs.csv", text), PAIRS_OPTIONS)
    assert df["source_line"].to_list() == [2, 4]


def test_empty_file_with_a_header_is_a_source_error(input_file):
    with pytest.raises(SourceError) as err:
        parse(input_file("pairs.csv", ""), PAIRS_OPTIONS)
    assert err.value.file == "pairs.csv"


GAD_OPTIONS = {
    "family": "pairs",
    "delimiter": "\t",
    "header": False,
    "columns": {"text_1": 0, "label": 1},
    "constants": {"text_2": "@GENE$ and @DISEASE$"},
    "file_options": {"test.tsv": {"header": True, "id": "index", "columns": {"text_1": "sentence", "label": "label"}}},
}


def test_tab_delimiter_and_constant_fields(input_file):
    df = parse(input_file("train.tsv", '@GENE$ "S" allele and @DISEASE$.\t1\n'), GAD_OPTIONS)
    assert df.select("id", "text_1", "text_2", "label").row(0) == (
        "train.tsv:1", '@GENE$ "S" allele and @DISEASE$.', "@GENE$ and @DISEASE$", "1"
    )


def test_file_options_give_one_file_its_own_layout(input_file):
    files = [input_file("train.tsv", "A @GENE$ b.\t0\n"), input_file("test.tsv", "index\tsentence\tlabel\n7\tC @GENE$.\t1\n", "test")]
    df = csv_table.parse(files, GAD_OPTIONS, "src")
    assert df.select("id", "split", "source_line", "text_1", "label").rows() == [
        ("train.tsv:1", "train", 1, "A @GENE$ b.", "0"),
        ("test.tsv:7", "test", 2, "C @GENE$.", "1"),
    ]


def test_unknown_file_option_is_an_error(input_file):
    with pytest.raises(SourceError, match="unknown \\['family'\\]"):
        parse(input_file("test.tsv", "a\t1\n"), {**GAD_OPTIONS, "file_options": {"test.tsv": {"family": "te"}}})


def test_a_column_name_missing_from_the_header_names_the_header_line(input_file):
    with pytest.raises(SourceError) as err:
        parse(input_file("pairs.csv", PAIRS), {**PAIRS_OPTIONS, "columns": {**PAIRS_OPTIONS["columns"], "label": "gold"}})
    assert (err.value.file, err.value.line) == ("pairs.csv", 1)


MEDAL_OPTIONS = {
    "family": "text",
    "columns": {"text": "TEXT", "labels": "LABEL"},
    "label_separator": "|",
    "mark_token": {"field": "text", "index": "LOCATION", "template": "<abbr>{}</abbr>"},
}


def test_mark_token_wraps_the_token_at_an_index(input_file):
    df = parse(input_file("sample.csv", "ABSTRACT_ID,TEXT,LOCATION,LABEL\n1,rats with CS were,2,carcinosarcoma\n"), MEDAL_OPTIONS)
    assert df.select("text", "labels").row(0) == ("rats with <abbr>CS</abbr> were", ["carcinosarcoma"])


@pytest.mark.parametrize("location", ["4", "x"])
def test_mark_token_index_outside_the_text_names_its_line(input_file, location):
    text = f"ABSTRACT_ID,TEXT,LOCATION,LABEL\n1,a b,0,x\n2,rats with CS were,{location},y\n"
    with pytest.raises(SourceError) as err:
        parse(input_file("sample.csv", text), MEDAL_OPTIONS)
    assert (err.value.file, err.value.line) == ("sample.csv", 3)
    assert "token index" in str(err.value)


def test_t2t_family(input_file):
    options = {"family": "t2t", "columns": {"text_1": "q", "text_2": "s"}, "constants": {"text_1_name": "question", "text_2_name": "summary"}}
    df = parse(input_file("qs.csv", "q,s\nWho makes it?,Manufacturer?\n"), options)
    assert df.select("text_1", "text_2", "text_1_name", "text_2_name").row(0) == ("Who makes it?", "Manufacturer?", "question", "summary")
    MODELS["t2t"].validate(df)


def test_document_column_groups_records_that_share_a_document(input_file):
    text = "ABSTRACT_ID,TEXT,LABEL\n7,an MI was seen,myocardial infarction\n7,an MI was seen,mitral insufficiency\n9,x,y\n"
    options = {"family": "text", "columns": {"text": "TEXT", "labels": "LABEL"}, "document": "ABSTRACT_ID"}
    df = parse(input_file("sample.csv", text), options)
    assert df["id"].to_list() == ["sample.csv:2", "sample.csv:3", "sample.csv:4"]
    assert df["document_id"].to_list() == ["sample.csv:7", "sample.csv:7", "sample.csv:9"]


# `members`: CSV files read from inside a declared zip or tar archive (GEOKhoj ships its two splits in one zip).
GEO_TRAIN = 'GSM1,0, liver WT control\nGSM2,1," liver, treated with X"\n'
GEO_TEST = "GSM3,1, KO spleen\n"
GEO_OPTIONS = {"family": "text", "header": False, "columns": {"text": 2, "labels": 1},
               "members": {"geo/train.csv": "train", "geo/test.csv": "test"}}


def _archive(tmp_path, members: dict[str, bytes], kind: str = "zip") -> InputFile:
    path = tmp_path / f"geo.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("geo/", "")
            for name, data in members.items():
                z.writestr(name, data)
    else:
        with tarfile.open(path, "w:gz") as t:
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    return InputFile(path, f"geo.{kind}", None)


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_members_of_an_archive_are_read_each_with_its_split(tmp_path, kind):
    archive = _archive(tmp_path, {"geo/train.csv": GEO_TRAIN.encode(), "geo/test.csv": GEO_TEST.encode()}, kind)
    df = parse(archive, GEO_OPTIONS)
    name = f"geo.{kind}"
    assert df.rows() == [
        (f"{name}/geo/train.csv:1", f"{name}/geo/train.csv:1", "train", f"{name}/geo/train.csv", 1,
         "liver WT control", ["0"]),
        (f"{name}/geo/train.csv:2", f"{name}/geo/train.csv:2", "train", f"{name}/geo/train.csv", 2,
         "liver, treated with X", ["1"]),
        (f"{name}/geo/test.csv:1", f"{name}/geo/test.csv:1", "test", f"{name}/geo/test.csv", 1, "KO spleen", ["1"]),
    ]


def test_a_member_is_read_in_pieces_that_end_at_line_ends():
    data = b"a,1\nbb,2\nccc,3"
    pieces = list(csv_table._member_pieces(data, 5))
    assert pieces == [(b"a,1\nbb,2\n", 1, 0), (b"ccc,3", 3, 9)]
    assert list(csv_table._member_pieces(b"", 5)) == []


@pytest.mark.parametrize(
    "train, line",
    [(b"GSM1,0,a\nGSM2,1\n", 2),  # the fast (Polars) path
     (b'GSM1,0,"a, b"\nGSM2,1,c\nGSM3,1\n', 3)],  # the careful (csv module) path
)
def test_a_bad_row_in_a_member_names_the_member_and_line(tmp_path, train, line):
    archive = _archive(tmp_path, {"geo/train.csv": train, "geo/test.csv": GEO_TEST.encode()})
    with pytest.raises(SourceError, match="row has 2 fields") as err:
        parse(archive, GEO_OPTIONS)
    assert (err.value.file, err.value.line) == ("geo.zip/geo/train.csv", line)


def test_bytes_of_a_member_that_are_not_utf8_name_the_member_and_line(tmp_path):
    archive = _archive(tmp_path, {"geo/train.csv": b'GSM1,0,"a"\nGSM2,1,b\xff\n', "geo/test.csv": b"GSM3,1,c\n"})
    with pytest.raises(SourceError, match="not UTF-8") as err:
        parse(archive, GEO_OPTIONS)
    assert (err.value.file, err.value.line) == ("geo.zip/geo/train.csv", 2)


def test_a_member_the_archive_lacks_is_an_error(tmp_path):
    archive = _archive(tmp_path, {"geo/train.csv": GEO_TRAIN.encode()})
    with pytest.raises(SourceError, match="no member 'geo/test.csv'") as err:
        parse(archive, GEO_OPTIONS)
    assert err.value.file == "geo.zip"


def test_members_of_a_file_that_is_not_an_archive_is_an_error(input_file):
    with pytest.raises(SourceError, match="zip or tar archive") as err:
        parse(input_file("geo.csv", GEO_TRAIN), GEO_OPTIONS)
    assert err.value.file == "geo.csv"


def test_a_byte_order_mark_is_not_part_of_the_first_column_name(input_file):
    df = parse(input_file("t.csv", "\ufefftext,labels\nAspirin helps,yes\n"), TEXT_OPTIONS)
    assert (df["text"].to_list(), df["labels"].to_list()) == (["Aspirin helps"], [["yes"]])
