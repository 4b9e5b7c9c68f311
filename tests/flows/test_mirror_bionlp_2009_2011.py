"""The BioNLP'09 and BioNLP-ST 2011 GE, ID and REL standoff corpora of the mirror: counts per task and
split, derived here from the raw `.txt`/`.a1`/`.a2`/`.rel` files, and one document rendered per source."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

SOURCES = ("bionlp_shared_task_2009", "bionlp_st_2011_ge", "bionlp_st_2011_id", "bionlp_st_2011_rel")
ID_TYPES = {"Protein", "Chemical", "Organism", "Two-component-system", "Regulon-operon"}
# Table 11, and where ours differ (COREF: identical samples, one per Equiv line in MedINST, are kept once).
EXPECTED = {
    ("BioNLP-2009", "train"): 756, ("BioNLP-2009", "dev"): 260, ("BioNLP-2009", "test"): 150,
    ("BioNLP-2009-EE", "train"): 695, ("BioNLP-2009-EE", "dev"): 150,
    ("BioNLP-2009-COREF", "train"): 476, ("BioNLP-2009-COREF", "dev"): 101,  # MedINST 536 / 110
    ("BioNLP-2011-GE", "train"): 856, ("BioNLP-2011-GE", "test"): 338,
    ("BioNLP-2011-GE-EE", "train"): 765,
    ("BioNLP-2011-GE-COREF", "train"): 511,  # MedINST 571
    ("BioNLP-2011-ID", "train"): 151, ("BioNLP-2011-ID", "dev"): 46, ("BioNLP-2011-ID", "test"): 117,
    ("BioNLP-2011-ID-EE", "train"): 110, ("BioNLP-2011-ID-EE", "dev"): 30,
    ("BioNLP-2011-ID-COREF", "train"): 168, ("BioNLP-2011-ID-COREF", "dev"): 31,  # MedINST 170 / 31
    ("BioNLP-2011-REL", "train"): 756, ("BioNLP-2011-REL", "dev"): 150, ("BioNLP-2011-REL", "test"): 260,
    ("BioNLP-2011-REL-RE", "train"): 378, ("BioNLP-2011-REL-RE", "dev"): 92,
    ("BioNLP-2011-REL-COREF", "train"): 475, ("BioNLP-2011-REL-COREF", "dev"): 101,  # MedINST 535 / 110
}
TASKS = {task for task, _ in EXPECTED}


def _documents(folder: Path) -> dict[str, list[list[str]]]:
    """Each document of a split folder: the TAB-split lines of its .a1 and .a2 or .rel, if any."""
    docs = {}
    for text in sorted(folder.glob("*.txt")):
        lines = []
        for ext in ("a1", "a2", "rel"):
            path = text.with_suffix(f".{ext}")
            if path.exists():
                lines += [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        docs[text.stem] = lines
    return docs


def _ner(docs, types) -> int:
    """Documents with a given mention of one of `types`."""
    return sum(any(f[0].startswith("T") and f[1].split()[0] in types for f in lines) for lines in docs.values())


def _ee(docs) -> int:
    """Documents with an event whose Theme (Theme, Theme1, Theme2, ...) is an entity, not an event or trigger."""
    n = 0
    for lines in docs.values():
        events = [f[1].split() for f in lines if f[0].startswith("E")]
        triggers = {words[0].split(":")[1] for words in events}
        entities = {f[0] for f in lines if f[0].startswith("T")} - triggers
        n += any(re.fullmatch(r"Theme\d*:(\S+)", arg) and arg.split(":")[1] in entities
                 for words in events for arg in words[1:])
    return n


def _coref(docs) -> int:
    """Distinct (document, Equiv member texts in order of appearance): one sample per Equiv line, repeats once."""
    samples = set()
    for doc, lines in docs.items():
        spans = {f[0]: (int(f[1].split()[1]), f[2]) for f in lines if f[0].startswith("T")}
        for f in lines:
            if f[0] == "*" and f[1].split()[0] == "Equiv":
                samples.add((doc, tuple(text for _, text in sorted(spans[m] for m in f[1].split()[1:]))))
    return len(samples)


def _re(docs) -> int:
    return sum(any(f[0].startswith("R") for f in lines) for lines in docs.values())


def _from_files(corpora: Path) -> dict[tuple[str, str], int]:
    """Every (task, split) count, from the raw files and each task's split mapping."""
    def read(source, split):
        return _documents(corpora / source / split)

    st09, ge, ide, rel = ({s: read(src, s) for s in ("train", "devel", "test")} for src in SOURCES)
    counts = {}
    # BioNLP-2009's NER labels the shared task's test split dev and its devel split test.
    for ours, theirs in (("train", "train"), ("dev", "test"), ("test", "devel")):
        counts[("BioNLP-2009", ours)] = _ner(st09[theirs], {"Protein"})
    for ours, theirs in (("train", "train"), ("dev", "devel")):
        counts[("BioNLP-2009-EE", ours)] = _ee(st09[theirs])
        counts[("BioNLP-2009-COREF", ours)] = _coref(st09[theirs])
        counts[("BioNLP-2011-ID-EE", ours)] = _ee(ide[theirs])
        counts[("BioNLP-2011-ID-COREF", ours)] = _coref(ide[theirs])
        counts[("BioNLP-2011-REL-RE", ours)] = _re(rel[theirs])
        counts[("BioNLP-2011-REL-COREF", ours)] = _coref(rel[theirs])
    # GE's devel split feeds nothing: MedINST has no GE dev split.
    counts[("BioNLP-2011-GE", "train")] = _ner(ge["train"], {"Protein"})
    counts[("BioNLP-2011-GE", "test")] = _ner(ge["test"], {"Protein"})
    counts[("BioNLP-2011-GE-EE", "train")] = _ee(ge["train"])
    counts[("BioNLP-2011-GE-COREF", "train")] = _coref(ge["train"])
    for ours, theirs in (("train", "train"), ("dev", "devel"), ("test", "test")):
        counts[("BioNLP-2011-ID", ours)] = _ner(ide[theirs], ID_TYPES)
        counts[("BioNLP-2011-REL", ours)] = _ner(rel[theirs], {"Protein"})
    return counts


def test_counts_per_task_and_split_equal_the_raw_files_and_the_expected_numbers(mirror_counts, corpora):
    ours = {key: n for key, n in mirror_counts.items() if key[0] in TASKS}
    assert ours == _from_files(corpora)
    assert ours == EXPECTED


def test_every_equiv_set_is_of_entities_so_no_chain_is_dropped(corpora):
    # The parser drops an Equiv naming a trigger (BigBio's rule): none does here.
    for source in SOURCES:
        for split in ("train", "devel"):
            for lines in _documents(corpora / source / split).values():
                triggers = {f[1].split()[0].split(":")[1] for f in lines if f[0].startswith("E")}
                entities = {f[0] for f in lines if f[0].startswith("T")} - triggers
                for f in lines:
                    if f[0] == "*":
                        assert set(f[1].split()[1:]) <= entities, (source, split, f)


def _rows(mirror_sql, source: str, doc: str) -> dict[str, tuple[str, str, str]]:
    rows = mirror_sql(f"select task, split, input, output from instructions where source = '{source}' "
                      f"and doc_id = '{doc}' order by task, output")
    return {task: (split, text, output) for task, split, text, output in rows}


ABSTRACT_7540578 = (
    "Danazol decreases transcription of estrogen receptor gene in human monocytes.  1. Administration of "
    "danazol for over one month reduced the levels of estrogen receptor (ER) and its mRNA to approximately 50 "
    "and 20%, respectively in monocytes. 2. Danazol did not alter the degradation rate of ER mRNA in monocytes. "
    "3. Danazol decreased the transcription rate of ER gene to approximately 50% in monocytes in a run-on assay. "
    "4. Danazol may release estrogen predominance via the reduction of transcription for ER gene, which leads to "
    "the reduction of ER mRNA and ER expressions in monocytes. "
)


def test_one_bionlp_2009_abstract_rendered(mirror_sql):
    rows = _rows(mirror_sql, "bionlp_shared_task_2009", "7540578")
    # The input is the text trimmed at both ends (transforms.clean); COREF's keeps it whole before its entity line.
    assert rows["BioNLP-2009"] == ("train", ABSTRACT_7540578.rstrip(), "[estrogen receptor <Protein>] "
                                   "[estrogen receptor <Protein>]" + " [ER <Protein>]" * 6)
    # Events whose theme is another event (the decreases of the transcription, ...) are not written.
    assert rows["BioNLP-2009-EE"] == ("train", ABSTRACT_7540578.rstrip(), (
        "[<Transcription> transcription estrogen receptor] [<Negative_regulation> reduced the levels ER] "
        "[<Protein_catabolism> degradation ER] [<Transcription> transcription ER] [<Transcription> transcription ER] "
        "[<Transcription> expressions ER] [<Gene_expression> expressions ER]"
    ))
    assert rows["BioNLP-2009-COREF"] == ("train", ABSTRACT_7540578 + "\n\nEntity: estrogen receptor", "[ER]")


def test_one_bionlp_2011_ge_article_section_rendered(mirror_sql):
    rows = _rows(mirror_sql, "bionlp_st_2011_ge", "PMC-2065877-23-caption-04")
    text = "Summary of Analysis Performed on Wild-Type and LMP1 Transgenic Lymphomas"
    assert rows == {"BioNLP-2011-GE": ("train", text, "[LMP1 <Protein>]"),
                    "BioNLP-2011-GE-EE": ("train", text, "[<Gene_expression> Transgenic LMP1]")}
    # A devel document is in no task.
    assert mirror_sql("select count(*) from instructions where source = 'bionlp_st_2011_ge' "
                      "and doc_id = 'PMC-1134658-00-TIAB'") == [(0,)]


def test_one_bionlp_2011_id_article_section_rendered(mirror_sql):
    rows = _rows(mirror_sql, "bionlp_st_2011_id", "PMC1913099-02-Results-Discussion-04")
    text = (
        "Phage-Encoded Genes  SF370 contains one inducible prophage (370.1) and three defective prophages (370.2, "
        "370.3, and 370.4) that produce no infectious phage [39]. We identified 11 differentially expressed phage "
        "370.2 genes, suggesting that this defective phage is not transcriptionally silent (Table 1). The speH gene "
        "(spy1008) was induced, and the remaining genes, hypothetically involved in replication and regulation "
        "[39], were downregulated. The speH gene encodes a mitogenic exotoxin [38] reportedly induced during "
        "polymorphonuclear leukocyte phagocytosis [8] but not implicated previously in adherence."
    )
    assert rows == {
        "BioNLP-2011-ID": ("train", text, "[SF370 <Organism>] [speH <Protein>] [spy1008 <Protein>] [speH <Protein>]"),
        # The Process event ("infectious", no theme) is not written.
        "BioNLP-2011-ID-EE": ("train", text, "[<Positive_regulation> induced speH] [<Positive_regulation> induced speH]"),
        "BioNLP-2011-ID-COREF": ("train", text + "\n\nEntity: speH", "[spy1008]"),
    }


def test_one_bionlp_2011_rel_abstract_rendered(mirror_sql):
    rows = _rows(mirror_sql, "bionlp_st_2011_rel", "PMID-2192264")
    text = (
        "Involvement of cyclic AMP-dependent protein kinases in the signal transduction pathway for interleukin-1.  "
        "Expression of a highly specific protein inhibitor for cyclic AMP-dependent protein kinases in "
        "interleukin-1 (IL-1)-responsive cells blocked IL-1-induced gene transcription that was driven by the kappa "
        "immunoglobulin enhancer or the human immunodeficiency virus long terminal repeat. This inhibitor did not "
        "affect protein kinase C-mediated gene transcription, suggesting that cyclic AMP-dependent protein kinases "
        "are involved in the signal transduction pathway for IL-1 in a number of responsive cell types."
    )
    assert rows == {
        "BioNLP-2011-REL": ("train", text, "[interleukin-1 <Protein>] [interleukin-1 <Protein>] [IL-1 <Protein>] "
                            "[IL-1 <Protein>] [kappa immunoglobulin <Protein>] [IL-1 <Protein>]"),
        "BioNLP-2011-REL-RE": ("train", text, "[kappa immunoglobulin <Protein-Component> enhancer]"),
        "BioNLP-2011-REL-COREF": ("train", text + "\n\nEntity: interleukin-1", "[IL-1]"),
    }
