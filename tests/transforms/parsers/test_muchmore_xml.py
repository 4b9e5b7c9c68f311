
import pytest
from helpers import tar_of

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import muchmore_xml
from transforms.parsers._common import InputFile

# After the MuchMore V4.2 annotation (D4.1): sentences of tokens, UMLS terms over token ranges with their
# concepts, and semantic relations between concepts. Latin-1, as the release is ("Kniegelenk" needs none;
# "Läsion" does).
ABSTRACT = """<?xml version="1.0" encoding="ISO-8859-1"?>
<document id="Arthroskopie.00130003.eng.abstr" lang="en" corresp="Arthroskopie.00130003.ger.abstr">
 <sentence id="s1" corresp="Arthroskopie.00130003.ger.abstr.s1">
  <text>
   <token id="w1" pos="DT" lemma="the">The</token>
   <token id="w2" pos="JJ" lemma="posterior">posterior</token>
   <token id="w3" pos="JJ" lemma="cruciate">cruciate</token>
   <token id="w4" pos="NN" lemma="ligament">ligament</token>
   <token id="w5" pos="VBZ" lemma="be">is</token>
   <token id="w6" pos="DT" lemma="the">the</token>
   <token id="w7" pos="NN" lemma="ligament">ligament</token>
   <token id="w8" pos="IN" lemma="of">of</token>
   <token id="w9" pos="DT" lemma="the">the</token>
   <token id="w10" pos="NN" lemma="knee">knee</token>
   <token id="w11" pos="NN" lemma="joint">joint</token>
   <token id="w12" pos="PUNCT">.</token>
  </text>
  <chunks><chunk id="c1" from="w1" to="w4" type="NP"/></chunks>
  <umlsterms>
   <umlsterm id="t1" from="w2" to="w4">
    <concept id="t1.1" cui="C0080039" preferred="Posterior Cruciate Ligament" tui="T023"><msh code="A2.513"/></concept>
   </umlsterm>
   <umlsterm id="t2" from="w7" to="w7">
    <concept id="t2.1" cui="C0023685" preferred="Ligaments" tui="T024"/>
    <concept id="t2.2" cui="C0023686" preferred="Articular ligaments" tui="T023"/>
   </umlsterm>
   <umlsterm id="t3" from="w10" to="w11">
    <concept id="t3.1" cui="C0022745" preferred="Knee joint" tui="T030"/>
   </umlsterm>
  </umlsterms>
  <ewnterms><ewnterm id="e1" from="w7" to="w7"><sense offset="123"/></ewnterm></ewnterms>
  <semrels>
   <semrel id="r1" term1="t2.1" term2="t3.1" reltype="part_of"/>
   <semrel id="r2" term1="t2.1" term2="t2.2" reltype="isa"/>
  </semrels>
 </sentence>
 <sentence id="s2">
  <text><token id="w1" pos="NN">L\xe4sion</token><token id="w2" pos="PUNCT">.</token></text>
  <umlsterms><umlsterm id="t1" from="w1" to="w1"><concept id="t1.1" cui="C0221198"/></umlsterm></umlsterms>
  <semrels/>
 </sentence>
</document>
"""
MEMBER = "springer_english_train_V4.2/Arthroskopie.00130003.eng.abstr.chunkmorph.annotated.xml"

FUZZ_SAMPLE = ("muchmore", {}, [("springer_english_train_V4.2.tar.gz", "train",
                                 {MEMBER: ABSTRACT.encode("iso-8859-1")})])


_tar = tar_of  # a .tar.gz


def parse(tmp_path, members: dict[str, bytes], **options):
    archive = _tar(tmp_path / "cache", members)
    return muchmore_xml.parse([InputFile(archive, "springer_english_train_V4.2.tar.gz", "train")], options, "src")


def test_one_record_per_abstract_text_from_tokens(tmp_path):
    df = parse(tmp_path, {MEMBER: ABSTRACT.encode("iso-8859-1"), "x/empty.eng.abstr.chunkmorph.annotated.xml": b""})
    assert df["document_id"].to_list() == ["Arthroskopie.00130003.eng.abstr"]
    assert df["id"].to_list() == [f"springer_english_train_V4.2.tar.gz/{MEMBER}:Arthroskopie.00130003.eng.abstr"]
    assert df["source_line"].to_list() == [2]
    passages = df["passages"][0].to_list()
    assert [(p["text"], p["offsets"]) for p in passages] == [
        (["The posterior cruciate ligament is the ligament of the knee joint ."], [[0, 67]]),
        (["L\xe4sion ."], [[68, 76]]),
    ]
    MODELS[muchmore_xml.FAMILY].validate(df)


def test_umls_terms_and_semantic_relations(tmp_path):
    df = parse(tmp_path, {MEMBER: ABSTRACT.encode("iso-8859-1")})
    ents = df["entities"][0].to_list()
    assert [(e["id"], e["text"], e["offsets"], [n["db_id"] for n in e["normalized"]]) for e in ents] == [
        ("s1-t1", ["posterior cruciate ligament"], [[4, 31]], ["C0080039"]),
        ("s1-t2", ["ligament"], [[39, 47]], ["C0023685", "C0023686"]),
        ("s1-t3", ["knee joint"], [[55, 65]], ["C0022745"]),
        ("s2-t1", ["L\xe4sion"], [[68, 74]], ["C0221198"]),
    ]
    # r2 links two concepts of one term: left out
    assert [(r["type"], r["arg1_id"], r["arg2_id"]) for r in df["relations"][0].to_list()] == [
        ("part_of", "s1-t2", "s1-t3")]


@pytest.mark.parametrize("old, new, line", [
    ('from="w10" to="w11"', 'from="w10" to="w99"', 27),
    ('term2="t3.1" reltype', 'term2="t9.1" reltype', 33),
    ('<token id="w5" pos="VBZ" lemma="be">', '<token pos="VBZ" lemma="be">', 9),
    ("</umlsterms>\n  <ewnterms>", "</umlsterm>\n  <ewnterms>", 30),
])
def test_malformed_abstract_names_member_and_line(tmp_path, old, new, line):
    assert old in ABSTRACT
    with pytest.raises(SourceError) as err:
        parse(tmp_path, {MEMBER: ABSTRACT.replace(old, new).encode("iso-8859-1")})
    assert (err.value.file, err.value.line) == (f"springer_english_train_V4.2.tar.gz/{MEMBER}", line)


def test_archive_without_annotated_files_is_an_error(tmp_path):
    with pytest.raises(SourceError) as err:
        parse(tmp_path, {"README": b"x"})
    assert err.value.file == "springer_english_train_V4.2.tar.gz"
