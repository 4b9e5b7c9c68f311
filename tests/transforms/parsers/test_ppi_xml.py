import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import ppi_xml
from transforms.parsers._common import InputFile

CORPUS = """<?xml version="1.0" encoding="UTF-8"?>
<corpus source="Toy">
  <document id="Toy.d0" origId="111" set="train">
    <sentence charOffset="0-36" id="Toy.d0.s0" origId="1" text="Profilin binds muscle and brain actin.">
      <entity charOffset="26-37" id="Toy.d0.s0.e0" origId="a" text="brain actin" type="Individual_protein" />
      <entity charOffset="0-8" id="Toy.d0.s0.e1" origId="b" text="Profilin" type="Individual_protein" />
      <entity charOffset="15-21,32-37" id="Toy.d0.s0.e2" origId="c" text="muscle actin" type="Gene" />
      <interaction e1="Toy.d0.s0.e0" e2="Toy.d0.s0.e1" id="Toy.d0.s0.i0" type="PPI" />
      <pair e1="Toy.d0.s0.e1" e2="Toy.d0.s0.e2" id="Toy.d0.s0.p0" interaction="True" type="PPI" />
      <pair e1="Toy.d0.s0.e0" e2="Toy.d0.s0.e2" id="Toy.d0.s0.p1" interaction="False" />
    </sentence>
    <sentence charOffset="39-49" id="Toy.d0.s1" origId="2" text="Nothing here.">
    </sentence>
  </document>
  <document id="Toy.d1" origId="222" set="train">
    <sentence charOffset="0-9" id="Toy.d1.s0" origId="3" text="KinC acts.">
      <entity charOffset="0-4" id="Toy.d1.s0.e0" origId="d" text="KinC" type="agent" />
    </sentence>
  </document>
</corpus>
"""


def parse(tmp_path, options, xml=CORPUS, name="Toy-train.xml", split="train"):
    path = tmp_path / "cached-by-digest"
    path.write_text(xml, encoding="utf-8")
    return ppi_xml.parse([InputFile(path, name, split)], options, "src")


def test_one_record_per_sentence_with_provenance(tmp_path):
    df = parse(tmp_path, {"unit": "sentence"})
    assert df["id"].to_list() == ["Toy-train.xml:Toy.d0.s0", "Toy-train.xml:Toy.d0.s1", "Toy-train.xml:Toy.d1.s0"]
    assert df["document_id"].to_list() == ["Toy.d0.s0", "Toy.d0.s1", "Toy.d1.s0"]
    assert df["split"].to_list() == ["train"] * 3
    assert df["source_file"].to_list() == ["Toy-train.xml"] * 3
    assert df["source_line"].to_list() == [4, 12, 16]
    row = df.row(0, named=True)
    assert row["passages"] == [{"id": "Toy.d0.s0", "type": "sentence", "text": ["Profilin binds muscle and brain actin."],
                                "offsets": [[0, 38]]}]


def test_offsets_are_exclusive_and_fragments_split(tmp_path):
    entities = parse(tmp_path, {"unit": "sentence"}).row(0, named=True)["entities"]
    assert [(e["id"], e["type"], e["text"], e["offsets"]) for e in entities] == [
        ("Toy.d0.s0.e0", "Individual_protein", ["brain actin"], [[26, 37]]),
        ("Toy.d0.s0.e1", "Individual_protein", ["Profilin"], [[0, 8]]),
        ("Toy.d0.s0.e2", "Gene", ["muscle", "actin"], [[15, 21], [32, 37]]),
    ]


def test_positive_interactions_and_pairs_become_relations_in_file_order(tmp_path):
    relations = parse(tmp_path, {"unit": "sentence"}).row(0, named=True)["relations"]
    assert [(r["id"], r["type"], r["arg1_id"], r["arg2_id"]) for r in relations] == [
        ("Toy.d0.s0.i0", "PPI", "Toy.d0.s0.e0", "Toy.d0.s0.e1"),
        ("Toy.d0.s0.p0", "PPI", "Toy.d0.s0.e1", "Toy.d0.s0.e2"),
    ]


def test_undirected_puts_the_earlier_mention_first(tmp_path):
    relations = parse(tmp_path, {"unit": "sentence", "undirected": True}).row(0, named=True)["relations"]
    assert [(r["arg1_id"], r["arg2_id"]) for r in relations] == [
        ("Toy.d0.s0.e1", "Toy.d0.s0.e0"),  # Profilin (0) before brain actin (26)
        ("Toy.d0.s0.e1", "Toy.d0.s0.e2"),
    ]


def test_document_unit_joins_sentences_and_shifts_offsets(tmp_path):
    df = parse(tmp_path, {"unit": "document", "entity_type": "protein"})
    assert df["document_id"].to_list() == ["Toy.d0", "Toy.d1"]
    assert df["source_line"].to_list() == [3, 15]
    row = df.row(0, named=True)
    assert [(p["id"], p["text"], p["offsets"]) for p in row["passages"]] == [
        ("Toy.d0.s0", ["Profilin binds muscle and brain actin."], [[0, 38]]),
        ("Toy.d0.s1", ["Nothing here."], [[39, 52]]),
    ]
    assert [(e["type"], e["offsets"]) for e in row["entities"]] == [
        ("protein", [[26, 37]]), ("protein", [[0, 8]]), ("protein", [[15, 21], [32, 37]]),
    ]
    MODELS["kb"].validate(df)


def test_second_sentence_offsets_shift_by_the_first(tmp_path):
    xml = CORPUS.replace('text="Nothing here.">', 'text="Cofilin too.">\n<entity charOffset="0-7" id="x" text="Cofilin" type="P"/>')
    row = parse(tmp_path, {"unit": "document"}, xml).row(0, named=True)
    assert [(e["id"], e["text"], e["offsets"]) for e in row["entities"]][-1] == ("x", ["Cofilin"], [[39, 46]])


def test_frame_validates_as_kb(tmp_path):
    MODELS["kb"].validate(parse(tmp_path, {"unit": "sentence"}))


def test_offsets_that_miss_the_text_fail_the_family_check(tmp_path):
    df = parse(tmp_path, {"unit": "sentence"}, CORPUS.replace('charOffset="0-8"', 'charOffset="1-9"'))
    assert df.row(0, named=True)["entities"][1]["text"] == ["Profilin"]  # the source's text, kept for the check
    with pytest.raises(Exception, match="entity offsets reproduce the text"):
        MODELS["kb"].validate(df)


def test_entity_without_type_needs_entity_type(tmp_path):
    xml = CORPUS.replace(' type="agent"', "")
    assert parse(tmp_path, {"unit": "sentence", "entity_type": "protein"}, xml)["entities"][2][0]["type"] == "protein"
    with pytest.raises(SourceError) as err:
        parse(tmp_path, {"unit": "sentence"}, xml)
    assert (err.value.source, err.value.file, err.value.line) == ("src", "Toy-train.xml", 17)


def test_malformed_xml_names_file_and_line(tmp_path):
    with pytest.raises(SourceError) as err:
        parse(tmp_path, {"unit": "sentence"}, CORPUS.replace("    </sentence>\n  </document>\n  <document", "  </document>\n  <document", 1))
    assert err.value.file == "Toy-train.xml" and err.value.line is not None
    assert "not well-formed XML" in str(err.value)


@pytest.mark.parametrize("offset", ["0", "0-x", "8-0", "", "0-8;9-10", "30-39"])
def test_bad_char_offset_names_its_line(tmp_path, offset):
    with pytest.raises(SourceError) as err:
        parse(tmp_path, {"unit": "sentence"}, CORPUS.replace('charOffset="0-8"', f'charOffset="{offset}"'))
    assert (err.value.file, err.value.line) == ("Toy-train.xml", 6)
    assert "charOffset" in str(err.value)


def test_interaction_naming_an_unknown_entity_names_its_line(tmp_path):
    with pytest.raises(SourceError) as err:
        parse(tmp_path, {"unit": "sentence"}, CORPUS.replace('e2="Toy.d0.s0.e1" id="Toy.d0.s0.i0"', 'e2="Toy.d1.s0.e0" id="Toy.d0.s0.i0"'))
    assert (err.value.file, err.value.line) == ("Toy-train.xml", 8)


def test_pair_without_a_truth_value_names_its_line(tmp_path):
    with pytest.raises(SourceError) as err:
        parse(tmp_path, {"unit": "sentence"}, CORPUS.replace('interaction="False"', 'interaction="maybe"'))
    assert (err.value.file, err.value.line) == ("Toy-train.xml", 10)


def test_repeated_entity_id_names_its_line(tmp_path):
    with pytest.raises(SourceError) as err:
        parse(tmp_path, {"unit": "sentence"}, CORPUS.replace('id="Toy.d0.s0.e1"', 'id="Toy.d0.s0.e0"'))
    assert (err.value.file, err.value.line) == ("Toy-train.xml", 6)


def test_file_without_documents_and_unknown_unit_fail(tmp_path):
    with pytest.raises(SourceError) as err:
        parse(tmp_path, {"unit": "sentence"}, "<corpus>\n<nothing/>\n</corpus>")
    assert (err.value.file, err.value.line) == ("Toy-train.xml", 1)
    with pytest.raises(SourceError, match="unit"):
        parse(tmp_path, {"unit": "paragraph"})


# The SCAI miRNA corpus: inclusive ends, sentences listed out of order, each entity normalised to its own id.
MIRNA = """<?xml version="1.0" encoding="UTF-8"?>
<corpus source="miRNA">
  <document id="miRNA-corp.d0" origId="20479936">
    <sentence id="miRNA-corp.d0.s1" origId="20479936.s1" text="miR-21 targets PTEN.">
      <entity charOffset="0-5" id="miRNA-corp.d0.s1.e0" text="miR-21" type="Specific_miRNAs"/>
      <entity charOffset="15-18" id="miRNA-corp.d0.s1.e1" text="PTEN" type="Genes/Proteins"/>
      <pair e1="miRNA-corp.d0.s1.e0" e2="miRNA-corp.d0.s1.e1" id="miRNA-corp.d0.s1.p0" interaction="True"
            type="Specific_miRNAs-Genes/Proteins"/>
    </sentence>
    <sentence id="miRNA-corp.d0.s0" origId="20479936.s0" text="MicroRNAs in glioma.">
      <entity charOffset="0-8" id="miRNA-corp.d0.s0.e0" text="MicroRNAs" type="Non-Specific_miRNAs"/>
    </sentence>
  </document>
</corpus>
"""


def test_mirna_options_order_sentences_and_end_inclusively(tmp_path):
    options = {"unit": "document", "inclusive_ends": True, "sentence_order": "id", "id_normalization": "miRNA-corpus"}
    df = parse(tmp_path, options, MIRNA, "miRNA-Train-Corpus.xml")
    assert [p["text"] for p in df["passages"][0]] == [["MicroRNAs in glioma."], ["miR-21 targets PTEN."]]
    ents = df["entities"][0].to_list()
    assert [(e["text"], e["offsets"], e["normalized"]) for e in ents] == [
        (["MicroRNAs"], [[0, 9]], [{"db_name": "miRNA-corpus", "db_id": "miRNA-corp.d0.s0.e0"}]),
        (["miR-21"], [[21, 27]], [{"db_name": "miRNA-corpus", "db_id": "miRNA-corp.d0.s1.e0"}]),
        (["PTEN"], [[36, 40]], [{"db_name": "miRNA-corpus", "db_id": "miRNA-corp.d0.s1.e1"}]),
    ]
    assert df["relations"][0].to_list()[0]["type"] == "Specific_miRNAs-Genes/Proteins"
    MODELS[ppi_xml.FAMILY].validate(df)


@pytest.mark.parametrize("bad, line", [
    (MIRNA.replace('charOffset="15-18"', 'charOffset="15-25"'), 6),
    (MIRNA.replace('id="miRNA-corp.d0.s0" ', 'id="miRNA-corp.d0.first" '), 10),
])
def test_mirna_malformed_names_file_and_line(tmp_path, bad, line):
    options = {"unit": "document", "inclusive_ends": True, "sentence_order": "id"}
    with pytest.raises(SourceError) as err:
        parse(tmp_path, options, bad, "miRNA-Train-Corpus.xml")
    assert (err.value.file, err.value.line) == ("miRNA-Train-Corpus.xml", line)
