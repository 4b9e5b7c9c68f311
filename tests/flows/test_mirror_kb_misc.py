"""GENIA-Term (GPML in the release tgz), GENETAG (token-indexed gold), PICO-Annotation (expert token votes)
and EU-ADR (the IBI relation tables), built from the mirror: every task's rows per split, derived from the
raw files with plain Python, and the exact rendered strings of a few records."""

import csv
import json
import re
import tarfile
import xml.etree.ElementTree as ET
from collections import defaultdict

import pytest

pytestmark = pytest.mark.integration

SOURCES = ("genia_term_corpus", "genetag", "pico_extraction", "euadr")


def rows(mirror_sql, task: str) -> dict[str, tuple[str, str]]:
    """doc_id -> (input, output) of a task's rows (each doc_id once in these tasks)."""
    got = mirror_sql(f"select doc_id, input, output from instructions where task = '{task}'")
    assert len({d for d, _, _ in got}) == len(got)
    return {d: (i, o) for d, i, o in got}


# GENIA-Term -------------------------------------------------------------------------------------------

def genia_articles(corpora) -> list[ET.Element]:
    with tarfile.open(corpora / "genia_term_corpus" / "GENIAcorpus3.02.tgz") as tar:
        xml = tar.extractfile("GENIA_term_3.02/GENIAcorpus3.02.xml").read()
    return ET.fromstring(xml).findall("article")


def test_genia_term_one_sample_per_article_with_every_typed_term(mirror_counts, mirror_sql, corpora):
    articles = genia_articles(corpora)
    with_terms = [a for a in articles if any(c.get("sem") for c in a.iter("cons"))]
    terms = sum(1 for a in articles for c in a.iter("cons") if c.get("sem"))
    assert len(with_terms) == 2000 and terms == 92722  # Table 11: 2,000 / 0 / 0
    assert mirror_counts["GENIA-Term", "train"] == len(with_terms) == 2000
    assert ("GENIA-Term", "dev") not in mirror_counts and ("GENIA-Term", "test") not in mirror_counts
    outputs = [o for (o,) in mirror_sql("select output from instructions where task = 'GENIA-Term'")]
    assert sum(len(re.findall(r" <[^<>]+>\]", o)) for o in outputs) == terms
    # MEDLINE:97218353 is annotated twice, differently: both are samples
    assert mirror_sql("select count(*) from instructions where task = 'GENIA-Term' and doc_id = '97218353'") == [(2,)]


@pytest.mark.parametrize(
    "doc_id, text, output",
    [
        ("97362375",
         "Cytokines: shared receptors, distinct functions. That the signal transduction pathways used by the "
         "cytokines IL-2 and IL-15 are identical would suggest that these cytokines have redundant roles in "
         "lymphoid development; instead, IL-2 is the guardian of thymus-derived T-cell homeostasis, while "
         "interleukin-15 promotes extrathymic development of T and NK cells.",
         "[Cytokines <protein_family_or_group>] [receptors <protein_family_or_group>] "
         "[distinct functions <other_name>] [signal transduction pathways <other_name>] "
         "[cytokines <protein_family_or_group>] [IL-2 <protein_molecule>] [IL-15 <protein_molecule>] "
         "[cytokines <protein_family_or_group>] [lymphoid development <other_name>] [IL-2 <protein_molecule>] "
         "[thymus-derived T-cell homeostasis <other_name>] [interleukin-15 <protein_molecule>] "
         "[extrathymic development <other_name>] [T and NK cells <cell_type>]"),
        ("92378748",
         "Bcl-2: a repressor of lymphocyte death. The genes and mechanisms that control programmed cell death are "
         "currently the subject of intense study. The bcl-2 gene, a repressor of lymphocyte death, is perhaps the "
         "best understood of the programmed cell death associated genes. Here, Stanley Korsmeyer provides a brief "
         "overview of bcl-2, concentrating on its roles in B- and T-cell development and in oncogenesis.",
         "[Bcl-2 <protein_molecule>] [lymphocyte <cell_type>] [lymphocyte death <other_name>] "
         "[bcl-2 gene <DNA_domain_or_region>] [lymphocyte <cell_type>] [lymphocyte death <other_name>] "
         "[programmed cell death <other_name>] [bcl-2 <protein_molecule>] [B- and T-cell development <other_name>] "
         "[oncogenesis <other_name>]"),
    ],
)
def test_genia_term_as_rendered(mirror_sql, doc_id, text, output):
    query = f"select input, output from instructions where task = 'GENIA-Term' and doc_id = '{doc_id}'"
    assert mirror_sql(query) == [(text, output)]


# GENETAG ----------------------------------------------------------------------------------------------

def genetag_split(corpora, folder: str) -> tuple[dict[str, list[str]], dict[str, list[tuple]]]:
    """(sentence id -> tokens, sentence id -> [(first, last, mention), ...] of its well-formed gold lines)."""
    root = corpora / "genetag" / folder
    tokens = {}
    for line in (root / "TOKENIZED_CORPUS").read_text().splitlines():
        sid, *items = line.split(" ")
        tokens[sid.removeprefix("@@")] = [item.rsplit("/", 1)[0] for item in items]
    gold = defaultdict(list)
    for line in (root / "Gold.format").read_text().splitlines():
        sid, span, mention = (line.split("|", 2) + [""])[:3]
        first, last = span.split(" ") if re.fullmatch(r"\d+ \d+", span) else (-1, -1)  # -1: not `first last`
        gold[sid.removeprefix("@@")].append((int(first), int(last), mention))
    return tokens, gold


@pytest.mark.parametrize("folder, split, size",
                         [("train", "train", 3875), ("test", "dev", 1311), ("round1", "test", 2567)])
def test_genetag_sentences_with_a_gene_each_folder_in_medinsts_split(mirror_counts, mirror_sql, corpora, folder,
                                                                     split, size):
    tokens, gold = genetag_split(corpora, folder)
    assert len(gold) == size  # Table 11, with MedINST's swap: test/ is dev, round1/ is test
    assert mirror_counts["GENETAG", split] == size
    got = dict(mirror_sql(f"select doc_id, output from instructions where task = 'GENETAG' and split = '{split}'"))
    expected = {}
    for sid, genes in gold.items():
        words = tokens[sid]
        # a line whose text is not its tokens (or not `first last`) is one of the five defects left out
        kept = [(len(" ".join(words[:a])) + (a > 0), b, m) for a, b, m in genes
                if a >= 0 and " ".join(words[a:b + 1]) == m]
        kept.sort(key=lambda g: (g[0], g[0] + len(g[2])))
        expected[sid] = " ".join(f"[{m} <NEWGENE>]" for _, _, m in kept)
    assert got == expected


def test_genetag_as_rendered(mirror_sql):
    assert mirror_sql("select split, input, output from instructions where task = 'GENETAG' and doc_id in "
                      "('21234669976', '115096153431') order by doc_id") == [
        ("dev", "Phosphatidylinositol 3-kinase potentiates , but does not trigger , T cell proliferation mediated "
                "by the IL-2 receptor .", "[Phosphatidylinositol 3-kinase <NEWGENE>]"),  # "il-2 receptor" left out
        ("train", "Like other members of this family , the AP-4 HLH motif and the adjacent basic domain are "
                  "necessary and sufficient to confer site-specific DNA binding .",
         "[AP-4 <NEWGENE>] [HLH motif <NEWGENE>]"),
    ]


# PICO-Annotation --------------------------------------------------------------------------------------

def test_pico_sentences_with_a_majority_span(mirror_counts, mirror_sql, corpora):
    root = corpora / "pico_extraction"
    sentences = json.loads((root / "sentences.json").read_text())
    expected = {}
    for sid, sentence in sentences.items():
        words, spans = sentence.split(" "), []
        for label, name in (("participant", "participants"), ("intervention", "interventions"),
                            ("outcome", "outcomes")):
            votes = json.loads((root / "annotations" / f"{name}_expert.json").read_text())[sid]["annotations"]
            marked = "".join("1" if sum(col) >= 2 else "0" for col in zip(*votes))
            for run in re.finditer("1+", marked):
                start = len(" ".join(words[:run.start()])) + (run.start() > 0)
                mention = " ".join(words[run.start():run.end()])
                spans.append((start, start + len(mention), f"[{mention} <{label}>]"))
        if spans:
            expected[sid] = " ".join(item for _, _, item in sorted(spans, key=lambda s: s[:2]))
    assert len(expected) == 363  # Table 11: 361 (BigBio skips the first two sentences; see the registry)
    assert mirror_counts["PICO-Annotation", "train"] == len(expected) == 363
    assert ("PICO-Annotation", "dev") not in mirror_counts and ("PICO-Annotation", "test") not in mirror_counts
    got = rows(mirror_sql, "PICO-Annotation")
    assert {sid: out for sid, (_, out) in got.items()} == expected
    assert got["11317090:0"] == (
        "Economic evaluation of aquatic exercise for persons with osteoarthritis .",
        "[Economic evaluation <outcome>] [aquatic exercise <intervention>] [persons with osteoarthritis <participant>]",
    )


# EU-ADR -----------------------------------------------------------------------------------------------

def test_euadr_re_one_sample_per_ibi_sentence_with_a_pa_na_or_sa_pair(mirror_counts, mirror_sql, corpora):
    pairs = defaultdict(list)
    for name in ("drug_disease", "drug_target", "target_disease"):
        path = corpora / "euadr" / "EUADR_Corpus_IBIgroup" / f"EUADR_{name}.csv"
        with open(path, encoding="latin-1", newline="") as f:
            for row in list(csv.reader(f, delimiter="\t"))[1:]:
                label, pmid, number, e1, s1, _, _, e2, s2 = row[:9]
                if label != "FA":
                    first, second = sorted((int(s1), int(s2)))
                    pairs[f"{pmid}:{number}"].append((first, second, f"[{e1} <{label}> {e2}]"))
    assert len(pairs) == 378  # Table 11: 253 abstracts (see the registry's sizes_note)
    assert mirror_counts["EU-ADR-RE", "train"] == len(pairs) == 378
    assert ("EU-ADR-RE", "dev") not in mirror_counts and ("EU-ADR-RE", "test") not in mirror_counts
    got = rows(mirror_sql, "EU-ADR-RE")
    assert {sid: out for sid, (_, out) in got.items()} == {
        sid: " ".join(item for _, _, item in sorted(items, key=lambda p: p[:2])) for sid, items in pairs.items()
    }
    assert got["19096231:8"] == (
        "No association of XRCC3 Thr241Met or XPD Lys751Gln and cervical carcinoma was found.",
        "[XRCC3 Thr241Met <NA> cervical carcinoma] [XPD Lys751Gln <NA> cervical carcinoma]",
    )


def test_euadr_ner_is_declared_but_not_buildable(mirror_counts, mirror_sql):
    assert not [k for k in mirror_counts if k[0] == "EU-ADR"]
    [(status, reason)] = mirror_sql("select status, reason from tasks where task = 'EU-ADR'")
    assert status == "not buildable" and "hold no text" in reason
