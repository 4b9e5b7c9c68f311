"""The mirror's brat corpora (AnEM, SETH, Verspoor-2013, Chia, BioNLP-2019-BB) built from the mirror: every
task's rows per split, derived from the raw files with plain Python and checked against Table 11, and the
exact rendered strings of a short record of each."""

import re
import zipfile

import pytest

pytestmark = pytest.mark.integration

SOURCES = ("an_em", "seth_corpus", "verspoor_2013", "chia", "bionlp_st_2019_bb")
T_LINE, R_LINE = re.compile(r"^T\S*\t(\S+) "), re.compile(r"^R\S*\t(\S+) ")


def types(ann: str, line: re.Pattern) -> list[str]:
    """The types of the ann text's T (or R) lines."""
    return [m.group(1) for m in map(line.match, ann.split("\n")) if m]


def sizes(mirror_counts, task: str) -> tuple[int, int, int]:
    return tuple(mirror_counts.get((task, split), 0) for split in ("train", "dev", "test"))


def test_nothing_of_these_sources_is_quarantined(mirror_sql):
    names = ", ".join(f"'{s}'" for s in SOURCES)
    assert mirror_sql(f"select count(*) from quarantine where source in ({names})") == [(0,)]


# AnEM: the release's split lists; MedINST's NER dev and test are the other way round from RE and COREF.
def test_an_em_every_task_per_split(mirror_counts, corpora):
    root = corpora / "an_em"
    lists = {name: (root / name).read_text().split() for name in
             ("development/train-files.list", "development/test-files.list", "test/test-files.list")}
    anns = {name: [(root / "standoff" / f"{doc}.ann").read_text(encoding="utf-8") for doc in ids]
            for name, ids in lists.items()}
    train, held, test = anns.values()
    with_entities = [sum(bool(types(a, T_LINE)) for a in docs) for docs in (train, test, held)]
    with_relations = [sum(bool(types(a, R_LINE)) for a in docs) for docs in (train, held, test)]
    equivs = [sum(line.startswith("*\tEquiv ") for a in docs for line in a.split("\n")) for docs in (train, held, test)]
    assert sizes(mirror_counts, "AnEM") == tuple(with_entities) == (164, 137, 30)
    assert sizes(mirror_counts, "AnEM-RE") == tuple(with_relations) == (22, 5, 13)
    assert sizes(mirror_counts, "AnEM-COREF") == tuple(equivs) == (10, 2, 14)


@pytest.mark.parametrize(
    "task, doc_id, split, text, output",
    [
        ("AnEM", "PMC-2984323-caption-02", "train", "Characteristics of fistula lesions",
         "[fistula lesions <Pathological_formation>]"),
        ("AnEM", "PMC-1112599-caption-08", "dev",
         "The most highly represented gene ontology themes in the neurosphere vs. differentiated cells comparison (F-G).",
         "[neurosphere <Cell>] [differentiated cells <Cell>]"),
        ("AnEM-RE", "PMC-1112599-caption-08", "test",
         "The most highly represented gene ontology themes in the neurosphere vs. differentiated cells comparison (F-G).",
         "[neurosphere <frag> differentiated cells]"),
        ("AnEM-COREF", "PMID-15528872", "train",
         "Thiazole orange positive platelets in a dog with Evans' syndrome. We examined transition for the percentage "
         "of reticulated platelets (RP%) and platelet count in a canine case of Evans' syndrome. The result "
         "demonstrated that measurement of the RP% can be useful in evaluating platelet production in the bone "
         "marrow and response to treatment.\n\nEntity: reticulated platelets", "[RP]"),
        ("SETH", "11139269", "train", "A novel polymorphism (-88 C>A) in the 5' UTR of the p53R2 gene.",
         "[-88 C>A <SNP>] [p53R2 <Gene>]"),
        ("SETH-RE", "11139269", "train", "A novel polymorphism (-88 C>A) in the 5' UTR of the p53R2 gene.",
         "[-88 C>A <AssociatedTo> p53R2]"),
        ("Verspoor-2013", "2386495-04-Results-p05", "train",
         "** IGNORE LINE ** ** IGNORE LINE ** ** IGNORE LINE ** Pedigree presenting a part of family 1 of the Swedish "
         "Polyposis Registry. Family members where positive linkage to APC has been confirmed are indicated with "
         "asterisks.",
         "[family 1 <cohort-patient>] [Swedish <ethnicity>] [Polyposis <disease>] [Family <cohort-patient>] "
         "[APC <gene>]"),
        ("Verspoor-2013-RE", "2386495-04-Results-p05", "train", None, "[family 1 <has> Swedish] [family 1 <has> Polyposis]"),
        # CRLF text (each CR read as a space), and a Scope over a line break whose written text goes on over the
        # next .ann line (multiline_text)
        ("CHIA", "NCT02939209_inc", "train",
         "Age 18-65  scheduled to receive ISB and general anesthesia as a day surgery patient for rotator cuff repair "
         "and acromioplasty, as a part of planned routine care",  # the final CR-LF trimmed
         "[Age <Person>] [Age 18-65 scheduled to receive ISB and general anesthesia <Scope>] [18-65 <Value>] "
         "[ISB <Procedure>] [ISB and general anesthesia <Scope>] [general anesthesia <Procedure>] "
         "[day surgery <Qualifier>] [rotator cuff repair <Procedure>] [rotator cuff repair and acromioplasty <Scope>] "
         "[acromioplasty <Procedure>]"),
        ("CHIA-RE", "NCT02939209_inc", "train", None,
         "[Age <Has_value> 18-65] [rotator cuff repair and acromioplasty <Has_scope> ISB and general anesthesia] "
         "[rotator cuff repair and acromioplasty <Has_qualifier> day surgery]"),
        ("BioNLP-2019-BB", "BB-rel-9564489", "train",
         "Gingivomandibular infection due to Mycobacterium kansasii in a patient with AIDS.",
         "[Gingivomandibular <Habitat>] [Mycobacterium kansasii <Microorganism>] [patient with AIDS <Habitat>]"),
        ("BioNLP-2019-BB-RE", "BB-rel-9564489", "train",
         "Gingivomandibular infection due to Mycobacterium kansasii in a patient with AIDS.",
         "[Mycobacterium kansasii <Lives_In> Gingivomandibular] [Mycobacterium kansasii <Lives_In> patient with AIDS]"),
    ],
)
def test_a_record_as_rendered(mirror_sql, task, doc_id, split, text, output):
    rows = mirror_sql(f"select split, input, output from instructions where task = '{task}' and doc_id = '{doc_id}'")
    assert len(rows) == 1
    assert (rows[0][0], rows[0][2]) == (split, output)
    if text is not None:
        assert rows[0][1] == text


# SETH: one abstract a line of corpus.txt, its annotations in annotations/<PMID>.ann; all training data.
def test_seth_every_task(mirror_counts, corpora):
    root = corpora / "seth_corpus"
    pmids = [line.split("\t")[0] for line in root.joinpath("corpus.txt").read_text(encoding="utf-8").splitlines()]
    anns = [(root / "annotations" / f"{pmid}.ann").read_text(encoding="utf-8") for pmid in pmids]
    assert sizes(mirror_counts, "SETH") == (sum(bool(types(a, T_LINE)) for a in anns), 0, 0) == (433, 0, 0)
    assert sizes(mirror_counts, "SETH-RE") == (sum(bool(types(a, R_LINE)) for a in anns), 0, 0) == (212, 0, 0)


def test_seth_bare_e_lines_leave_their_snp_mentions_entities(mirror_sql, corpora):
    ann = (corpora / "seth_corpus" / "annotations" / "11058905.ann").read_text(encoding="utf-8")
    assert sum(line.startswith("E") for line in ann.split("\n")) == 7
    [(output,)] = mirror_sql("select output from instructions where task = 'SETH' and doc_id = '11058905'")
    assert output.count("<SNP>") == types(ann, T_LINE).count("SNP") == 11


def test_verspoor_every_task(mirror_counts, corpora):
    anns = [p.read_text(encoding="utf-8") for p in sorted((corpora / "verspoor_2013" / "annotations").glob("*.ann"))]
    assert len(anns) == 120
    assert sizes(mirror_counts, "Verspoor-2013") == (sum(bool(types(a, T_LINE)) for a in anns), 0, 0) == (117, 0, 0)
    assert sizes(mirror_counts, "Verspoor-2013-RE") == (sum(bool(types(a, R_LINE)) for a in anns), 0, 0) == (114, 0, 0)


CHIA_TYPES = {"Condition", "Device", "Drug", "Measurement", "Observation", "Person", "Procedure", "Visit", "Temporal",
              "Value", "Scope", "Negation", "Multiplier", "Qualifier", "Reference_point", "Mood"}
CHIA_RELATIONS = {"AND", "OR", "Subsumes", "Has_negation", "Has_multiplier", "Has_qualifier", "Has_value",
                  "Has_temporal", "Has_index", "Has_mood", "Has_context", "Has_scope"}


def chia_files(corpora) -> dict[str, str]:
    with zipfile.ZipFile(corpora / "chia" / "chia_with_scope.zip") as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith((".ann", ".txt"))}


def test_chia_every_task(mirror_counts, corpora):
    anns = [text for name, text in chia_files(corpora).items() if name.endswith(".ann")]
    assert len(anns) == 2000
    assert sizes(mirror_counts, "CHIA") == (sum(bool(CHIA_TYPES & set(types(a, T_LINE))) for a in anns), 0, 0) \
        == (1932, 0, 0)
    assert sizes(mirror_counts, "CHIA-RE") == (sum(bool(CHIA_RELATIONS & set(types(a, R_LINE))) for a in anns), 0, 0) \
        == (1876, 0, 0)


def test_chia_texts_that_differ_from_their_offsets_are_the_ones_the_registry_names(mirror_sql, corpora):
    files = chia_files(corpora)
    differ = {}
    for name, ann in files.items():
        if not name.endswith(".ann"):
            continue
        text = files[name.removesuffix(".ann") + ".txt"]  # raw: the offsets count the CRs
        lines = ann.split("\n") + [""]
        for line, after in zip(lines, lines[1:]):
            if T_LINE.match(line):
                ident, head, written = line.split("\t")[:3]
                spans = [[int(n) for n in part.split()] for part in head.split(" ", 1)[1].split(";")]
                own = " ".join(text[s:e] for s, e in spans)
                if own != written:  # a text going on over the next line: that line has no `ID<TAB>`
                    kind = "cr" if own == written + "\r" else "multiline" if after and "\t" not in after else "slip"
                    differ.setdefault(kind, []).append(f"{name.split('/')[-1].removesuffix('.ann')}:{ident}")
    assert {k: len(v) for k, v in differ.items()} == {"cr": 14, "multiline": 6, "slip": 1}
    assert differ["slip"] == ["NCT03460002_inc:T5"]
    # read from their offsets (read_from_offsets): the slip, and two mentions followed by stray lines
    for doc, item in [("NCT03460002_inc", "[Demographic Surveillance Site <Visit>]"),
                      ("NCT02739295_exc", "[peripheral arterial disease <Condition>]"),
                      ("NCT02590822_exc", "[angina <Condition>]")]:
        [(output,)] = mirror_sql(f"select output from instructions where task = 'CHIA' and doc_id = '{doc}'")
        assert item in output
    # a mention ending on a CR, rendered without it
    [(output,)] = mirror_sql("select output from instructions where task = 'CHIA' and doc_id = 'NCT01352598_inc'")
    assert "[prostate cancer <Condition>]" in output


def test_chia_or_groups_are_not_relations(mirror_sql):
    # 4,964 `*` OR groups are not read (see sources/chia.yaml); OR comes only from the 7 `R` OR lines
    [(n,)] = mirror_sql("select sum(len(regexp_extract_all(output, '<OR>'))) from instructions where task = 'CHIA-RE'")
    assert n == 7


def bb_members(corpora) -> dict[str, dict[str, str]]:
    """split -> member name -> text, without the __MACOSX debris."""
    out = {}
    for split in ("train", "dev"):
        with zipfile.ZipFile(corpora / "bionlp_st_2019_bb" / f"BioNLP-OST-2019_BB-rel_{split}.zip") as z:
            out[split] = {n: z.read(n).decode("utf-8") for n in z.namelist()
                          if not n.startswith("__MACOSX") and n.endswith((".a1", ".a2"))}
    return out


def test_bionlp_2019_bb_every_task(mirror_counts, mirror_sql, corpora):
    members = bb_members(corpora)
    ner = [sum(bool(set(types(t, T_LINE)) - {"Title", "Paragraph"}) for n, t in members[s].items() if n.endswith(".a1"))
           for s in ("train", "dev")]
    rel = [sum(bool(types(t, R_LINE)) for n, t in members[s].items() if n.endswith(".a2")) for s in ("train", "dev")]
    assert sizes(mirror_counts, "BioNLP-2019-BB") == (*ner, 0) == (125, 64, 0)  # Table 11: 132 / 66 (sizes_note)
    assert sizes(mirror_counts, "BioNLP-2019-BB-RE") == (*rel, 0) == (121, 59, 0)
    # NED reads the BB-norm archives, optional manual downloads the mirror does not hold
    assert sizes(mirror_counts, "BioNLP-2019-BB-NED") == (0, 0, 0)
    # its rows come from the BB-norm files, manual downloads: without them it has none
    assert mirror_sql("select status from tasks where task = 'BioNLP-2019-BB-NED'") == [("skipped",)]
    # section markers are no entities
    assert mirror_sql("select count(*) from instructions where task = 'BioNLP-2019-BB' "
                      "and (output like '%<Title>%' or output like '%<Paragraph>%')") == [(0,)]
