"""Options added for releases of the standoff group: brat_v1's `document_splits` (CellFinder names its train and
test articles outside the release) and ppi_xml_v1's `relation_type` and `orig_id_db` (CPI's pairs have no type,
its entities carry database ids in `origId`)."""

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import brat, ppi_xml
from transforms.parsers._common import InputFile

TEXT = "Oct4 marks stem cells.\n"
ANN = "T1\tGeneProtein 0 4\tOct4\nT2\tCellType 11 21\tstem cells\n"


def release(tmp_path, stems: list[str]) -> InputFile:
    (tmp_path / "rel").mkdir()
    for stem in stems:
        (tmp_path / "rel" / f"{stem}.txt").write_text(TEXT, encoding="utf-8")
        (tmp_path / "rel" / f"{stem}.ann").write_text(ANN, encoding="utf-8")
    (tmp_path / "rel" / "LICENSE").write_text("CC BY-SA 3.0\n", encoding="utf-8")
    return InputFile(tmp_path / "rel", "rel", None)


def test_document_splits_give_named_documents_their_split(tmp_path):
    df = brat.parse([release(tmp_path, ["111", "222", "333"])],
                    {"document_splits": {"train": ["111", "333"], "test": ["222"]}}, "src")
    assert dict(zip(df["document_id"], df["split"], strict=True)) == {"111": "train", "222": "test", "333": "train"}
    assert [e["text"] for e in df["entities"][0]] == [["Oct4"], ["stem cells"]]
    MODELS["kb"].validate(df)


def test_a_document_no_split_names_keeps_its_files_split(tmp_path):
    df = brat.parse([release(tmp_path, ["111", "222"])], {"document_splits": {"test": ["222"]}}, "src")
    assert df["split"].to_list() == [None, "test"]


def test_a_named_document_missing_from_the_release_fails(tmp_path):
    with pytest.raises(SourceError, match=r"not in the release: \['999'\]"):
        brat.parse([release(tmp_path, ["111"])], {"document_splits": {"train": ["111", "999"]}}, "src")


CPI = """<corpus source="CPI-DS">
  <document id="CPI-DS.d0" origId="17003041">
    <sentence id="CPI-DS.d0.s0" origId="17003041-302" text="Cl gates Bestrophin-1.">
      <entity id="CPI-DS.d0.s0.e0" origId="O76090,Q8WMR7" charOffset="9-21" type="protein" text="Bestrophin-1"/>
      <entity id="CPI-DS.d0.s0.e1" origId="312" charOffset="0-2" type="compound" text="Cl"/>
      <entity id="CPI-DS.d0.s0.e2" origId="" charOffset="3-8" type="other" text="gates"/>
      <pair e1="CPI-DS.d0.s0.e1" e2="CPI-DS.d0.s0.e0" id="CPI-DS.d0.s0.i0" interaction="True"/>
      <pair e1="CPI-DS.d0.s0.e1" e2="CPI-DS.d0.s0.e2" id="CPI-DS.d0.s0.i1" interaction="False"/>
    </sentence>
  </document>
</corpus>
"""


def cpi(tmp_path, options: dict, xml: str = CPI):
    (tmp_path / "CPI-DS.xml").write_text(xml, encoding="utf-8")
    return ppi_xml.parse([InputFile(tmp_path / "CPI-DS.xml", "CPI-DS.xml", "train")], options, "src")


def test_relation_type_names_untyped_pairs_and_orig_ids_normalise(tmp_path):
    df = cpi(tmp_path, {"unit": "document", "relation_type": "compound-protein-interaction",
                        "orig_id_db": {"compound": "PubChem", "protein": "UniProt"}})
    assert df["document_id"].to_list() == ["CPI-DS.d0"]
    assert [(r["type"], r["arg1_id"], r["arg2_id"]) for r in df["relations"][0]] == [
        ("compound-protein-interaction", "CPI-DS.d0.s0.e1", "CPI-DS.d0.s0.e0")]
    assert [(e["text"], e["normalized"]) for e in df["entities"][0]] == [
        (["Bestrophin-1"], [{"db_name": "UniProt", "db_id": "O76090"}, {"db_name": "UniProt", "db_id": "Q8WMR7"}]),
        (["Cl"], [{"db_name": "PubChem", "db_id": "312"}]),
        (["gates"], []),  # a type orig_id_db does not name is not normalised
    ]
    MODELS["kb"].validate(df)


def test_without_orig_id_db_nothing_is_normalised(tmp_path):
    df = cpi(tmp_path, {"unit": "document", "relation_type": "CPI"})
    assert all(e["normalized"] == [] for e in df["entities"][0])


def test_an_untyped_pair_without_relation_type_names_its_line(tmp_path):
    with pytest.raises(SourceError) as error:
        cpi(tmp_path, {"unit": "document"})
    assert error.value.file == "CPI-DS.xml" and error.value.line == 7


PDR = "Green tea has an inhibitory effect on skin papillomas and acne."
ANN1 = ("T1\tPlant 0 9\tGreen tea\nT2\tDisease 38 53\tskin papillomas\nT3\tDisease 58 62\tacne\n"
        "T4\tTreatment_of_disease 17 34\tinhibitory effect\nE1\tTreatment_of_disease:T4 Theme:T2 Cause:T1\n"
        "R1\tAssociation Arg1:T1 Arg2:T3\n*\tEquiv T2 T3\n")
ANN2 = ("T1\tPlant 6 9\ttea\nT2\tDisease 38 53\tskin papillomas\nT3\tDisease 58 62\tacne\n"
        "T4\tTreatment_of_disease 14 34\tan inhibitory effect\nE1\tTreatment_of_disease:T4 Theme:T2 Cause:T1\n"
        "*\tEquiv T2 T3\n")


def two_annotators(tmp_path, ann2: str | None = ANN2):
    (tmp_path / "pdr").mkdir()
    (tmp_path / "pdr" / "1.txt").write_text(PDR + "\n", encoding="utf-8")
    (tmp_path / "pdr" / "1.ann").write_text(ANN1, encoding="utf-8")
    if ann2 is not None:
        (tmp_path / "pdr" / "1.ann2").write_text(ann2, encoding="utf-8")
    return brat.parse([InputFile(tmp_path / "pdr", "pdr", "train")], {"agreed_with": "ann2"}, "src")


def test_agreed_with_keeps_what_both_annotators_agree_on(tmp_path):
    df = two_annotators(tmp_path)
    MODELS["kb"].validate(df)
    doc = df.row(0, named=True)
    # The longer of two overlapping mentions of one type; the relation annotator 2 lacks is dropped.
    assert [(e["id"], e["type"], e["text"], e["offsets"]) for e in doc["entities"]] == [
        ("1_E1", "Plant", ["Green tea"], [[0, 9]]), ("1_E2", "Disease", ["skin papillomas"], [[38, 53]]),
        ("1_E3", "Disease", ["acne"], [[58, 62]])]
    assert doc["relations"] == []
    assert [(e["type"], e["trigger"]["text"], [(a["role"], a["ref_id"]) for a in e["arguments"]])
            for e in doc["events"]] == [
        ("Treatment_of_disease", ["an inhibitory effect"], [("Theme", "1_E2"), ("Cause", "1_E1")])]
    assert [c["entity_ids"] for c in doc["coreferences"]] == [["1_E2", "1_E3"]]


def test_agreed_with_drops_an_entity_of_another_type_and_what_hangs_on_it(tmp_path):
    doc = two_annotators(tmp_path, ANN2.replace("Disease 38 53", "Plant 38 53")).row(0, named=True)
    assert [e["text"] for e in doc["entities"]] == [["Green tea"], ["acne"]]
    assert doc["events"] == [] and doc["coreferences"] == []


def test_agreed_with_needs_the_second_file(tmp_path):
    with pytest.raises(SourceError, match="no second annotation 1.ann2") as error:
        two_annotators(tmp_path, None)
    assert error.value.file == "pdr/1.txt"
