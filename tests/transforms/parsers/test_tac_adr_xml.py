import io
import tarfile

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import tac_adr_xml
from transforms.parsers._common import InputFile

# After the TAC 2017 ADR track's XML (one file per drug label). Section S1 is 44 characters, so S2 starts at 45.
LABEL = """<?xml version="1.0" encoding="UTF-8"?>
<Label drug="TOYDRUG" track="TAC2017_ADR">
  <Text>
    <Section name="adverse reactions" id="S1">Severe neutropenia and nausea were reported.</Section>
    <Section name="warnings and precautions" id="S2">No hepatotoxicity. Muscle pain in rats.</Section>
  </Text>
  <Mentions>
    <Mention id="M1" section="S1" type="Severity" start="0" len="6" str="severe"/>
    <Mention id="M2" section="S1" type="AdverseReaction" start="7" len="11" str="neutropenia"/>
    <Mention id="M3" section="S1" type="AdverseReaction" start="23" len="6" str="nausea"/>
    <Mention id="M4" section="S2" type="Negation" start="0" len="2" str="No"/>
    <Mention id="M5" section="S2" type="AdverseReaction" start="3" len="14" str="hepatotoxicity"/>
    <Mention id="M6" section="S2" type="AdverseReaction" start="19,26" len="6,4" str="Muscle pain"/>
    <Mention id="M7" section="S2" type="Animal" start="34" len="4" str="rats"/>
  </Mentions>
  <Relations>
    <Relation id="RL1" type="Effect" arg1="M2" arg2="M1"/>
    <Relation id="RL2" type="Negated" arg1="M5" arg2="M4"/>
    <Relation id="RL3" type="Hypothetical" arg1="M6" arg2="M7"/>
  </Relations>
  <Reactions>
    <Reaction id="AR1" str="neutropenia">
      <Normalization id="AR1.N1" meddra_pt="Neutropenia" meddra_pt_id="10029354"/>
    </Reaction>
    <Reaction id="AR2" str="nausea">
      <Normalization id="AR2.N1" meddra_pt="Nausea" meddra_pt_id="10028813" meddra_llt="Nausea"
                     meddra_llt_id="10028813"/>
    </Reaction>
    <Reaction id="AR3" str="muscle pain">
      <Normalization id="AR3.N1" meddra_pt="Myalgia" meddra_pt_id="10028411" meddra_llt="Muscle pain"
                     meddra_llt_id="10028322"/>
      <Normalization id="AR3.N2" meddra_pt="Pain" meddra_pt_id="10033371" meddra_llt="Pain"
                     meddra_llt_id="10033371"/>
    </Reaction>
  </Reactions>
</Label>
"""

FUZZ_SAMPLE = ("spl_adr_200db", {}, [("train_xml.tar.gz", "train", {"train_xml/TOYDRUG.xml": LABEL.encode()})])


def _tar(path, members: dict[str, str]):
    with tarfile.open(path, "w:gz") as tar:
        for name, text in members.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def parse(files, **options):
    return tac_adr_xml.parse(files, options, "src")


def test_one_record_per_label_from_the_archive(tmp_path):
    archive = _tar(tmp_path / "cache", {"train_xml/TOYDRUG.xml": LABEL, "train_xml/README": "x"})
    df = parse([InputFile(archive, "train_xml.tar.gz", "train")])
    assert df["id"].to_list() == ["train_xml.tar.gz/train_xml/TOYDRUG.xml:TOYDRUG"]
    assert df["document_id"].to_list() == ["TOYDRUG"]
    assert df["source_file"].to_list() == ["train_xml.tar.gz/train_xml/TOYDRUG.xml"]
    assert df["source_line"].to_list() == [2]
    passages = df["passages"][0].to_list()
    assert [(p["id"], p["type"], p["offsets"]) for p in passages] == [
        ("TOYDRUG-S1", "adverse reactions", [[0, 44]]), ("TOYDRUG-S2", "warnings and precautions", [[45, 84]])]
    MODELS[tac_adr_xml.FAMILY].validate(df)


def test_mentions_relations_and_meddra_llt_codes(tmp_path):
    (tmp_path / "TOYDRUG.xml").write_text(LABEL, encoding="utf-8")
    df = parse([InputFile(tmp_path / "TOYDRUG.xml", "TOYDRUG.xml", "train")])
    ents = {e["id"]: e for e in df["entities"][0].to_list()}
    assert (ents["M2"]["text"], ents["M2"]["offsets"], ents["M2"]["normalized"]) == (["neutropenia"], [[7, 18]], [])
    assert ents["M1"]["text"] == ["Severe"]  # written "severe" in the release
    assert ents["M3"]["normalized"] == [{"db_name": "MedDRA v18.1", "db_id": "llt_10028813"}]
    assert (ents["M6"]["text"], ents["M6"]["offsets"]) == (["Muscle", "pain"], [[64, 70], [71, 75]])
    assert [n["db_id"] for n in ents["M6"]["normalized"]] == ["llt_10028322", "llt_10033371"]
    assert ents["M7"]["normalized"] == []
    assert [(r["type"], r["arg1_id"], r["arg2_id"]) for r in df["relations"][0].to_list()] == [
        ("Effect", "M2", "M1"), ("Negated", "M5", "M4"), ("Hypothetical", "M6", "M7")]


def test_pt_fallback_and_db_name(tmp_path):
    (tmp_path / "TOYDRUG.xml").write_text(LABEL, encoding="utf-8")
    df = parse([InputFile(tmp_path / "TOYDRUG.xml", "TOYDRUG.xml", "train")], pt_fallback=True, db_name="MedDRA")
    ents = {e["id"]: e for e in df["entities"][0].to_list()}
    assert ents["M2"]["normalized"] == [{"db_name": "MedDRA", "db_id": "llt_10029354"}]


@pytest.mark.parametrize("old, new, line", [
    ('start="23" len="6"', 'start="23" len="60"', 10),
    ('start="0" len="2"', 'start="x" len="2"', 11),
    ('section="S2" type="Animal"', 'section="S9" type="Animal"', 14),
    ('arg2="M7"', 'arg2="M99"', 19),
    ('<Section name="adverse reactions" id="S1">Severe', '<Section name="adverse reactions">Severe', 4),
    ("</Mentions>", "</Mention>", 15),
])
def test_malformed_label_names_file_and_line(tmp_path, old, new, line):
    assert old in LABEL
    archive = _tar(tmp_path / "cache", {"train_xml/TOYDRUG.xml": LABEL.replace(old, new)})
    with pytest.raises(SourceError) as err:
        parse([InputFile(archive, "train_xml.tar.gz", "train")])
    assert (err.value.file, err.value.line) == ("train_xml.tar.gz/train_xml/TOYDRUG.xml", line)


def test_archive_without_labels_is_an_error(tmp_path):
    archive = _tar(tmp_path / "cache", {"train_xml/README": "x"})
    with pytest.raises(SourceError) as err:
        parse([InputFile(archive, "train_xml.tar.gz", "train")])
    assert err.value.file == "train_xml.tar.gz"


def test_mention_without_str_takes_its_text_from_the_section(tmp_path):
    label = LABEL.replace('start="23" len="6" str="nausea"', 'start="23" len="6"')
    (tmp_path / "TOYDRUG.xml").write_text(label, encoding="utf-8")
    df = parse([InputFile(tmp_path / "TOYDRUG.xml", "TOYDRUG.xml", "train")])
    ents = {e["id"]: e for e in df["entities"][0].to_list()}
    assert ents["M3"]["text"] == ["nausea"]
    assert ents["M3"]["normalized"] == [{"db_name": "MedDRA v18.1", "db_id": "llt_10028813"}]
