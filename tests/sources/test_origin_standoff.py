"""Standoff sources outside the corpora mirror (BioNLP-ST 2011 EPI, MLEE, GENIA PTM, PDR, CellFinder, ChEBI) and
CPI's PPI-format XML, each built from a hand-written miniature of its release (same archive type, member paths,
file names and fields as the real one)."""

from pathlib import Path

from helpers import tar_of, zip_of


def _tar(path: Path, members: dict[str, str]) -> Path:
    return tar_of(path, members)


_zip = zip_of


def _t(ident: str, kind: str, text: str, mention: str, nth: int = 1) -> str:
    """A text-bound line `T#<TAB>Type start end<TAB>mention`, at the mention's nth occurrence in the text."""
    start = -1
    for _ in range(nth):
        start = text.index(mention, start + 1)
    return f"{ident}\t{kind} {start} {start + len(mention)}\t{mention}\n"


def _row(built, task: str, split: str, n: int = 0) -> tuple[str, str]:
    row = built.task(task, split).row(n, named=True)
    return row["input"], row["output"]


EPI = "https://github.com/openbiocorpora/bionlp-st-2011-epi/archive/9e9b686175015e1adc629d3ee3857be004dcd923.zip"


def test_bionlp_st_2011_epi(miniature, tmp_path):
    root = "bionlp-st-2011-epi-9e9b686175015e1adc629d3ee3857be004dcd923/original-data"
    a = "Histone methyltransferase SET7/9 (SET7) methylates histone H3 at lysine 4, which is catalysed."
    a1 = _t("T1", "Protein", a, "SET7/9") + _t("T2", "Protein", a, "SET7", 2) + _t("T3", "Protein", a, "histone H3")
    a2 = (_t("T4", "Entity", a, "lysine 4") + _t("T5", "Methylation", a, "methylates")
          + _t("T6", "Catalysis", a, "catalysed")
          + "E1\tMethylation:T5 Theme:T3 Site:T4\nE2\tCatalysis:T6 Theme:E1 Cause:T1\n"
          + "M1\tSpeculation E2\n*\tEquiv T1 T2\n")
    d = "p53 is acetylated."
    archive = _zip(tmp_path / "epi.zip", {
        f"{root}/train/PMID-10.txt": a + "\n", f"{root}/train/PMID-10.a1": a1, f"{root}/train/PMID-10.a2": a2,
        f"{root}/train/PMID-11.txt": "No entity here.\n", f"{root}/train/PMID-11.a1": "",
        f"{root}/train/PMID-11.a2": "", f"{root}/train/README": "BioNLP-ST 2011 EPI training data\n",
        f"{root}/devel/PMID-20.txt": d + "\n", f"{root}/devel/PMID-20.a1": _t("T1", "Protein", d, "p53"),
        f"{root}/devel/PMID-20.a2": _t("T2", "Acetylation", d, "acetylated") + "E1\tAcetylation:T2 Theme:T1\n",
        f"{root}/test/PMID-30.txt": "DNMT1 methylates DNA.\n", f"{root}/test/PMID-30.a1": "T1\tProtein 0 5\tDNMT1\n",
        f"{root}/LICENSE": "GENIA Project License for Annotated Corpora\n",
    })
    built = miniature("bionlp_st_2011_epi", {EPI: archive})
    assert built.run.quarantine.height == 0
    assert built.counts() == {
        ("BioNLP-2011-EPI", "train"): 1, ("BioNLP-2011-EPI", "dev"): 1,  # the empty abstract gives nothing
        ("BioNLP-2011-EPI-COREF", "train"): 1,
        ("BioNLP-2011-EPI-EE", "train"): 1, ("BioNLP-2011-EPI-EE", "dev"): 1,
    }
    assert _row(built, "BioNLP-2011-EPI", "train") == (
        a, "[SET7/9 <Protein>] [SET7 <Protein>] [histone H3 <Protein>]")  # the site (an .a2 Entity) is no NER item
    assert _row(built, "BioNLP-2011-EPI-COREF", "train") == (f"{a}\n\nEntity: SET7/9", "[SET7]")
    # The Catalysis, whose Theme is an event, is not written.
    assert _row(built, "BioNLP-2011-EPI-EE", "train")[1] == "[<Methylation> methylates histone H3]"
    assert _row(built, "BioNLP-2011-EPI-EE", "dev") == (d, "[<Acetylation> acetylated p53]")


MLEE = "http://www.nactem.ac.uk/MLEE/MLEE-1.0.2-rev1.tar.gz"


def test_mlee(miniature, tmp_path):
    root = "MLEE-1.0.2-rev1/standoff"
    a = "Vascular endothelial growth factor (VEGF) induces angiogenesis in the retina. Retinal vessels grow."
    a1 = (_t("T1", "Gene_or_gene_product", a, "Vascular endothelial growth factor")
          + _t("T2", "Gene_or_gene_product", a, "VEGF") + _t("T5", "Organ", a, "retina")
          + _t("T6", "Multi-tissue_structure", a, "Retinal vessels"))
    a2 = (_t("T3", "Positive_regulation", a, "induces") + _t("T4", "Blood_vessel_development", a, "angiogenesis")
          + _t("T7", "Growth", a, "grow")
          + "E1\tBlood_vessel_development:T4 AtLoc:T5\nE2\tPositive_regulation:T3 Theme:E1 Cause:T2\n"
          + "E3\tGrowth:T7 Theme:T6\nR1\tPart-of Arg1:T6 Arg2:T5\n*\tEquiv T1 T2\nM1\tSpeculation E3\n")
    dev, test = "Tumor cells proliferate.", "Mice were treated."
    members = {
        f"{root}/development/train/PMID-1.txt": a + "\n", f"{root}/development/train/PMID-1.a1": a1,
        f"{root}/development/train/PMID-1.a2": a2,
        f"{root}/development/test/PMID-2.txt": dev + "\n",
        f"{root}/development/test/PMID-2.a1": _t("T1", "Cell", dev, "Tumor cells"),
        f"{root}/development/test/PMID-2.a2": _t("T2", "Cell_proliferation", dev, "proliferate")
        + "E1\tCell_proliferation:T2 Theme:T1\n",
        f"{root}/test/test/PMID-3.txt": test + "\n",
        f"{root}/test/test/PMID-3.a1": _t("T1", "Organism", test, "Mice"),
        f"{root}/test/test/PMID-3.a2": _t("T2", "Planned_process", test, "treated") + "E1\tPlanned_process:T2 Theme:T1\n",
        # full/ and test/train regroup the same documents: not declared, so not read twice.
        f"{root}/test/train/PMID-1.txt": a + "\n", f"{root}/test/train/PMID-1.a1": a1,
        f"{root}/test/train/PMID-1.a2": a2,
        f"{root}/full/PMID-1.txt": a + "\n", f"{root}/full/PMID-1.a1": a1, f"{root}/full/PMID-1.a2": a2,
        "MLEE-1.0.2-rev1/README": "MLEE corpus, version 1.0.2\n",
    }
    built = miniature("mlee", {MLEE: _tar(tmp_path / "MLEE-1.0.2-rev1.tar.gz", members)})
    assert built.run.quarantine.height == 0
    assert built.counts() == {
        ("MLEE", "train"): 1, ("MLEE", "dev"): 1, ("MLEE", "test"): 1, ("MLEE-RE", "train"): 1,
        ("MLEE-COREF", "train"): 1,
        ("MLEE-EE", "train"): 1, ("MLEE-EE", "dev"): 1, ("MLEE-EE", "test"): 1,
    }
    assert _row(built, "MLEE", "train") == (a, (
        "[Vascular endothelial growth factor <Gene_or_gene_product>] [VEGF <Gene_or_gene_product>] "
        "[retina <Organ>] [Retinal vessels <Multi-tissue_structure>]"))
    assert _row(built, "MLEE-RE", "train")[1] == "[Retinal vessels <Part-of> retina]"
    assert _row(built, "MLEE-COREF", "train") == (f"{a}\n\nEntity: Vascular endothelial growth factor", "[VEGF]")
    # Neither the angiogenesis (no Theme) nor its regulation (an event as Theme) is written.
    assert _row(built, "MLEE-EE", "train")[1] == "[<Growth> grow Retinal vessels]"
    assert _row(built, "MLEE-EE", "test") == (test, "[<Planned_process> treated Mice]")


PTM = ("http://www.geniaproject.org/other-corpora/ptm-event-corpus/"
       "post-translational_modifications_training_data.tar.gz?attredirects=0&d=1")


def test_genia_ptm_event_corpus(miniature, tmp_path):
    root = "post-translational_modifications_training_data"
    a = "O-linked N-acetylglucosamine transferase (OGT) glycosylates p53 at serine 149."
    b = "Histone H3 is shown."
    members = {
        f"{root}/PMID-100.txt": a + "\n",
        f"{root}/PMID-100.a1": _t("T1", "Protein", a, "O-linked N-acetylglucosamine transferase")
        + _t("T2", "Protein", a, "OGT") + _t("T3", "Protein", a, "p53"),
        f"{root}/PMID-100.a2": _t("T4", "Entity", a, "serine 149") + _t("T5", "Glycosylation", a, "glycosylates")
        + "E1\tGlycosylation:T5 Theme:T3 Site:T4 Cause:T2\n*\tEquiv T1 T2\n",
        f"{root}/PMID-101.txt": b + "\n", f"{root}/PMID-101.a1": _t("T1", "Protein", b, "Histone H3"),
        f"{root}/PMID-101.a2": "",
    }
    built = miniature("genia_ptm_event_corpus", {PTM: _tar(tmp_path / "ptm.tar.gz", members)})
    assert built.run.quarantine.height == 0
    assert built.counts() == {("PTM-Events", "train"): 2, ("PTM-Events-COREF", "train"): 1,
                              ("PTM-Events-EE", "train"): 1}
    rows = dict(built.task("PTM-Events", "train").select("input", "output").iter_rows())
    assert rows == {a: "[O-linked N-acetylglucosamine transferase <Protein>] [OGT <Protein>] [p53 <Protein>]",
                    b: "[Histone H3 <Protein>]"}
    assert _row(built, "PTM-Events-COREF", "train") == (
        f"{a}\n\nEntity: O-linked N-acetylglucosamine transferase", "[OGT]")
    assert _row(built, "PTM-Events-EE", "train") == (a, "[<Glycosylation> glycosylates p53]")


PDR = "http://gcancer.org/pdr/Plant-Disease_Corpus.tar.gz"


def test_pdr(miniature, tmp_path):
    a = "Green tea (Camellia sinensis) has an inhibitory effect on skin papillomas and on acne."
    ann = (_t("T1", "Plant", a, "Green tea") + _t("T2", "Plant", a, "Camellia sinensis")
           + _t("T3", "Disease", a, "skin papillomas") + _t("T4", "Treatment_of_disease", a, "inhibitory effect")
           + _t("T5", "Disease", a, "acne")
           + "E1\tTreatment_of_disease:T4 Theme:T3 Cause:T1\n*\tEquiv T1 T2\n")
    # Annotator 2 agrees on the plants (a shorter "tea" for the first), the papillomas and the event (on a
    # longer trigger), not on acne (no mention) or the Equiv set (none).
    ann2 = (_t("T1", "Plant", a, "tea") + _t("T2", "Plant", a, "Camellia sinensis")
            + _t("T3", "Disease", a, "skin papillomas") + _t("T4", "Treatment_of_disease", a, "an inhibitory effect")
            + "E1\tTreatment_of_disease:T4 Theme:T3 Cause:T1\n")
    b = "Soybean intake and breast cancer."
    b_ann = _t("T1", "Plant", b, "Soybean") + _t("T2", "Disease", b, "breast cancer") + "*\tEquiv T1 T2\n"
    members = {
        "Plant-Disease_Corpus/19154781.txt": a + "\n", "Plant-Disease_Corpus/19154781.ann": ann,
        "Plant-Disease_Corpus/19154781.ann2": ann2,
        "Plant-Disease_Corpus/20000001.txt": b + "\n", "Plant-Disease_Corpus/20000001.ann": b_ann,
        "Plant-Disease_Corpus/20000001.ann2": b_ann,
    }
    built = miniature("pdr", {PDR: _tar(tmp_path / "Plant-Disease_Corpus.tar.gz", members)})
    assert built.run.quarantine.height == 0
    assert built.counts() == {("PDR", "train"): 2, ("PDR-COREF", "train"): 1, ("PDR-EE", "train"): 1}
    ner = dict(built.task("PDR", "train").select("input", "output").iter_rows())
    assert ner == {a: "[Green tea <Plant>] [Camellia sinensis <Plant>] [skin papillomas <Disease>]",
                   b: "[Soybean <Plant>] [breast cancer <Disease>]"}
    assert _row(built, "PDR-COREF", "train") == (f"{b}\n\nEntity: Soybean", "[breast cancer]")
    assert _row(built, "PDR-EE", "train") == (a, "[<Treatment_of_disease> an inhibitory effect skin papillomas]")


CELLFINDER = ("https://www.informatik.hu-berlin.de/de/forschung/gebiete/wbi/resources/cellfinder/"
              "cellfinder1_brat.tar.gz")
CELLFINDER_TRAIN = ["16316465", "17381551", "17389645", "18162134", "18286199"]
CELLFINDER_TEST = ["15971941", "16623949", "16672070", "17288595", "17967047"]


def test_cellfinder(miniature, tmp_path):
    body = "Human embryonic stem cells express Oct4 in the nucleus.\nHEK293 cells served as control."
    ann = (_t("T1", "Species", body, "Human") + _t("T2", "CellType", body, "embryonic stem cells")
           + _t("T3", "GeneProtein", body, "Oct4") + _t("T4", "CellComponent", body, "nucleus")
           + _t("T5", "CellLine", body, "HEK293"))
    members = {"LICENSE": "Creative Commons Attribution-ShareAlike 3.0\n"}
    for pmid in CELLFINDER_TRAIN + CELLFINDER_TEST:  # the ten articles, all of which the split names
        members[f"{pmid}.txt"], members[f"{pmid}.ann"] = body + f"\nPMID {pmid}\n", ann
    built = miniature("cellfinder", {CELLFINDER: _tar(tmp_path / "cellfinder1_brat.tar.gz", members)})
    assert built.run.quarantine.height == 0
    assert built.counts() == {("CellFinder", "train"): 5, ("CellFinder", "test"): 5}
    assert {i.rpartition(" ")[2] for i in built.task("CellFinder", "test")["input"]} == set(CELLFINDER_TEST)
    # The lines of an article are joined by a space.
    assert _row(built, "CellFinder", "train") == (body.replace("\n", " ") + f" PMID {CELLFINDER_TRAIN[0]}", (
        "[Human <Species>] [embryonic stem cells <CellType>] [Oct4 <GeneProtein>] [nucleus <CellComponent>] "
        "[HEK293 <CellLine>]"))


CHEBI = "http://www.nactem.ac.uk/chebi/ChEBI.zip"


def test_chebi_nactem(miniature, tmp_path):
    a = "Quercetin was isolated from Allium cepa and shows antioxidant activity."
    ann = (_t("T1", "Metabolite", a, "Quercetin") + _t("T2", "Species", a, "Allium cepa")
           + _t("T3", "Biological_Activity", a, "antioxidant activity")
           + "R1\tIsolated_From Arg1:T1 Arg2:T2\nR2\tAssociated_With Arg1:T1 Arg2:T3\n")
    b = "Spectral data are given."
    abstract = "Caffeine is a Chemical."
    members = {
        "ChEBI/fullpapers/PMC3000001.txt": a + "\n", "ChEBI/fullpapers/PMC3000001.ann": ann,
        "ChEBI/fullpapers/PMC3000002.txt": b + "\n", "ChEBI/fullpapers/PMC3000002.ann": "",
        # the abstracts (one copy per annotator) are not declared
        "ChEBI/abstracts/Annotator1/100.txt": abstract + "\n",
        "ChEBI/abstracts/Annotator1/100.ann": _t("T1", "Chemical", abstract, "Caffeine"),
        "ChEBI/abstracts/Annotator2/100.txt": abstract + "\n",
        "ChEBI/abstracts/Annotator2/100.ann": _t("T1", "Metabolite", abstract, "Caffeine"),
    }
    built = miniature("chebi_nactem", {CHEBI: _zip(tmp_path / "ChEBI.zip", members)})
    assert built.run.quarantine.height == 0
    assert built.counts() == {("CHEBI", "train"): 1, ("CHEBI-RE", "train"): 1}
    assert _row(built, "CHEBI", "train") == (
        a, "[Quercetin <Metabolite>] [Allium cepa <Species>] [antioxidant activity <Biological_Activity>]")
    assert _row(built, "CHEBI-RE", "train") == (
        a, "[Quercetin <Isolated_From> Allium cepa] [Quercetin <Associated_With> antioxidant activity]")


CPI = ("https://raw.githubusercontent.com/KerstenDoering/CPI-Pipeline/d6b535b7621ea13adad910556b7d1fef5aaac3f8/"
       "data_sets/xml/CPI-DS.xml")


def test_cpi(miniature, tmp_path):
    s0 = "Bestrophin-1 enables Ca2+-activated Cl-conductance in epithelia."
    s1 = "Calcium-dependent Cl (-) currents were activated by ATP in HEK293 cells expressing BEST1."
    s2 = "Alloxan is believed to inhibit pancreatic glucokinase activity."
    xml = f"""<corpus source="CPI-DS">
    <document id="CPI-DS.d0" origId="17003041">
        <sentence id="CPI-DS.d0.s0" origId="17003041-302" text="{s0}">
            <entity id="CPI-DS.d0.s0.e0" origId="O76090,Q8WMR7" charOffset="0-12" type="protein" text="Bestrophin-1"/>
            <entity id="CPI-DS.d0.s0.e1" origId="312" charOffset="36-38" type="compound" text="Cl"/>
            <pair e1="CPI-DS.d0.s0.e1" e2="CPI-DS.d0.s0.e0" id="CPI-DS.d0.s0.i0" interaction="True"/>
        </sentence>
        <sentence id="CPI-DS.d0.s1" origId="17003041-304" text="{s1}">
            <entity id="CPI-DS.d0.s1.e0" origId="312" charOffset="18-20" type="compound" text="Cl"/>
            <entity id="CPI-DS.d0.s1.e1" origId="5957" charOffset="52-55" type="compound" text="ATP"/>
            <entity id="CPI-DS.d0.s1.e2" origId="O76090" charOffset="83-88" type="protein" text="BEST1"/>
            <pair e1="CPI-DS.d0.s1.e1" e2="CPI-DS.d0.s1.e2" id="CPI-DS.d0.s1.i0" interaction="False"/>
        </sentence>
    </document>
    <document id="CPI-DS.d1" origId="17768029">
        <sentence id="CPI-DS.d1.s0" origId="17768029-984" text="{s2}">
            <entity id="CPI-DS.d1.s0.e0" origId="5781" charOffset="0-7" type="compound" text="Alloxan"/>
            <entity id="CPI-DS.d1.s0.e1" origId="P35557" charOffset="42-53" type="protein" text="glucokinase"/>
            <pair e1="CPI-DS.d1.s0.e0" e2="CPI-DS.d1.s0.e1" id="CPI-DS.d1.s0.i0" interaction="False"/>
        </sentence>
    </document>
</corpus>
"""
    (tmp_path / "CPI-DS.xml").write_text(xml, encoding="utf-8")
    built = miniature("cpi", {CPI: tmp_path / "CPI-DS.xml"})
    assert built.run.quarantine.height == 0
    assert built.counts() == {("CPI", "train"): 2, ("CPI-NED", "train"): 2, ("CPI-RE", "train"): 1}
    text = f"{s0} {s1}"  # a document's sentences joined by a space
    assert _row(built, "CPI", "train") == (
        text, "[Bestrophin-1 <protein>] [Cl <compound>] [Cl <compound>] [ATP <compound>] [BEST1 <protein>]")
    assert _row(built, "CPI-NED", "train") == (text, (
        "[Bestrophin-1 <UniProt/O76090|UniProt/Q8WMR7>] [Cl <PubChem/312>] [Cl <PubChem/312>] "
        "[ATP <PubChem/5957>] [BEST1 <UniProt/O76090>]"))
    # Only the pair marked interaction="True" is a relation; the second document has none.
    assert _row(built, "CPI-RE", "train") == (text, "[Cl <compound-protein-interaction> Bestrophin-1]")
