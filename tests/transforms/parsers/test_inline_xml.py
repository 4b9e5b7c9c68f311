import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import inline_xml
from transforms.parsers._common import InputFile

OPTIONS = {
    "record": "Article",
    "id": "Pmid",
    "passages": {"Title": "title", "Abstract": "abstract"},
    "mentions": {
        "gene": {"type": "gene", "ids": [["g_id", "NCBI Gene"]]},
        "variant": {"type": "variant", "ids": [["v_id", "dbSNP"], ["v_norm", "HGVS-like"]]},
    },
    "no_id": ["No", "null", ""],
}

CORPUS = """<?xml version="1.0" encoding="UTF-8"?>
<Articles>
  <Article>
    <Pmid>111</Pmid>
    <Title><gene g_id="7351" g_lex="UCP2">UCP2</gene> variants &amp; obesity.</Title>
    <Abstract>The <variant v_id="660339" v_lex="Ala55Val" v_norm="A55V">Ala55Val</variant> and <variant v_id="No" v_lex="-866 A" v_norm="-866A">-866 A </variant> alleles of <i>the</i> <gene g_id="No" g_lex="HLA">HLA</gene> gene<!-- checked -->.</Abstract>
  </Article>
  <Article>
    <Pmid>222</Pmid>
    <Title>Nothing annotated.</Title>
    <Abstract><variant v_id="No" v_lex="x" v_norm="null">a <gene g_id="4524" g_lex="MTHFR">MTHFR</gene> change</variant></Abstract>
  </Article>
</Articles>
"""


def parse(tmp_path, xml=CORPUS, options=OPTIONS):
    path = tmp_path / "cached-by-digest"
    path.write_text(xml, encoding="utf-8")
    return inline_xml.parse([InputFile(path, "corpus.xml", "train")], options, "src")


def test_one_record_per_article_with_provenance(tmp_path):
    df = parse(tmp_path)
    assert df["id"].to_list() == ["corpus.xml:111", "corpus.xml:222"]
    assert df["document_id"].to_list() == ["111", "222"]
    assert df["split"].to_list() == ["train", "train"]
    assert df["source_file"].to_list() == ["corpus.xml", "corpus.xml"]
    assert df["source_line"].to_list() == [3, 8]


def test_passages_are_the_text_without_markup(tmp_path):
    row = parse(tmp_path).row(0, named=True)
    assert [(p["id"], p["type"], p["text"], p["offsets"]) for p in row["passages"]] == [
        ("111.0", "title", ["UCP2 variants & obesity."], [[0, 24]]),
        ("111.1", "abstract", ["The Ala55Val and -866 A  alleles of the HLA gene."], [[25, 74]]),
    ]


def test_mentions_get_offsets_types_and_their_first_id(tmp_path):
    entities = parse(tmp_path).row(0, named=True)["entities"]
    assert [(e["id"], e["type"], e["text"], e["offsets"], e["normalized"]) for e in entities] == [
        ("T1", "gene", ["UCP2"], [[0, 4]], [{"db_name": "NCBI Gene", "db_id": "7351"}]),
        ("T2", "variant", ["Ala55Val"], [[29, 37]], [{"db_name": "dbSNP", "db_id": "660339"}]),
        # the trailing space inside the element is left out of the span; v_id "No": the normalised form
        ("T3", "variant", ["-866 A"], [[42, 48]], [{"db_name": "HGVS-like", "db_id": "-866A"}]),
        ("T4", "gene", ["HLA"], [[65, 68]], []),  # g_id "No": no id
    ]


def test_a_mention_inside_a_mention_gives_both_in_text_order(tmp_path):
    row = parse(tmp_path).row(1, named=True)
    assert row["passages"][1]["text"] == ["a MTHFR change"]
    assert [(e["type"], e["text"], e["offsets"], e["normalized"]) for e in row["entities"]] == [
        ("variant", ["a MTHFR change"], [[19, 33]], []),
        ("gene", ["MTHFR"], [[21, 26]], [{"db_name": "NCBI Gene", "db_id": "4524"}]),
    ]


def test_frame_validates_as_kb(tmp_path):
    MODELS["kb"].validate(parse(tmp_path))


def test_the_id_may_be_an_attribute(tmp_path):
    xml = CORPUS.replace("<Article>", '<Article key="A{}">').format(1, 2)
    df = parse(tmp_path, xml, {**OPTIONS, "id": "@key"})
    assert df["document_id"].to_list() == ["A1", "A2"]


def test_malformed_xml_names_file_and_line(tmp_path):
    with pytest.raises(SourceError) as err:
        parse(tmp_path, CORPUS.replace("</variant> and", " and", 1))
    assert (err.value.source, err.value.file) == ("src", "corpus.xml")
    assert err.value.line == 6 and "not well-formed XML" in str(err.value)


def test_record_without_id_names_its_line(tmp_path):
    with pytest.raises(SourceError) as err:
        parse(tmp_path, CORPUS.replace("<Pmid>222</Pmid>", "<Pmid> </Pmid>"))
    assert (err.value.file, err.value.line) == ("corpus.xml", 8)


def test_empty_mention_names_its_line(tmp_path):
    with pytest.raises(SourceError) as err:
        parse(tmp_path, CORPUS.replace('g_lex="HLA">HLA</gene>', 'g_lex="HLA"> </gene>'))
    assert (err.value.file, err.value.line) == ("corpus.xml", 6)


def test_no_records_and_bad_options_fail(tmp_path):
    with pytest.raises(SourceError) as err:
        parse(tmp_path, "<Articles>\n</Articles>")
    assert (err.value.file, err.value.line) == ("corpus.xml", 1)
    with pytest.raises(SourceError, match="option mentions.gene"):
        parse(tmp_path, options={**OPTIONS, "mentions": {"gene": {"ids": [["g_id", "NCBI Gene"]]}}})
    with pytest.raises(SourceError, match="option record"):
        parse(tmp_path, options={**OPTIONS, "record": ""})
