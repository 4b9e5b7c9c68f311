"""The benchmark's baselines write exactly our rows: on small family shards of four real corpora (QA
multiple choice, QA yes/no, text classification with a seeded split, translation), each baseline's
output is compared with the rows our renderers give, row by row (benchmarks.baselines.same_rows).

Every case's shards also carry a repeated record (same uid: dropped), a record with a blank output
(dropped) and a record of a split the task does not map (dropped), so that every baseline's filters
and dedupe are exercised."""

import dataclasses
import hashlib
import json
from pathlib import Path

import polars as pl
import pytest

from benchmarks.baselines import (
    COLUMNS,
    TaskContext,
    datasets_map,
    polars_copy,
    pyarrow_write,
    python_loop_jsonl,
    run_isolated,
    same_rows,
)
from schemas.instructions import POLARS_SCHEMA
from schemas.registry import load_source
from transforms.pipeline import parse_family
from transforms.render import RENDERERS

REPO = Path(__file__).resolve().parents[2]
ROWS = 200

CASES = {  # source -> its task
    "medqa": "MedQA",
    "pubmedqa": "PubMedQA-labeled",
    "medal": "MeDAL",
    "wmt_biomed_fr_en": "WMT-Biomed-Medline-en2fr",  # its fr2en rows are a split this task does not map
}

FIRST_MEDQA_INPUT = (
    "Question: A junior orthopaedic surgery resident is completing a carpal tunnel repair with the department "
    "chairman as the attending physician. During the case, the resident inadvertently cuts a flexor tendon. The "
    "tendon is repaired without complication. The attending tells the resident that the patient will do fine, and "
    "there is no need to report this minor complication that will not harm the patient, as he does not want to "
    "make the patient worry unnecessarily. He tells the resident to leave this complication out of the operative "
    "report. Which of the following is the correct next action for the resident to take?\n"
    "Options:\n"
    "A. Disclose the error to the patient and put it in the operative report\n"
    "B. Tell the attending that he cannot fail to disclose this mistake\n"
    "C. Report the physician to the ethics committee\n"
    "D. Refuse to dictate the operative report"
)


def _blank_output(row: dict) -> dict:
    """The record changed so that its rendered output is blank."""
    if "answer" in row:
        choices = row["choices"] + [" "] if row["type"] == "multiple_choice" else row["choices"]
        return {**row, "choices": choices, "answer": [" "]}
    if "labels" in row:
        return {**row, "labels": [" "]}
    return {**row, "text_2": " "}


def _family_sample(spec, corpora: Path) -> pl.DataFrame:
    spec = spec.model_copy(update={"files": [f for f in spec.files if not f.optional]})  # the mirror's files
    family = parse_family(spec, {f.path: corpora / spec.id / f.path for f in spec.files})
    sample = family.gather_every(max(1, family.height // ROWS)).head(ROWS)  # spread over the source's splits
    first = sample.row(0, named=True)
    extra = [
        {**first, "id": "bench-repeat"},  # same document, split and text: the same uid as the first row
        {**_blank_output(first), "id": "bench-blank", "document_id": "bench-blank"},
        {**first, "id": "bench-unmapped", "document_id": "bench-unmapped", "split": "not_a_split"},
    ]
    return pl.concat([sample, pl.DataFrame(extra, schema=sample.schema)])


def _ours(family: pl.DataFrame, ctx: TaskContext) -> pl.DataFrame:
    """Our rows: the pipeline's renderer, then the instruction row's rules (split map, blank outputs, uid, dedupe)."""
    mapped = family.filter(pl.col("split").is_in(list(ctx.splits))).with_columns(
        pl.col("split").replace_strict(ctx.splits, return_dtype=pl.Utf8))
    rendered = RENDERERS[ctx.renderer].render(mapped, ctx.options)
    rows = []
    for r in rendered.filter(pl.col("output").str.strip_chars() != "").iter_rows(named=True):
        key = "\x1f".join([ctx.source, r["document_id"], ctx.task, r["split"], r["input"], r["output"]])
        rows.append({
            "uid": hashlib.sha256(key.encode("utf-8")).hexdigest(), "task": ctx.task, "category": ctx.category,
            "source": ctx.source, "split": r["split"], "instruction": ctx.instruction, "input": r["input"],
            "output": r["output"], "history": [], "license": ctx.license,
            "source_sha256": ctx.sha_by_file.get(r["source_file"]), "doc_id": r["document_id"],
            "pipeline_version": ctx.version,
        })
    return pl.DataFrame(rows, schema=POLARS_SCHEMA).unique("uid", keep="first", maintain_order=True)


@pytest.fixture(scope="module", params=list(CASES))
def case(request, corpora, tmp_path_factory):
    """(context, family shards, our rows as Parquet, our rows, the family) for one source."""
    spec = load_source(REPO / "sources" / f"{request.param}.yaml")
    ctx = TaskContext.from_spec(spec, CASES[request.param], version="test")
    family = _family_sample(spec, corpora)
    folder = tmp_path_factory.mktemp(request.param)
    half = family.height // 2
    shards = [folder / "family-0.parquet", folder / "family-1.parquet"]
    family.head(half).write_parquet(shards[0])
    family.slice(half).write_parquet(shards[1])
    ours = _ours(family, ctx)
    ours.write_parquet(folder / "ours.parquet")
    return ctx, shards, folder / "ours.parquet", ours, family


def test_our_rows_drop_the_repeat_the_blank_and_the_unmapped(case):
    ctx, _, _, ours, family = case
    mapped = family.filter(pl.col("split").is_in(list(ctx.splits))).height
    assert ours.height == mapped - 2  # the repeated record and the blank one
    assert "bench-blank" not in ours["doc_id"] and "bench-unmapped" not in ours["doc_id"]
    assert set(ours["split"]) <= {"train", "dev", "test"}
    assert ours["source_sha256"].null_count() == 0


@pytest.mark.parametrize("batched", [False, True], ids=["per_example", "batched"])
def test_datasets_map_gives_our_rows(case, batched, tmp_path):
    ctx, shards, ours_file, ours, _ = case
    result = datasets_map(shards, ctx, tmp_path / "out.parquet", batched=batched)
    assert result["rows"] == ours.height
    assert set(result["stages"]) >= {"from_parquet", "map", "dedupe", "to_parquet"}
    assert same_rows(tmp_path / "out.parquet", ours_file) == (True, same_rows(ours_file, ours_file)[1])
    assert pl.read_parquet(tmp_path / "out.parquet").schema == pl.Schema(POLARS_SCHEMA)


def test_python_loop_gives_our_rows(case, tmp_path):
    ctx, shards, ours_file, ours, _ = case
    result = python_loop_jsonl(shards, ctx, tmp_path / "out.jsonl")
    assert result["rows"] == ours.height
    ok, why = same_rows(tmp_path / "out.jsonl", ours_file)
    assert ok, why


def test_polars_copy_copies_the_shards_unchanged(case, tmp_path):
    _, shards, _, _, family = case
    result = polars_copy(shards, tmp_path / "copy.parquet")
    assert result["rows"] == family.height
    assert pl.read_parquet(tmp_path / "copy.parquet").equals(family)


def test_pyarrow_write_rewrites_our_rows(case, tmp_path):
    _, _, ours_file, ours, _ = case
    result = pyarrow_write([ours_file], tmp_path / "written.parquet")
    assert result["rows"] == ours.height
    assert pl.read_parquet(tmp_path / "written.parquet").equals(ours)


def test_result_reports_time_and_memory(case, tmp_path):
    ctx, shards, _, ours, _ = case
    result = python_loop_jsonl(shards, ctx, tmp_path / "out.jsonl")
    assert set(result) >= {"name", "rows", "seconds", "rows_per_s", "peak_rss_mib"}
    # rows_per_s is computed before `seconds` is rounded to 0.1 ms
    assert result["seconds"] > 0 and result["rows_per_s"] == pytest.approx(ours.height / result["seconds"], rel=0.05)
    assert result["peak_rss_mib"] >= result["rss_before_mib"] > 0


def test_first_medqa_row_is_rendered_as_written(corpora, tmp_path):
    spec = load_source(REPO / "sources" / "medqa.yaml")
    ctx = TaskContext.from_spec(spec, "MedQA")
    family = _family_sample(spec, corpora)
    family.write_parquet(tmp_path / "family.parquet")
    python_loop_jsonl([tmp_path / "family.parquet"], ctx, tmp_path / "out.jsonl")
    first = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["input"] == FIRST_MEDQA_INPUT
    assert first["output"] == "Tell the attending that he cannot fail to disclose this mistake"
    ours = _ours(family, ctx).row(0, named=True)
    assert (ours["input"], ours["output"], ours["uid"]) == (first["input"], first["output"], first["uid"])


def test_each_baseline_runs_in_its_own_process(tmp_path):
    """The command line path run_isolated takes: a child's own figures, as one JSON line."""
    family = pl.DataFrame({
        "id": ["a", "b"], "document_id": ["d1", "d2"], "split": ["train", "train"], "source_file": ["f.tsv"] * 2,
        "source_line": [1, 2], "text_1": ["Bonjour", "Merci"], "text_2": ["Hello", "Thanks"],
        "text_1_name": ["fr"] * 2, "text_2_name": ["en"] * 2,
    })
    family.write_parquet(tmp_path / "family.parquet")
    ctx = TaskContext(source="toy", task="Toy-fr2en", category="TRANSL", instruction="Translate.",
                      license="CC0", renderer="t2t_v1", options={"prefix": "French: "}, splits={"train": "train"},
                      sha_by_file={"f.tsv": "0" * 64})
    result = run_isolated("python_loop_jsonl", [tmp_path / "family.parquet"], tmp_path / "out.jsonl", ctx)
    assert result["name"] == "python_loop_jsonl" and result["rows"] == 2
    assert 0 < result["rss_before_mib"] <= result["peak_rss_mib"] < 1024
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["input"] for r in rows] == ["French: Bonjour", "French: Merci"]
    assert rows[0]["source_sha256"] == "0" * 64 and rows[0]["history"] == []


def test_same_rows_names_the_first_difference(tmp_path):
    rows = pl.DataFrame({c: [f"{c}-1", f"{c}-2"] for c in ("uid", "input", "output", "task")})
    rows.write_parquet(tmp_path / "a.parquet")
    rows.with_columns(output=pl.Series(["output-1", "other"])).write_parquet(tmp_path / "b.parquet")
    rows.head(1).write_parquet(tmp_path / "c.parquet")
    assert same_rows(tmp_path / "a.parquet", [tmp_path / "a.parquet"])[0]
    ok, why = same_rows(tmp_path / "a.parquet", tmp_path / "b.parquet")
    assert not ok and why.startswith("output differs for 1 uid(s), e.g. uid-2")
    ok, why = same_rows(tmp_path / "a.parquet", tmp_path / "c.parquet")
    assert not ok and why.startswith("uids differ: 1 only in a, 0 only in b")
    pl.concat([rows, rows.head(1)]).write_parquet(tmp_path / "d.parquet")
    ok, why = same_rows(tmp_path / "d.parquet", tmp_path / "a.parquet")
    assert not ok and "repeats 1 uid" in why


def test_context_from_the_registry():
    spec = load_source(REPO / "sources" / "medqa.yaml")
    ctx = TaskContext.from_spec(spec, "MedQA", version="v9")
    assert (ctx.source, ctx.category, ctx.renderer, ctx.options, ctx.splits) == (
        "medqa", "QA", "qa_v1", {"answer_style": "text"}, {"train": "train", "dev": "dev", "test": "test"})
    assert ctx.instruction == spec.tasks[0].instruction.strip() and ctx.version == "v9"
    assert ctx.sha_for("test.jsonl") == next(f.sha256 for f in spec.files if f.path == "test.jsonl") and ctx.sha_for("other.jsonl") is None
    folder = dataclasses.replace(ctx, sha_by_file={"docs": "1" * 64})
    assert folder.sha_for("docs/a/b.txt") == "1" * 64 and folder.sha_for("docs2/x") is None


def test_columns_are_the_instruction_schema():
    assert COLUMNS == list(POLARS_SCHEMA)
