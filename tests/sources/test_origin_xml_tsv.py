"""Sources built from hand-written miniatures of their official releases (TSV and XML formats): DrugProt,
SPL ADR 200db (TAC 2017), the SCAI miRNA corpus and MuchMore."""

from helpers import tar_of, zip_of

DRUGPROT_URL = "https://zenodo.org/record/5119892/files/drugprot-training-development-test-background.zip"

# Title "Celecoxib inhibits COX-2." is 25 characters: the abstract starts at 26.
DRUGPROT_ABSTRACTS = {
    "training": "11\tCelecoxib inhibits COX-2.\tDexamethasone induced MKP-1 in kinases.\n"
                "12\tA title.\tNo relation for aspirin here.\n",
    "development": "21\tCelecoxib inhibits COX-2.\tNothing else.\n",
}
DRUGPROT_ENTITIES = {
    "training": "11\tT1\tCHEMICAL\t0\t9\tCelecoxib\n11\tT2\tGENE-Y\t19\t24\tCOX-2\n"
                "11\tT3\tCHEMICAL\t26\t39\tDexamethasone\n11\tT4\tGENE-Y\t48\t53\tMKP-1\n"
                "11\tT5\tGENE-N\t57\t64\tkinases\n12\tT1\tCHEMICAL\t25\t32\taspirin\n",
    "development": "21\tT1\tCHEMICAL\t0\t9\tCelecoxib\n21\tT2\tGENE-Y\t19\t24\tCOX-2\n",
}
DRUGPROT_RELATIONS = {
    "training": "11\tINDIRECT-UPREGULATOR\tArg1:T3\tArg2:T4\n11\tINHIBITOR\tArg1:T1\tArg2:T2\n",
    "development": "21\tINHIBITOR\tArg1:T1\tArg2:T2\n",
}


_zip = zip_of


_tar_gz = tar_of


def test_drugprot(miniature, tmp_path):
    root = "drugprot-gs-training-development"
    members = {}
    for split in ("training", "development"):
        members[f"{root}/{split}/drugprot_{split}_abstracs.tsv"] = DRUGPROT_ABSTRACTS[split]
        members[f"{root}/{split}/drugprot_{split}_entities.tsv"] = DRUGPROT_ENTITIES[split]
        members[f"{root}/{split}/drugprot_{split}_relations.tsv"] = DRUGPROT_RELATIONS[split]
    members[f"{root}/test-background/test_background_abstracts.tsv"] = "31\tT.\tA.\n"
    built = miniature("drugprot", {DRUGPROT_URL: _zip(tmp_path / "drugprot.zip", members)})
    assert built.run.quarantine.height == 0
    assert built.counts() == {
        ("DrugProt", "train"): 2, ("DrugProt", "dev"): 1, ("DrugProt-RE", "train"): 1, ("DrugProt-RE", "dev"): 1,
    }
    ner = built.task("DrugProt", "train").row(0, named=True)
    assert ner["input"] == "Celecoxib inhibits COX-2. Dexamethasone induced MKP-1 in kinases."
    assert ner["output"] == ("[Celecoxib <CHEMICAL>] [COX-2 <GENE-Y>] [Dexamethasone <CHEMICAL>] [MKP-1 <GENE-Y>] "
                             "[kinases <GENE-N>]")
    re_row = built.task("DrugProt-RE", "train").row(0, named=True)
    assert re_row["output"] == "[Celecoxib <INHIBITOR> COX-2] [Dexamethasone <INDIRECT-UPREGULATOR> MKP-1]"


MIRNA_BASE = "https://www.scai.fraunhofer.de/content/dam/scai/de/downloads/bioinformatik/miRNA/"


def _mirna_xml(documents: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<corpus source="miRNA">\n{documents}</corpus>\n'


MIRNA_TRAIN = _mirna_xml("""  <document id="miRNA-corp.d0" origId="20479936">
    <sentence id="miRNA-corp.d0.s1" origId="20479936.s1" text="Down-regulation of miR-21 raised PTEN in human glioma.">
      <entity charOffset="0-14" id="miRNA-corp.d0.s1.e0" text="Down-regulation" type="Relation_Trigger"/>
      <entity charOffset="19-24" id="miRNA-corp.d0.s1.e1" text="miR-21" type="Specific_miRNAs"/>
      <entity charOffset="33-36" id="miRNA-corp.d0.s1.e2" text="PTEN" type="Genes/Proteins"/>
      <entity charOffset="41-45" id="miRNA-corp.d0.s1.e3" text="human" type="Species"/>
      <entity charOffset="47-52" id="miRNA-corp.d0.s1.e4" text="glioma" type="Diseases"/>
      <pair e1="miRNA-corp.d0.s1.e1" e2="miRNA-corp.d0.s1.e2" id="miRNA-corp.d0.s1.p0" interaction="True"
            type="Specific_miRNAs-Genes/Proteins"/>
      <pair e1="miRNA-corp.d0.s1.e1" e2="miRNA-corp.d0.s1.e4" id="miRNA-corp.d0.s1.p1" interaction="False"
            type="Specific_miRNAs-Diseases"/>
    </sentence>
    <sentence id="miRNA-corp.d0.s2" origId="20479936.s2" text="No annotation here."/>
    <sentence id="miRNA-corp.d0.s0" origId="20479936.s0" text="MicroRNAs in glioma.">
      <entity charOffset="0-8" id="miRNA-corp.d0.s0.e0" text="MicroRNAs" type="Non-Specific_miRNAs"/>
      <entity charOffset="13-18" id="miRNA-corp.d0.s0.e1" text="glioma" type="Diseases"/>
    </sentence>
  </document>
  <document id="miRNA-corp.d1" origId="19000001">
    <sentence id="miRNA-corp.d1.s0" origId="19000001.s0" text="Let-7 in mice.">
      <entity charOffset="0-4" id="miRNA-corp.d1.s0.e0" text="Let-7" type="Specific_miRNAs"/>
      <entity charOffset="9-12" id="miRNA-corp.d1.s0.e1" text="mice" type="Species"/>
    </sentence>
  </document>
""")
MIRNA_TEST = _mirna_xml("""  <document id="miRNA-corp.d201" origId="21000001">
    <sentence id="miRNA-corp.d201.s0" origId="21000001.s0" text="miR-155 in lymphoma.">
      <entity charOffset="0-6" id="miRNA-corp.d201.s0.e0" text="miR-155" type="Specific_miRNAs"/>
      <entity charOffset="11-18" id="miRNA-corp.d201.s0.e1" text="lymphoma" type="Diseases"/>
    </sentence>
  </document>
""")


def test_mirna(miniature, tmp_path):
    (tmp_path / "train.xml").write_text(MIRNA_TRAIN, encoding="utf-8")
    (tmp_path / "test.xml").write_text(MIRNA_TEST, encoding="utf-8")
    built = miniature("mirna", {MIRNA_BASE + "miRNA-Train-Corpus.xml": tmp_path / "train.xml",
                                MIRNA_BASE + "miRNA-Test-Corpus.xml": tmp_path / "test.xml"})
    assert built.run.quarantine.height == 0
    assert built.counts() == {("miRNA", "train"): 2, ("miRNA", "test"): 1,
                              ("miRNA-NED", "train"): 2, ("miRNA-NED", "test"): 1}
    ner = built.task("miRNA", "train").row(0, named=True)
    assert ner["input"] == ("MicroRNAs in glioma. Down-regulation of miR-21 raised PTEN in human glioma. "
                            "No annotation here.")
    assert ner["output"] == ("[MicroRNAs <Non-Specific_miRNAs>] [glioma <Diseases>] [miR-21 <Specific_miRNAs>] "
                             "[PTEN <Genes/Proteins>] [human <Species>] [glioma <Diseases>]")
    ned = built.task("miRNA-NED", "test").row(0, named=True)
    assert ned["output"] == ("[miR-155 <miRNA-corpus/miRNA-corp.d201.s0.e0>] "
                             "[lymphoma <miRNA-corpus/miRNA-corp.d201.s0.e1>]")


SPL_URL = "https://bionlp.nlm.nih.gov/tac2017adversereactions/train_xml.tar.gz"
# After the TAC 2017 ADR XML; S1 is 44 characters, so S2 starts at 45.
SPL_LABEL = """<?xml version="1.0" encoding="UTF-8"?>
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
    <Mention id="M6" section="S2" type="AdverseReaction" start="19" len="11" str="Muscle pain"/>
    <Mention id="M7" section="S2" type="Animal" start="34" len="4" str="rats"/>
  </Mentions>
  <Relations>
    <Relation id="RL1" type="Effect" arg1="M2" arg2="M1"/>
    <Relation id="RL2" type="Negated" arg1="M5" arg2="M4"/>
    <Relation id="RL3" type="Hypothetical" arg1="M6" arg2="M7"/>
  </Relations>
  <Reactions>
    <Reaction id="AR1" str="neutropenia">
      <Normalization id="AR1.N1" meddra_pt="Neutropenia" meddra_pt_id="10029354" meddra_llt="Neutropenia"
                     meddra_llt_id="10029354"/>
    </Reaction>
    <Reaction id="AR2" str="nausea">
      <Normalization id="AR2.N1" meddra_pt="Nausea" meddra_pt_id="10028813"/>
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
SPL_OTHER = """<?xml version="1.0" encoding="UTF-8"?>
<Label drug="OTHERDRUG" track="TAC2017_ADR">
  <Text><Section name="adverse reactions" id="S1">Rash occurred.</Section></Text>
  <Mentions><Mention id="M1" section="S1" type="AdverseReaction" start="0" len="4" str="Rash"/></Mentions>
  <Relations/>
  <Reactions>
    <Reaction id="AR1" str="rash"><Normalization id="AR1.N1" meddra_pt="Rash" meddra_pt_id="10037844"
      meddra_llt="Rash" meddra_llt_id="10037844"/></Reaction>
  </Reactions>
</Label>
"""


def test_spl_adr_200db(miniature, tmp_path):
    archive = _tar_gz(tmp_path / "train_xml.tar.gz", {"train_xml/TOYDRUG.xml": SPL_LABEL,
                                                      "train_xml/OTHERDRUG.xml": SPL_OTHER})
    built = miniature("spl_adr_200db", {SPL_URL: archive})
    assert built.run.quarantine.height == 0
    assert built.counts() == {("SPL-ADR", "train"): 2, ("SPL-ADR-NED", "train"): 2, ("SPL-ADR-RE", "train"): 1}
    ner = built.task("SPL-ADR", "train").filter(doc_id="TOYDRUG").row(0, named=True)
    assert ner["input"] == "Severe neutropenia and nausea were reported. No hepatotoxicity. Muscle pain in rats."
    assert ner["output"] == ("[Severe <Severity>] [neutropenia <AdverseReaction>] [nausea <AdverseReaction>] "
                             "[No <Negation>] [hepatotoxicity <AdverseReaction>] [Muscle pain <AdverseReaction>] "
                             "[rats <Animal>]")
    ned = built.task("SPL-ADR-NED", "train").filter(doc_id="TOYDRUG").row(0, named=True)
    assert ned["output"] == ("[neutropenia <MedDRA v18.1/llt_10029354>] "
                             "[Muscle pain <MedDRA v18.1/llt_10028322|MedDRA v18.1/llt_10033371>]")
    re_row = built.task("SPL-ADR-RE", "train").row(0, named=True)
    assert re_row["output"] == ("[neutropenia <Effect> Severe] [hepatotoxicity <Negated> No] "
                                "[Muscle pain <Hypothetical> rats]")


MUCHMORE_URL = "https://muchmore.dfki.de/pubs/springer_english_train_V4.2.tar.gz"


def _muchmore_xml(doc: str, sentences: str) -> bytes:
    return (f'<?xml version="1.0" encoding="ISO-8859-1"?>\n<document id="{doc}" lang="en">\n{sentences}'
            "</document>\n").encode("iso-8859-1")


MUCHMORE_ONE = _muchmore_xml("Arthroskopie.00130003.eng.abstr", """ <sentence id="s1">
  <text><token id="w1">The</token><token id="w2">ligament</token><token id="w3">of</token><token id="w4">the</token>
   <token id="w5">knee</token><token id="w6">joint</token><token id="w7">.</token></text>
  <umlsterms>
   <umlsterm id="t1" from="w2" to="w2"><concept id="t1.1" cui="C0023685"/><concept id="t1.2" cui="C0023686"/></umlsterm>
   <umlsterm id="t2" from="w5" to="w6"><concept id="t2.1" cui="C0022745"/></umlsterm>
  </umlsterms>
  <semrels><semrel id="r1" term1="t1.1" term2="t2.1" reltype="part_of"/></semrels>
 </sentence>
 <sentence id="s2">
  <text><token id="w1">Gro\xdfe</token><token id="w2">L\xe4sion</token><token id="w3">.</token></text>
  <umlsterms><umlsterm id="t1" from="w2" to="w2"><concept id="t1.1" cui="C0221198"/></umlsterm></umlsterms>
  <semrels/>
 </sentence>
""")
MUCHMORE_TWO = _muchmore_xml("Radiologe.00370001.eng.abstr", """ <sentence id="s1">
  <text><token id="w1">Tumours</token><token id="w2">grow</token><token id="w3">.</token></text>
  <umlsterms><umlsterm id="t1" from="w1" to="w1"><concept id="t1.1" cui="C0027651"/></umlsterm></umlsterms>
  <semrels/>
 </sentence>
""")


def test_muchmore(miniature, tmp_path):
    folder = "springer_english_train_V4.2"
    archive = _tar_gz(tmp_path / "en.tar.gz", {
        f"{folder}/Arthroskopie.00130003.eng.abstr.chunkmorph.annotated.xml": MUCHMORE_ONE,
        f"{folder}/Arthroskopie.00130237.eng.abstr.chunkmorph.annotated.xml": b"",  # empty in the release too
        f"{folder}/Radiologe.00370001.eng.abstr.chunkmorph.annotated.xml": MUCHMORE_TWO,
    })
    built = miniature("muchmore", {MUCHMORE_URL: archive})
    assert built.run.quarantine.height == 0
    assert built.counts() == {("MuchMore-NED", "train"): 2, ("MuchMore-RE", "train"): 1}
    ned = built.task("MuchMore-NED", "train").filter(doc_id="Arthroskopie.00130003.eng.abstr").row(0, named=True)
    assert ned["input"] == "The ligament of the knee joint . Gro\xdfe L\xe4sion ."
    assert ned["output"] == ("[ligament <UMLS/C0023685|UMLS/C0023686>] [knee joint <UMLS/C0022745>] "
                             "[L\xe4sion <UMLS/C0221198>]")
    re_row = built.task("MuchMore-RE", "train").row(0, named=True)
    assert re_row["output"] == "[ligament <part_of> knee joint]"


def test_muchmore_translation(miniature, tmp_path):
    """The plain-text tarballs: an abstract present in both languages is one English -> German sample."""
    english = _tar_gz(tmp_path / "en.tar.gz", {
        "springer_english_train_plain/Arthroskopie.00130003.eng.abstr": "Knee ligaments.\nThe PCL is strong.\n",
        "springer_english_train_plain/Radiologe.00370001.eng.abstr": "Tumours grow.\n",
    })
    german = _tar_gz(tmp_path / "de.tar.gz", {
        "springer_german_train_plain/Arthroskopie.00130003.ger.abstr": "Kniegelenkb\xe4nder.\nDas HKB ist stark.\n"
                                                                        .encode("iso-8859-1"),
        "springer_german_train_plain/Radiologe.00370009.ger.abstr": "Nur auf Deutsch.\n",
    })
    built = miniature("muchmore_translation", {
        "https://muchmore.dfki.de/pubs/springer_english_train_plain.tar.gz": english,
        "https://muchmore.dfki.de/pubs/springer_german_train_plain.tar.gz": german,
    })
    assert built.counts() == {("MuchMore-TRANSL", "train"): 1}
    row = built.task("MuchMore-TRANSL", "train").row(0, named=True)
    assert (row["input"], row["output"]) == ("Knee ligaments.\nThe PCL is strong.",
                                             "Kniegelenkb\xe4nder.\nDas HKB ist stark.")
    assert built.run.quarantine.height == 0
