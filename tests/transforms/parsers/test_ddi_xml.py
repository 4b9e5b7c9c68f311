import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import ddi_xml
from transforms.parsers._common import InputFile

DOC = """<?xml version="1.0" encoding="UTF-8"?>
<document id="DDI-MedLine.d1">
    <sentence id="DDI-MedLine.d1.s0" text="Aspirin raises warfarin levels.&#xd;&#xa;">
        <entity id="DDI-MedLine.d1.s0.e0" charOffset="0-6" type="drug" text="Aspirin"/>
        <entity id="DDI-MedLine.d1.s0.e1" charOffset="15-22" type="drug" text="warfarin"/>
        <pair id="DDI-MedLine.d1.s0.p0" e1="DDI-MedLine.d1.s0.e0" e2="DDI-MedLine.d1.s0.e1" ddi="true" type="mechanism"/>
    </sentence>
    <sentence id="DDI-MedLine.d1.s1" text="Loop and thiazide diuretics, and Coumadin.">
        <entity id="DDI-MedLine.d1.s1.e0" charOffset="0-3;18-26" type="group" text="Loop diuretics"/>
        <entity id="DDI-MedLine.d1.s1.e1" charOffset="9-26" type="group" text="thiazide diuretics"/>
        <entity id="DDI-MedLine.d1.s1.e2" charOffset="33-40" type="brand" text="Coumadin"/>
        <pair id="DDI-MedLine.d1.s1.p0" e1="DDI-MedLine.d1.s1.e0" e2="DDI-MedLine.d1.s1.e1" ddi="false"/>
        <pair id="DDI-MedLine.d1.s1.p1" e1="DDI-MedLine.d1.s1.e1" e2="DDI-MedLine.d1.s1.e2" ddi="true" type="advise"/>
    </sentence>
</document>
"""
EMPTY = '<document id="DDI-DrugBank.d9"><sentence id="DDI-DrugBank.d9.s0" text="No drugs here."/></document>'


def folder(tmp_path, docs: dict[str, str], name="Train", split="train") -> InputFile:
    """A declared folder holding `docs` (relative path -> XML)."""
    for rel, xml in docs.items():
        path = tmp_path / name / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(xml, encoding="utf-8")
    return InputFile(tmp_path / name, name, split)


def parse(*files):
    return ddi_xml.parse(list(files), {}, "src")


def test_one_record_per_document_with_provenance(tmp_path):
    df = parse(folder(tmp_path, {"MedLine/1.xml": DOC, "DrugBank/Empty.xml": EMPTY}))
    assert df["id"].to_list() == ["Train/DrugBank/Empty.xml:DDI-DrugBank.d9", "Train/MedLine/1.xml:DDI-MedLine.d1"]
    assert df["document_id"].to_list() == ["DDI-DrugBank.d9", "DDI-MedLine.d1"]
    assert df["split"].to_list() == ["train", "train"]
    assert df["source_file"].to_list() == ["Train/DrugBank/Empty.xml", "Train/MedLine/1.xml"]
    assert df["source_line"].to_list() == [1, 2]


def test_sentences_are_passages_without_line_breaks(tmp_path):
    row = parse(folder(tmp_path, {"1.xml": DOC})).row(0, named=True)
    assert [(p["id"], p["text"], p["offsets"]) for p in row["passages"]] == [
        ("DDI-MedLine.d1.s0", ["Aspirin raises warfarin levels."], [[0, 31]]),
        ("DDI-MedLine.d1.s1", ["Loop and thiazide diuretics, and Coumadin."], [[32, 74]]),
    ]


def test_inclusive_offsets_become_exclusive_and_shift_by_sentence(tmp_path):
    entities = parse(folder(tmp_path, {"1.xml": DOC})).row(0, named=True)["entities"]
    assert [(e["id"], e["type"], e["text"], e["offsets"]) for e in entities] == [
        ("DDI-MedLine.d1.s0.e0", "drug", ["Aspirin"], [[0, 7]]),
        ("DDI-MedLine.d1.s0.e1", "drug", ["warfarin"], [[15, 23]]),
        ("DDI-MedLine.d1.s1.e0", "group", ["Loop", "diuretics"], [[32, 36], [50, 59]]),
        ("DDI-MedLine.d1.s1.e1", "group", ["thiazide diuretics"], [[41, 59]]),
        ("DDI-MedLine.d1.s1.e2", "brand", ["Coumadin"], [[65, 73]]),
    ]


def test_only_interacting_pairs_become_relations(tmp_path):
    relations = parse(folder(tmp_path, {"1.xml": DOC})).row(0, named=True)["relations"]
    assert [(r["id"], r["type"], r["arg1_id"], r["arg2_id"]) for r in relations] == [
        ("DDI-MedLine.d1.s0.p0", "mechanism", "DDI-MedLine.d1.s0.e0", "DDI-MedLine.d1.s0.e1"),
        ("DDI-MedLine.d1.s1.p1", "advise", "DDI-MedLine.d1.s1.e1", "DDI-MedLine.d1.s1.e2"),
    ]


def test_frame_validates_as_kb(tmp_path):
    MODELS["kb"].validate(parse(folder(tmp_path, {"1.xml": DOC, "2.xml": EMPTY})))


def test_a_single_file_can_be_declared(tmp_path):
    (tmp_path / "1.xml").write_text(DOC, encoding="utf-8")
    df = parse(InputFile(tmp_path / "1.xml", "1.xml", "test"))
    assert df.select("id", "split", "source_file").row(0) == ("1.xml:DDI-MedLine.d1", "test", "1.xml")


def test_offsets_that_miss_the_text_fail_the_family_check(tmp_path):
    shifted = DOC.replace('charOffset="15-22"', 'charOffset="14-21"')
    df = parse(folder(tmp_path, {"1.xml": shifted}))
    assert df.row(0, named=True)["entities"][1]["text"] == ["warfarin"]  # the source's text, kept for the check
    with pytest.raises(Exception, match="entity offsets reproduce the text"):
        MODELS["kb"].validate(df)


def test_malformed_xml_names_its_line(tmp_path):
    with pytest.raises(SourceError) as err:
        parse(folder(tmp_path, {"bad.xml": DOC.replace("</sentence>\n    <sentence", "\n    <sentence", 1)}))
    assert (err.value.source, err.value.file) == ("src", "Train/bad.xml")
    assert err.value.line is not None and "not well-formed XML" in str(err.value)


@pytest.mark.parametrize("offset", ["15", "15-x", "22-15", ""])
def test_bad_char_offset_names_its_line(tmp_path, offset):
    with pytest.raises(SourceError) as err:
        parse(folder(tmp_path, {"1.xml": DOC.replace('charOffset="15-22"', f'charOffset="{offset}"')}))
    assert (err.value.file, err.value.line) == ("Train/1.xml", 5)
    assert "charOffset" in str(err.value)


def test_pair_naming_an_unknown_entity_names_its_line(tmp_path):
    with pytest.raises(SourceError) as err:
        parse(folder(tmp_path, {"1.xml": DOC.replace('e2="DDI-MedLine.d1.s0.e1"', 'e2="DDI-MedLine.d1.s0.e7"')}))
    assert (err.value.file, err.value.line) == ("Train/1.xml", 6)
