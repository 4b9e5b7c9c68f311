"""BioNLP-ST 2013 CG, GE, GRO and PC from the mirror: rows per split against counts taken straight from the
standoff files (plain line reading, not our parser), and the rendered samples of a few short documents."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

SOURCES = ["bionlp_st_2013_cg", "bionlp_st_2013_ge", "bionlp_st_2013_gro", "bionlp_st_2013_pc"]
FOLDERS = {"train": "train", "devel": "dev", "test": "test"}


def read_folder(folder: Path) -> dict[str, dict]:
    """Per document: its text, the given (.a1) T lines, every T line, events, relations and Equiv lines."""
    docs = {}
    for txt in sorted(folder.glob("*.txt")):
        doc = {"text": txt.read_text(), "given": {}, "spans": {}, "events": [], "relations": [], "equivs": []}
        for ext in ("a1", "a2"):
            path = txt.with_suffix(f".{ext}")
            for line in path.read_text().splitlines() if path.exists() else []:
                fields = line.split("\t")
                if line.startswith("T"):
                    kind, start = fields[1].split()[:2]
                    doc["spans"][fields[0]] = (int(start), fields[2])
                    if ext == "a1":
                        doc["given"][fields[0]] = kind
                elif line.startswith("E"):
                    head, *args = fields[1].split()
                    doc["events"].append((head.partition(":")[2], [tuple(a.split(":")) for a in args]))
                elif line.startswith("R"):
                    doc["relations"].append([a.split(":")[1] for a in fields[1].split()[1:]])
                elif line.startswith("*\tEquiv"):
                    doc["equivs"].append(fields[1].split()[1:])
        docs[txt.stem] = doc
    return docs


@pytest.fixture(scope="module")
def raw(corpora) -> dict[str, dict[str, dict]]:
    """{source: {our split: {document: annotations}}}."""
    return {s: {ours: read_folder(corpora / s / folder) for folder, ours in FOLDERS.items()} for s in SOURCES}


def entities(doc: dict) -> set[str]:
    """T ids that are no event's trigger."""
    return set(doc["spans"]) - {trigger for trigger, _ in doc["events"]}


def with_given(docs: dict) -> int:
    return sum(1 for d in docs.values() if d["given"])


def with_entity_theme(docs: dict) -> int:
    return sum(1 for d in docs.values() if any(role == "Theme" and ref in entities(d)
                                               for _, args in d["events"] for role, ref in args))


def with_entity_relation(docs: dict) -> int:
    return sum(1 for d in docs.values() if any(set(r) <= entities(d) for r in d["relations"]))


def equiv_lines(docs: dict) -> int:
    return sum(len(d["equivs"]) for d in docs.values())


def distinct_chains(docs: dict) -> int:
    """Equiv lines of a document that name the same mentions (text) in the same order make one sample."""
    samples = set()
    for name, d in docs.items():
        for chain in d["equivs"]:
            texts = [text for _, text in sorted(d["spans"][i] for i in chain)]
            samples.add((name, texts[0], tuple(texts[1:])))
    return len(samples)


def sizes(mirror_counts, task: str) -> tuple[int, int, int]:
    return tuple(mirror_counts.get((task, split), 0) for split in ("train", "dev", "test"))


def test_ner_is_every_document_with_a_given_entity(mirror_counts, raw):
    expected = {"cg": (300, 100, 200), "ge": (194, 212, 256), "gro": (150, 50, 100), "pc": (260, 90, 175)}
    for short, table in expected.items():
        splits = raw[f"bionlp_st_2013_{short}"]
        derived = tuple(with_given(splits[s]) for s in ("train", "dev", "test"))
        assert sizes(mirror_counts, f"BioNLP-2013-{short.upper()}") == derived == table  # Table 11's


def test_ner_types_are_the_given_types_and_the_instruction_lists_them(mirror_sql, raw):
    counts = {}
    for short in ("cg", "ge", "gro", "pc"):
        task = f"BioNLP-2013-{short.upper()}"
        given = {t for docs in raw[f"bionlp_st_2013_{short}"].values() for d in docs.values() for t in d["given"].values()}
        rows = mirror_sql(f"select instruction, output from instructions where task = '{task}'")
        written = {t for _, output in rows for t in re.findall(r"<([^<>]+)>\]", output)}
        assert written == given
        assert {w for w in given if re.search(rf"\b{w}\b", rows[0][0])} == given
        counts[short] = len(given)
    assert counts == {"cg": 16, "ge": 1, "gro": 174, "pc": 4}  # GRO's over the three splits (128 in train)


def test_ee_is_every_document_with_an_event_on_an_entity_theme(mirror_counts, raw):
    expected = {"cg": (299, 100), "ge": (149, 157), "pc": (257, 90)}
    for short, table in expected.items():
        splits = raw[f"bionlp_st_2013_{short}"]
        derived = tuple(with_entity_theme(splits[s]) for s in ("train", "dev"))
        assert sizes(mirror_counts, f"BioNLP-2013-{short.upper()}-EE") == (*derived, 0) == (*table, 0)  # Table 11's
    # Documents with any event: the one CG and three PC train documents above have none on an entity.
    assert sum(1 for d in raw["bionlp_st_2013_cg"]["train"].values() if d["events"]) == 300
    assert sum(1 for d in raw["bionlp_st_2013_pc"]["train"].values() if d["events"]) == 260


def test_re_is_every_document_with_a_relation_between_entities(mirror_counts, raw):
    for task, source, table, with_any in [("BioNLP-2013-GE-RE", "bionlp_st_2013_ge", (40, 41), (46, 49)),
                                          ("BioNLP-2013-GRO-RE", "bionlp_st_2013_gro", (149, 48), (149, 48))]:
        splits = raw[source]
        derived = tuple(with_entity_relation(splits[s]) for s in ("train", "dev"))
        assert sizes(mirror_counts, task) == (*derived, 0) == (*table, 0)  # Table 11's
        assert tuple(sum(1 for d in splits[s].values() if d["relations"]) for s in ("train", "dev")) == with_any


def test_coref_is_one_sample_per_distinct_equiv_chain(mirror_counts, raw):
    # (Equiv lines = Table 11's sizes, samples once repeated chains collapse)
    expected = {"cg": ((466, 176), (442, 151)), "ge": ((53, 41), (51, 41)), "pc": ((455, 128), (410, 122))}
    for short, (lines, samples) in expected.items():
        splits = raw[f"bionlp_st_2013_{short}"]
        assert tuple(equiv_lines(splits[s]) for s in ("train", "dev")) == lines
        derived = tuple(distinct_chains(splits[s]) for s in ("train", "dev"))
        assert sizes(mirror_counts, f"BioNLP-2013-{short.upper()}-COREF") == (*derived, 0) == (*samples, 0)


def samples(mirror_sql, source: str, doc: str) -> dict[str, tuple[str, str, str]]:
    rows = mirror_sql(f"select task, split, input, output from instructions where source = '{source}' "
                      f"and doc_id = '{doc}'")
    return {task: (split, text, output) for task, split, text, output in rows}


def flat(corpora: Path, source: str, split: str, doc: str) -> str:
    """The document's text as an input: its lines joined by spaces."""
    return (corpora / source / split / f"{doc}.txt").read_text().rstrip("\n").replace("\n", " ")


def test_cg_rendered_samples(mirror_sql, corpora):
    got = samples(mirror_sql, "bionlp_st_2013_cg", "PMID-8633524")
    text = flat(corpora, "bionlp_st_2013_cg", "train", "PMID-8633524")
    assert text.startswith("Pancreatic somatostatin-secreting gangliocytic paraganglioma with lymph node metastases.  ")
    assert got == {
        "BioNLP-2013-CG": ("train", text, (
            "[Pancreatic <Organ>] [somatostatin <Gene_or_gene_product>] [gangliocytic paraganglioma <Cancer>] "
            "[lymph node <Multi-tissue_structure>] [Gangliocytic paraganglioma <Cancer>] [GPG <Cancer>] "
            "[lymph node <Multi-tissue_structure>] [pancreas <Organ>] [female <Organism>] "
            "[abdominal <Organism_subdivision>] [stomatostatin <Gene_or_gene_product>] [GPG <Cancer>] [GPG <Cancer>]")),
        "BioNLP-2013-CG-EE": ("train", text, (
            "[<Localization> secreting somatostatin] [<Metastasis> metastases gangliocytic paraganglioma] "
            "[<Metastasis> metastasis Gangliocytic paraganglioma] [<Positive_regulation> elevated stomatostatin]")),
        "BioNLP-2013-CG-COREF": ("train", text + "\n\nEntity: Gangliocytic paraganglioma", "[GPG]"),
    }


def test_ge_rendered_samples(mirror_sql, corpora):
    got = samples(mirror_sql, "bionlp_st_2013_ge", "PMC-2800179-18-Results")
    text = flat(corpora, "bionlp_st_2013_ge", "devel", "PMC-2800179-18-Results")
    assert text.startswith("Degraded CGN Induce an Increase in ICAM-1 and TNF-alpha mRNA Expression The increase")
    assert got == {
        "BioNLP-2013-GE": ("dev", text, "[ICAM-1 <Protein>] [TNF-alpha <Protein>] [ICAM-1 <Protein>] "
                                        "[TNF-alpha <Protein>] [ICAM-1 <Protein>] [TNF-alpha <Protein>] "
                                        "[beta-actin <Protein>]"),
        "BioNLP-2013-GE-EE": ("dev", text, (
            "[<Transcription> mRNA Expression ICAM-1] [<Transcription> mRNA Expression TNF-alpha] "
            "[<Gene_expression> expression ICAM-1] [<Gene_expression> production TNF-alpha] "
            "[<Positive_regulation> upregulation ICAM-1] [<Positive_regulation> upregulation TNF-alpha] "
            "[<Positive_regulation> increase ICAM-1] [<Positive_regulation> increase TNF-alpha] "
            "[<Regulation> affected beta-actin]")),
        "BioNLP-2013-GE-RE": ("dev", text, "[these molecules <Coreference> ICAM-1] "
                                           "[these molecules <Coreference> TNF-alpha]"),
    }
    coref = samples(mirror_sql, "bionlp_st_2013_ge", "PMC-3148254-13-Materials_and_Methods")["BioNLP-2013-GE-COREF"]
    text = flat(corpora, "bionlp_st_2013_ge", "train", "PMC-3148254-13-Materials_and_Methods")
    assert coref == ("train", text + "\n\nEntity: CD154", "[CD40 ligand]")
    # A caption; a test section has the given proteins only.
    assert samples(mirror_sql, "bionlp_st_2013_ge", "PMC-2065877-27-Caption-Table_1") == {
        "BioNLP-2013-GE": ("train", "Summary of Analysis Performed on Wild-Type and LMP1 Transgenic Lymphomas",
                           "[LMP1 <Protein>]"),
        "BioNLP-2013-GE-EE": ("train", "Summary of Analysis Performed on Wild-Type and LMP1 Transgenic Lymphomas",
                              "[<Gene_expression> Transgenic LMP1]"),
    }


def test_gro_rendered_samples(mirror_sql):
    text = "Human MyoD: cDNA and deduced amino acid sequence."
    assert samples(mirror_sql, "bionlp_st_2013_gro", "PMID-1850513") == {
        "BioNLP-2013-GRO": ("train", text, "[Human <Eukaryote>] [MyoD <Protein>] [cDNA <DNA>] "
                                           "[amino acid <AminoAcid>] [sequence <Sequence>]"),
        "BioNLP-2013-GRO-RE": ("train", text, "[MyoD <fromSpecies> Human]"),
    }
    assert samples(mirror_sql, "bionlp_st_2013_gro", "PMID-1614875") == {
        "BioNLP-2013-GRO": ("test", "A conserved family of genes related to the testis determining gene, SRY.",
                            "[genes <Gene>] [SRY <Gene>]"),
    }


def test_gro_relations_on_events_are_left_out(mirror_sql, raw):
    # locatedIn Arg1:E? (an event) is in the files; only entity-entity relations are written.
    rows = mirror_sql("select output from instructions where task = 'BioNLP-2013-GRO-RE'")
    written = sum(len(re.findall(r" <[A-Za-z]+> ", output)) for (output,) in rows)
    expected = sum(sum(1 for r in d["relations"] if set(r) <= entities(d))
                   for s in ("train", "dev") for d in raw["bionlp_st_2013_gro"][s].values())
    assert written == expected == 2030
    types = {t for (output,) in rows for t in re.findall(r" <([^<>]+)> ", output)}
    assert types == {"locatedIn", "hasPart", "fromSpecies", "encodes", "hasFunction"}


def test_pc_rendered_samples(mirror_sql, corpora):
    got = samples(mirror_sql, "bionlp_st_2013_pc", "PMID-14560958")
    text = flat(corpora, "bionlp_st_2013_pc", "train", "PMID-14560958")
    assert text.startswith("mTOR signaling to translation.  Over the past few years, the target of rapamycin (TOR)")
    assert got == {
        "BioNLP-2013-PC": ("train", text.strip(), "[mTOR <Gene_or_gene_product>] [target of rapamycin <Gene_or_gene_product>] "
                                          "[TOR <Gene_or_gene_product>] [TOR <Gene_or_gene_product>] "
                                          "[ribosomes <Cellular_component>]"),
        "BioNLP-2013-PC-EE": ("train", text.strip(), "[<Regulation> regulation ribosomes]"),
        "BioNLP-2013-PC-COREF": ("train", text + "\n\nEntity: target of rapamycin", "[TOR]"),
    }
