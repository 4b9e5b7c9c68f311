import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import conll_iob

TWO_SENTENCES = """\
Mutations\tO
in\tO
BRCA1\tB-Gene
cause\tO
breast\tB-Disease
cancer\tI-Disease
.\tO

Tumours\tB-Disease
grow\tO
"""


def parse(file, **options):
    return conll_iob.parse([file], options, "src")


def entities(df, row=0):
    return [(e["text"], e["offsets"], e["type"]) for e in df["entities"][row]]


def test_each_sentence_is_a_record_with_provenance(input_file):
    df = parse(input_file("train.tsv", TWO_SENTENCES))
    assert df["id"].to_list() == ["train.tsv:0", "train.tsv:1"]
    assert df["document_id"].to_list() == ["train.tsv:0", "train.tsv:1"]
    assert df["split"].to_list() == ["train", "train"]
    assert df["source_file"].to_list() == ["train.tsv", "train.tsv"]
    assert df["source_line"].to_list() == [1, 9]


def test_passage_is_the_tokens_joined_by_spaces(input_file):
    df = parse(input_file("train.tsv", TWO_SENTENCES))
    passage = df["passages"][0][0]
    assert passage["id"] == "train.tsv:0-p0"
    assert passage["text"] == ["Mutations in BRCA1 cause breast cancer ."]
    assert passage["offsets"] == [[0, 40]]
    assert df["passages"][1][0]["text"] == ["Tumours grow"]


def test_b_and_following_i_tags_make_one_entity(input_file):
    df = parse(input_file("train.tsv", TWO_SENTENCES))
    assert entities(df, 0) == [(["BRCA1"], [[13, 18]], "Gene"), (["breast cancer"], [[25, 38]], "Disease")]
    assert entities(df, 1) == [(["Tumours"], [[0, 7]], "Disease")]
    assert [e["id"] for e in df["entities"][0]] == ["train.tsv:0-e0", "train.tsv:0-e1"]
    assert df["entities"][0][0]["normalized"] == []


def test_bare_tags_get_the_default_type(input_file):
    df = parse(input_file("train.tsv", "breast\tB\ncancer\tI\n"), default_type="Disease")
    assert entities(df) == [(["breast cancer"], [[0, 13]], "Disease")]


def test_i_after_o_starts_a_mention(input_file):
    df = parse(input_file("train.tsv", "a\tO\ncancer\tI-Disease\n"))
    assert entities(df) == [(["cancer"], [[2, 8]], "Disease")]


def test_i_of_another_type_starts_a_new_mention(input_file):
    df = parse(input_file("train.tsv", "BRCA1\tB-Gene\ncancer\tI-Disease\n"))
    assert entities(df) == [(["BRCA1"], [[0, 5]], "Gene"), (["cancer"], [[6, 12]], "Disease")]


def test_the_separator_is_an_option(input_file):
    df = parse(input_file("train.txt", "p53 B-Gene\nloss O\n"), separator=" ")
    assert entities(df) == [(["p53"], [[0, 3]], "Gene")]


def test_frame_validates_as_kb(input_file):
    df = parse(input_file("train.tsv", TWO_SENTENCES))
    MODELS[conll_iob.FAMILY].validate(df)


def test_line_without_a_tab_names_its_line(input_file):
    with pytest.raises(SourceError) as err:
        parse(input_file("train.tsv", "Mutations\tO\n\nin\n"))
    assert (err.value.source, err.value.file, err.value.line) == ("src", "train.tsv", 3)


def test_bad_tag_names_its_line(input_file):
    with pytest.raises(SourceError) as err:
        parse(input_file("train.tsv", "Mutations\tO\nin\tO\ncancer\tX-Disease\n"))
    assert (err.value.file, err.value.line) == ("train.tsv", 3)
    assert "X-Disease" in str(err.value)


def test_entity_type_gives_every_mention_one_type(input_file):
    df = parse(input_file("train.tsv", "NF-kB\tB-protein_complex\np50\tI-protein\nbinds\tO\nIL-2\tB-protein\n"),
               entity_type="GeneOrProtein")
    assert entities(df) == [(["NF-kB"], [[0, 5]], "GeneOrProtein"), (["p50"], [[6, 9]], "GeneOrProtein"),
                            (["IL-2"], [[16, 20]], "GeneOrProtein")]


def test_a_byte_order_mark_is_not_part_of_the_first_token(input_file):
    df = parse(input_file("train.tsv", "\ufeffAspirin\tB-Chemical\nhelps\tO\n"))
    assert entities(df) == [(["Aspirin"], [[0, 7]], "Chemical")]
    assert df["passages"][0][0]["text"] == ["Aspirin helps"]
