"""The PPI learning-format corpora (BioInfer, HPRD50, IEPA, LLL), BioRelEx (JSON) and OSIRIS (inline XML)
built from the mirror: rows per split, counted again from the raw files, and one rendered sample each."""

import json
import xml.etree.ElementTree as ET

import pytest

pytestmark = pytest.mark.integration


def _xml(corpora, source, name):
    return ET.parse(corpora / source / name).getroot()


def _sentences(root, child):
    """Sentences that have at least one `child` element (entity, interaction)."""
    return sum(1 for s in root.iter("sentence") if s.find(child) is not None)


def _documents(root, child):
    return sum(1 for d in root.iter("document") if d.find(f"sentence/{child}") is not None)


def _rows(mirror_counts, task):
    return {split: mirror_counts.get((task, split), 0) for split in ("train", "dev", "test")}


def test_bioinfer_counts_sentences(mirror_counts, corpora):
    train, test = (_xml(corpora, "bioinfer", f"BioInfer-{s}.xml") for s in ("train", "test"))
    ner = {"train": _sentences(train, "entity"), "dev": 0, "test": _sentences(test, "entity")}
    re_ = {"train": _sentences(train, "interaction"), "dev": 0, "test": _sentences(test, "interaction")}
    assert _rows(mirror_counts, "BioInfer") == ner == {"train": 893, "dev": 0, "test": 206}
    assert _rows(mirror_counts, "BioInfer-RE") == re_ == {"train": 642, "dev": 0, "test": 142}


def test_hprd50_and_iepa_count_documents(mirror_counts, corpora):
    hprd = {s: _xml(corpora, "hprd50", f"HPRD50-{s}.xml") for s in ("train", "test")}
    iepa = {s: _xml(corpora, "iepa", f"IEPA-{s}.xml") for s in ("train", "test")}
    assert _rows(mirror_counts, "HPRD50") == {"dev": 0, **{s: _documents(r, "entity") for s, r in hprd.items()}}
    assert _rows(mirror_counts, "HPRD50") == {"train": 34, "dev": 0, "test": 9}
    assert _rows(mirror_counts, "HPRD50-RE") == {"dev": 0, **{s: _documents(r, "interaction") for s, r in hprd.items()}}
    assert _rows(mirror_counts, "HPRD50-RE") == {"train": 28, "dev": 0, "test": 8}
    assert _rows(mirror_counts, "IEPA") == {"dev": 0, **{s: _documents(r, "interaction") for s, r in iepa.items()}}
    assert _rows(mirror_counts, "IEPA") == {"train": 114, "dev": 0, "test": 26}


def test_lll_puts_both_files_in_train(mirror_counts, corpora):
    both = sum(_sentences(_xml(corpora, "lll", f"LLL-{s}.xml"), "interaction") for s in ("train", "test"))
    assert _rows(mirror_counts, "LLL05") == {"train": both, "dev": 0, "test": 0} == {"train": 77, "dev": 0, "test": 0}


def _biorelex_counts(sentences) -> dict[str, int]:
    def mentions(entity):
        return sum(len(name["mentions"]) for name in entity["names"].values())

    def grounded(entity):  # an id field, or a link to an entry (not to a bare index page ending in /)
        g = entity["grounding"]
        return bool(g) and (g["entrez_gene"] != "NA" or g["hgnc_symbol"] != "NA" or not g["link"].endswith("/"))

    return {
        "BioRelEx": sum(1 for s in sentences if s["entities"]),
        "BioRelEx-NED": sum(1 for s in sentences if any(grounded(e) for e in s["entities"])),
        "BioRelEx-RE": sum(1 for s in sentences if s["interactions"]),
        "BioRelEx-COREF": sum(1 for s in sentences for e in s["entities"] if mentions(e) >= 2),
    }


def test_biorelex_counts(mirror_counts, corpora):
    files = {s: json.loads((corpora / "biorelex" / f"1.0alpha7.{s}.json").read_text("utf-8")) for s in ("train", "dev")}
    counted = {s: _biorelex_counts(sentences) for s, sentences in files.items()}
    literal = {"BioRelEx": (1402, 201), "BioRelEx-NED": (1323, 191), "BioRelEx-RE": (1263, 178),
               "BioRelEx-COREF": (1143, 167)}
    for task, (train, dev) in literal.items():
        expected = {"train": counted["train"][task], "dev": counted["dev"][task], "test": 0}
        assert _rows(mirror_counts, task) == expected == {"train": train, "dev": dev, "test": 0}, task


def test_osiris_counts(mirror_counts, corpora):
    articles = list(_xml(corpora, "osiris", "corpus.xml").iter("Article"))

    def mentions(article):
        return [m for m in article.iter() if m.tag in ("gene", "variant")]

    def normalised(m):
        return m.get("g_id", "No") != "No" or m.get("v_id", "No") != "No" or m.get("v_norm", "null") not in ("null", "")

    ner = sum(1 for a in articles if mentions(a))
    ned = sum(1 for a in articles if any(normalised(m) for m in mentions(a)))
    assert _rows(mirror_counts, "OSIRIS") == {"train": ner, "dev": 0, "test": 0} == {"train": 105, "dev": 0, "test": 0}
    assert _rows(mirror_counts, "OSIRIS-NED") == {"train": ned, "dev": 0, "test": 0} == {"train": 105, "dev": 0,
                                                                                          "test": 0}


def _sample(mirror_sql, task, doc_id):
    rows = mirror_sql(f"select split, input, output from instructions where task = '{task}' and doc_id = '{doc_id}'")
    assert len(rows) == 1, rows
    return rows[0]


BIOINFER = "alpha-catenin inhibits beta-catenin signaling by preventing formation of a beta-catenin*T-cell factor*DNA complex."
BIORELEX = ("Taken together, these results make it clear that ATP-bound forms of ORC and Cdc6p are likely to be "
            "required for productive interactions and pre-RC formation.")
OSIRIS = ("Toll-like receptor 2Arg677Trp polymorphism is associated with susceptibility to tuberculosis in Tunisian "
          "patients. Toll-like receptor 2 (TLR2) is critical in the immune response to mycobacteria. Herein, we report "
          "that the frequency of a human TLR2 Arg677Trp polymorphism (C2029T nucleotide substitution) in tuberculosis "
          "patients in Tunisia is significantly higher than in healthy controls (P < 0.0001). This finding suggests "
          "that this polymorphism could be a risk factor for tuberculosis.")


@pytest.mark.parametrize(("task", "doc_id", "expected"), [
    # undirected pairs in text order (the file lists T-cell factor as e1 of three of them)
    ("BioInfer-RE", "BioInfer.d0.s0", ("train", BIOINFER,
        "[alpha-catenin <PPI> beta-catenin] [alpha-catenin <PPI> beta-catenin] [alpha-catenin <PPI> T-cell factor] "
        "[beta-catenin <PPI> beta-catenin] [beta-catenin <PPI> T-cell factor] [beta-catenin <PPI> T-cell factor]")),
    ("BioInfer", "BioInfer.d0.s0", ("train", BIOINFER,
        "[alpha-catenin <Individual_protein>] [beta-catenin <Individual_protein>] [beta-catenin <Individual_protein>] "
        "[T-cell factor <Individual_protein>]")),
    # a discontinuous mention: its pieces joined by a space
    ("BioInfer", "BioInfer.d1.s1", ("train",
        "Birch profilin increased the critical concentration required for muscle and brain actin polymerization in "
        "a concentration-dependent manner, supporting the notion of the formation of a heterologous complex between "
        "the plant protein and animal actin.",
        "[profilin <Individual_protein>] [muscle actin <Individual_protein>] [brain actin <Individual_protein>] "
        "[actin <Individual_protein>]")),
    ("HPRD50", "HPRD50.d0", ("train",
        "Cloning and characterization of two evolutionarily conserved subunits (TFIIIC102 and TFIIIC63) of human TFIIIC "
        "and their involvement in functional interactions with TFIIIB and RNA polymerase III",
        "[TFIIIC102 <protein>] [TFIIIC63 <protein>] [TFIIIC <protein>]")),
    ("IEPA", "IEPA.d0", ("train", "Oxytocin stimulates IP3 production in dose-dependent fashion as well",
                         "[Oxytocin <PPI> IP3]")),
    # directed: the agent first though it comes later; the test file's sentences are in train
    ("LLL05", "LLL.d2.s0", ("train", "Transcription of ydhD was dependent on SigE, and the mRNA was detectable from "
                                     "2 h after the cessation of logarithmic growth (T2 of sporulation).",
                            "[SigE <genic_interaction> ydhD]")),
    ("BioRelEx", "1.0alpha7.dev.0", ("dev", BIORELEX,
        "[ATP <chemical>] [ORC <protein-complex>] [Cdc6p <protein>] [pre-RC <protein-complex>]")),
    ("BioRelEx-NED", "1.0alpha7.dev.0", ("dev", BIORELEX, "[ATP <pubchem:compound/5957>] [Cdc6p <uniprot/P09119>]")),
    ("BioRelEx-RE", "1.0alpha7.dev.0", ("dev", BIORELEX, "[ORC <bind> ATP] [Cdc6p <bind> ATP]")),
    ("BioRelEx-COREF", "1.0alpha7.dev.197", ("dev", "EB1 binds Pin2/TRF1 in vitro and in vivo.\n\nEntity: Pin2",
                                             "[Pin2/TRF1] [TRF1]")),
    ("OSIRIS", "15138193", ("train", OSIRIS,
        "[Toll-like receptor 2 <gene>] [Arg677Trp <variant>] [Toll-like receptor 2 (TLR2) <gene>] [Arg677Trp <variant>] "
        "[(C2029T nucleotide substitution) <variant>]")),
    ("OSIRIS-NED", "15138193", ("train", OSIRIS,
        "[Toll-like receptor 2 <NCBI Gene/7097>] [Arg677Trp <HGVS-like/R677W>] [Toll-like receptor 2 (TLR2) "
        "<NCBI Gene/7097>] [Arg677Trp <HGVS-like/R677W>] [(C2029T nucleotide substitution) <HGVS-like/C2029T>]")),
])
def test_rendered_samples(mirror_sql, task, doc_id, expected):
    assert _sample(mirror_sql, task, doc_id) == expected


def test_biorelex_ned_joins_a_mentions_ids_and_osiris_ned_gives_dbsnp_numbers(mirror_sql):
    grb = mirror_sql("select output from instructions where task = 'BioRelEx-NED' and output like '%[GGA1 <%' limit 1")
    assert "[GGA1 <NCBI gene/26088|hgnc/GGA1|uniprot/Q9UJY5>]" in grb[0][0]
    ala = mirror_sql("select output from instructions where task = 'OSIRIS-NED' and doc_id = '12915397'")
    assert "[Ala55Val <dbSNP/660339>]" in ala[0][0]
