import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import pubtator

TWO_DOCUMENTS = """\
100|t|p53 in cancer
100|a|Loss of p53 causes tumours.
100\t0\t3\tp53\tGene\t7157
100\t7\t13\tcancer\tDisease\tMESH:D009369|OMIM:114480
100\t22\t25\tp53\tGene\t-1

200|t|Aspirin
200|a|No findings.
"""


def parse(file, **options):
    return pubtator.parse([file], options, "src")


def test_each_document_is_a_record_with_provenance(input_file):
    df = parse(input_file("train.txt", TWO_DOCUMENTS))
    assert df["id"].to_list() == ["train.txt:100:1", "train.txt:200:7"]
    assert df["document_id"].to_list() == ["100", "200"]
    assert df["split"].to_list() == ["train", "train"]
    assert df["source_file"].to_list() == ["train.txt", "train.txt"]
    assert df["source_line"].to_list() == [1, 7]


def test_title_and_abstract_passages_are_offset_as_one_text(input_file):
    title, abstract = parse(input_file("train.txt", TWO_DOCUMENTS))["passages"][0]
    assert (title["id"], title["type"], title["text"], title["offsets"]) == (
        "100-title", "title", ["p53 in cancer"], [[0, 13]]
    )
    assert (abstract["id"], abstract["type"], abstract["text"], abstract["offsets"]) == (
        "100-abstract", "abstract", ["Loss of p53 causes tumours."], [[14, 41]]
    )


def test_mentions_become_entities(input_file):
    ents = parse(input_file("train.txt", TWO_DOCUMENTS))["entities"][0]
    assert [(e["id"], e["text"], e["offsets"], e["type"]) for e in ents] == [
        ("100-e0", ["p53"], [[0, 3]], "Gene"),
        ("100-e1", ["cancer"], [[7, 13]], "Disease"),
        ("100-e2", ["p53"], [[22, 25]], "Gene"),
    ]


def test_identifiers_are_normalized_with_the_default_database(input_file):
    ents = parse(input_file("train.txt", TWO_DOCUMENTS), default_db="NCBIGene")["entities"][0]
    assert ents[0]["normalized"] == [{"db_name": "NCBIGene", "db_id": "7157"}]
    assert ents[1]["normalized"] == [
        {"db_name": "MESH", "db_id": "D009369"},
        {"db_name": "OMIM", "db_id": "114480"},
    ]
    assert ents[2]["normalized"] == []  # -1: no identifier


def test_plus_joined_identifiers_are_split(input_file):
    text = "1|t|a b\n1|a|c\n1\t0\t1\ta\tChemical\tD001+D002\n"
    assert parse(input_file("train.txt", text))["entities"][0][0]["normalized"] == [
        {"db_name": "MESH", "db_id": "D001"},
        {"db_name": "MESH", "db_id": "D002"},
    ]


def test_document_without_annotations_has_no_entities(input_file):
    assert parse(input_file("train.txt", TWO_DOCUMENTS))["entities"][1].to_list() == []


def test_frame_validates_as_kb(input_file):
    MODELS[pubtator.FAMILY].validate(parse(input_file("train.txt", TWO_DOCUMENTS)))


def test_truncated_document_names_the_line_it_starts_at(input_file):
    text = "100|t|A title\n100|a|An abstract.\n\n200|t|Only a title\n"
    with pytest.raises(SourceError) as err:
        parse(input_file("train.txt", text))
    assert (err.value.source, err.value.file, err.value.line) == ("src", "train.txt", 4)
    assert "no abstract" in str(err.value)


def test_non_numeric_offsets_name_their_line(input_file):
    text = "100|t|A title\n100|a|An abstract.\n100\t0\t1\tA\tGene\n100\tx\t1\tA\tGene\n"
    with pytest.raises(SourceError) as err:
        parse(input_file("train.txt", text))
    assert (err.value.file, err.value.line) == ("train.txt", 4)


def test_annotation_of_another_document_names_its_line(input_file):
    text = "100|t|A title\n100|a|An abstract.\n999\t0\t1\tA\tGene\n"
    with pytest.raises(SourceError) as err:
        parse(input_file("train.txt", text))
    assert (err.value.file, err.value.line) == ("train.txt", 3)
