import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import bc2gm
from transforms.validate import partition

SENTENCES = """\
S1 Serum gamma glutamyltransferase in  cattle.
S2 No genes here.
S3 The p53  gene and  BRCA1.
"""
# Offsets count non-whitespace characters, the end inclusive: BRCA1 is non-space characters 13 to 17.
GENES = """\
S3|13 17|BRCA1
S1|0 28|Serum gamma glutamyltransferase
S3|3 5|p53
"""


def parse(*files, **options):
    return bc2gm.parse(list(files), options, "src")


@pytest.fixture
def release(input_file):
    def make(sentences: str = SENTENCES, genes: str = GENES, split: str = "train"):
        return input_file("train.in", sentences, split), input_file("GENE.eval", genes, split)

    return make


def test_each_sentence_is_a_record_with_provenance(release):
    df = parse(*release())
    assert df["id"].to_list() == ["train.in:S1", "train.in:S2", "train.in:S3"]
    assert df["document_id"].to_list() == ["S1", "S2", "S3"]
    assert df["source_file"].to_list() == ["train.in"] * 3
    assert df["source_line"].to_list() == [1, 2, 3]
    assert df["split"].to_list() == ["train"] * 3
    assert [p[0]["text"] for p in df["passages"].to_list()] == [
        ["Serum gamma glutamyltransferase in  cattle."], ["No genes here."], ["The p53  gene and  BRCA1."]
    ]


def test_non_whitespace_offsets_become_character_offsets(release):
    ents = parse(*release())["entities"].to_list()
    assert [(e["id"], e["type"], e["text"], e["offsets"]) for e in ents[0]] == [
        ("S1-e0", "GENE", ["Serum gamma glutamyltransferase"], [[0, 31]])
    ]
    assert ents[1] == []
    assert [(e["id"], e["text"], e["offsets"]) for e in ents[2]] == [
        ("S3-e0", ["BRCA1"], [[19, 24]]),
        ("S3-e1", ["p53"], [[4, 7]]),
    ]


def test_type_option_names_the_entity_type(release):
    assert parse(*release(), type="Gene")["entities"][0][0]["type"] == "Gene"


def test_frame_validates_as_kb(release):
    MODELS[bc2gm.FAMILY].validate(parse(*release()))


def test_mention_whose_offsets_point_elsewhere_is_quarantined_with_its_sentence_line(release):
    df = parse(*release(genes=GENES.replace("S3|3 5|p53", "S3|2 4|p53")))
    valid, bad = partition(df, MODELS["kb"], source="src", task=None, stage="family")
    assert valid["document_id"].to_list() == ["S1", "S2"]
    assert bad.select("reason", "file", "line", "record_id").row(0) == (
        "entity offsets reproduce the text", "train.in", 3, "train.in:S3"
    )


@pytest.mark.parametrize(
    "genes, line",
    [
        ("S1|0 28|Serum gamma glutamyltransferase\nS3|x 5|p53\n", 2),
        ("S1|0 28|Serum gamma glutamyltransferase\nS3 3 5 p53\n", 2),
        ("S9|0 1|No\n", 1),
        ("S2|0 99|No genes here\n", 1),
        ("S2|5 2|genes\n", 1),
    ],
)
def test_malformed_mention_names_its_line(release, genes, line):
    with pytest.raises(SourceError) as err:
        parse(*release(genes=genes))
    assert (err.value.source, err.value.file, err.value.line) == ("src", "GENE.eval", line)


def test_sentence_without_text_names_its_line(release):
    with pytest.raises(SourceError) as err:
        parse(*release(sentences=SENTENCES + "S4\n"))
    assert (err.value.file, err.value.line) == ("train.in", 4)


def test_repeated_sentence_id_names_its_line(release):
    with pytest.raises(SourceError) as err:
        parse(*release(sentences=SENTENCES + "S1 Again.\n"))
    assert (err.value.file, err.value.line) == ("train.in", 4)


def test_split_without_its_mention_file_is_an_error(release):
    sentences, _ = release()
    with pytest.raises(SourceError) as err:
        parse(sentences)
    assert "no mentions file" in str(err.value)


def test_undeclared_kind_of_file_is_an_error(input_file, release):
    with pytest.raises(SourceError) as err:
        parse(*release(), input_file("ALTGENE.eval", "S1|0 4|Serum\n"))
    assert err.value.file == "ALTGENE.eval"
