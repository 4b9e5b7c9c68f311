import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import csv_table

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
