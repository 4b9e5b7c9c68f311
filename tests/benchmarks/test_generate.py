"""benchmarks.generate at a tiny size: exact row counts (checked against the pipeline), fresh ids in every copy,
MeDAL's marked abbreviation followed through the reshuffle, a registry the build accepts, a cached rerun."""

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from benchmarks.generate import (
    CORPORA,
    GENERATOR_VERSION,
    TEMPLATES,
    _digest,
    first_variant,
    generate,
    write_medal,
    write_mediqa_rqe,
    write_pubtator,
)
from flows.registry import load_checked_registry
from flows.settings import resolve
from transforms.pipeline import process_source
from warehouse.fetch import sha256_file, sha256_tree

pytestmark = pytest.mark.integration

ROWS = 3000
SEED = 7
# round(3000 x MedINST's share) rows for the four big corpora; one whole copy (its every split) of each small one.
EXPECTED = {
    "bench_medal": 1184, "bench_scielo": 1184, "bench_biomrc": 276, "bench_pqaa": 79,
    "bench_ncbi_disease": 792, "bench_bc5cdr": 3000, "bench_chemprot": 3957, "bench_mediqa_rqe": 9119,
    "bench_mqp": 3048, "bench_hoc": 17399,
}
# Processing these two takes several seconds a copy: their per-copy counts are checked by building a generation.
SLOW = {"bench_chemprot", "bench_bc5cdr"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory, corpora):
    work = tmp_path_factory.mktemp("bench")
    return work, generate(work, ROWS, corpora, SEED)


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_manifest_counts_every_row(generated):
    work, manifest = generated
    assert {k: manifest[k] for k in ("total_rows", "seed", "version")} == {
        "total_rows": ROWS, "seed": SEED, "version": GENERATOR_VERSION}
    assert {source: s["rows"] for source, s in manifest["sources"].items()} == EXPECTED
    assert manifest["rows"] == sum(EXPECTED.values()) == 40_038
    assert json.loads((work / "generated.json").read_text()) == manifest
    for source, s in manifest["sources"].items():
        files = [p for p in (work / "mirror" / source).rglob("*") if p.is_file()]
        assert s["bytes"] == sum(p.stat().st_size for p in files) > 0
    assert manifest["sources"]["bench_mediqa_rqe"]["quarantined"] == 1  # the template's empty <faq>, once a copy
    assert manifest["sources"]["bench_chemprot"]["category"] == "NER+RE"


def test_rows_as_the_pipeline_renders_them(generated, tmp_path):
    """Every generated row is one training instruction row: nothing dropped, deduplicated or quarantined."""
    work, manifest = generated
    registry = load_checked_registry(resolve(registry=[str(work / "registry")]))
    for source in sorted(set(EXPECTED) - SLOW):
        spec = registry[source]
        mirror = work / "mirror" / source
        # The build records digests on first fetch; here they are set by hand (rows carry them).
        files = [f.model_copy(update={"sha256": (sha256_tree if f.kind == "directory" else sha256_file)(mirror / f.path)})
                 for f in spec.files]
        splits = Counter()
        run = process_source(spec.model_copy(update={"files": files}), {f.path: mirror / f.path for f in files}, "t",
                             tmp_path / source, lambda rows: splits.update(rows["split"].to_list()))
        assert run.rows == splits["train"] == manifest["sources"][source]["rows"], source
        assert run.quarantine.height == manifest["sources"][source]["quarantined"], source


def test_registry_loads_with_the_shipped_one(generated):
    work, _ = generated
    registry = load_checked_registry(resolve(registry=[str(work / "registry")]))
    assert {c.source_id for c in CORPORA} <= set(registry)
    for corpus in CORPORA:
        spec = registry[corpus.source_id]
        template = yaml.safe_load((TEMPLATES / f"{corpus.template}.yaml").read_text())
        instructions = {t["name"]: " ".join(t["instruction"].split()) for t in template["tasks"]}
        assert spec.seeded_split is None and spec.availability is None
        assert all(f.split == "train" and f.role == "data" for f in spec.files)
        # Pinned: every file's digest declared, and right.
        assert all(f.sha256 == _digest(work / "mirror" / corpus.source_id / f.path) for f in spec.files)
        for task in spec.tasks:
            assert task.name.startswith("bench-") and task.splits == {"train": "train"} and not task.in_medinst
            assert " ".join(task.instruction.split()) == instructions[task.name.removeprefix("bench-")]


def test_medal_copies_follow_the_marked_abbreviation(generated, corpora):
    work, _ = generated
    original = read_csv(corpora / "medal" / "sample.csv")
    rows = read_csv(work / "mirror" / "bench_medal" / "sample.csv")
    assert len(rows) == EXPECTED["bench_medal"]
    ids_by_copy: dict[int, set] = {}
    for i, row in enumerate(rows):
        source = original[i % len(original)]
        words = row["TEXT"].split(" ")
        assert words[int(row["LOCATION"])] == source["TEXT"].split(" ")[int(source["LOCATION"])]
        assert row["LABEL"] == source["LABEL"]
        assert Counter(words) == Counter(source["TEXT"].split(" "))  # the same words, so the same size
        ids_by_copy.setdefault(i // len(original), set()).add(row["ABSTRACT_ID"])
    copies = list(ids_by_copy.values()) + [{r["ABSTRACT_ID"] for r in original}]
    assert sum(map(len, copies)) == len(set().union(*copies))  # no id in two copies, or in the original
    # One text per abstract and copy (the rows of an abstract share it), and no two copies' texts alike.
    copies_of_texts = {(i // len(original), original[i % len(original)]["TEXT"]) for i in range(len(rows))}
    assert len({row["TEXT"] for row in rows}) == len(copies_of_texts)
    assert len({(row["TEXT"], row["LOCATION"]) for row in rows}) == len(rows)


def test_big_corpora_have_fresh_ids_and_reshuffled_texts(generated, corpora):
    work, _ = generated
    mirror = work / "mirror"
    questions = [json.loads(line) for line in (mirror / "bench_biomrc" / "train.jsonl").read_text().splitlines()]
    medqa = [json.loads(line) for line in (corpora / "medqa" / "test.jsonl").read_text().splitlines()]
    assert len({q["realidx"] for q in questions} | {q["realidx"] for q in medqa}) == 276 + len(medqa)
    for q, source in zip(questions, medqa):
        assert isinstance(q["realidx"], int) and q["question"] != source["question"]
        assert sorted(q["question"].split()) == sorted(source["question"].split())
        assert {k: v for k, v in q.items() if k not in ("realidx", "question")} == {
            k: v for k, v in source.items() if k not in ("realidx", "question")}

    pairs = json.loads((mirror / "bench_pqaa" / "ori_pqaa.json").read_text(), object_pairs_hook=list)
    pqal = json.loads((corpora / "pubmedqa" / "ori_pqal.json").read_text())
    assert len({pmid for pmid, _ in pairs} | set(pqal)) == 79 + len(pqal)  # JSON keys unique, and all new
    for (_, record), source in zip(pairs, pqal.values()):
        record = dict(record)
        assert [sorted(c.split()) for c in record["CONTEXTS"]] == [sorted(c.split()) for c in source["CONTEXTS"]]
        assert record["final_decision"] == source["final_decision"]

    english = (mirror / "bench_scielo" / "train.en").read_text().splitlines()
    french = (mirror / "bench_scielo" / "train.fr").read_text().splitlines()
    assert len(english) == len(french) == 1184
    wmt = corpora / "wmt_biomed_fr_en"
    first = zip((wmt / "medline18_en2fr.en").read_text().splitlines(), (wmt / "medline18_en2fr.fr").read_text().splitlines())
    sentences = [(en, fr) for en, fr in first if not (en == fr and en in ("Title", "Abstract"))]  # markers not copied
    for en, fr, (source_en, source_fr) in zip(english, french, sentences):  # line i translates line i still
        assert sorted(en.split()) == sorted(source_en.split()) and sorted(fr.split()) == sorted(source_fr.split())


def test_small_corpora_copies_get_fresh_document_ids(tmp_path, corpora):
    spec = yaml.safe_load((TEMPLATES / "ncbi_disease.yaml").read_text())
    write_pubtator(corpora / "ncbi_disease", tmp_path / "ncbi", spec, 2, 0)
    pmids = [line.split("|")[0] for f in (tmp_path / "ncbi").iterdir() for line in f.read_text().splitlines()
             if "|t|" in line]
    originals = {line.split("|")[0] for f in (corpora / "ncbi_disease").glob("NCBI*") for line in
                 f.read_text().splitlines() if "|t|" in line}
    assert len(set(pmids)) == 2 * len(originals) and not set(pmids) & originals

    spec = yaml.safe_load((TEMPLATES / "mediqa_rqe.yaml").read_text())
    changes = write_mediqa_rqe(corpora / "mediqa_rqe", tmp_path / "rqe", spec, 2, 0)
    assert changes["max_quarantined"] == 2
    test_file = "MEDIQA2019-Task2-RQE-TestSet-wLabels.xml"
    pids = re.findall(r'<pair pid="([^"]*)"', (tmp_path / "rqe" / test_file).read_text())
    assert len(set(pids)) == len(pids) == 2 * 230


def test_cached_and_deterministic(generated, tmp_path, corpora):
    work, manifest = generated
    medal = work / "mirror" / "bench_medal" / "sample.csv"
    before = medal.stat().st_mtime_ns
    assert generate(work, ROWS, corpora, SEED) == manifest
    assert medal.stat().st_mtime_ns == before  # not written again

    spec = yaml.safe_load((TEMPLATES / "medal.yaml").read_text())
    lines = {}
    for seed in (SEED, SEED + 1):
        write_medal(corpora / "medal", tmp_path / str(seed), spec, 300, first_variant(seed))
        lines[seed] = (tmp_path / str(seed) / "sample.csv").read_text().splitlines()
    assert lines[SEED] == medal.read_text().splitlines()[: 300 + 1]  # the header and the first 300 rows
    assert lines[SEED + 1] != lines[SEED]
