"""One source, end to end and in memory: parse, split, validate, render, validate again."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from schemas.errors import SourceError
from schemas.families import MODELS
from schemas.instructions import POLARS_SCHEMA, InstructionRow
from schemas.registry import SourceSpec, TaskSpec
from transforms.parsers import PARSERS, InputFile, family_of
from transforms.render import RENDERERS
from transforms.splits import apply_split_ids, read_split_ids, seeded_split
from transforms.validate import empty_quarantine, partition

STATS_SCHEMA = {
    "source": pl.Utf8, "task": pl.Utf8, "split": pl.Utf8, "step": pl.Utf8, "reason": pl.Utf8, "rows": pl.Int64,
}


@dataclass
class SourceOutput:
    instructions: pl.DataFrame  # rows of schemas.instructions.POLARS_SCHEMA
    quarantine: pl.DataFrame  # rows of transforms.validate.QUARANTINE_SCHEMA
    stats: pl.DataFrame  # rows of STATS_SCHEMA: what each step kept and dropped, and why


def _uid(row: str) -> str:
    return hashlib.sha256(row.encode("utf-8")).hexdigest()


def _sha_of_file(spec: SourceSpec) -> pl.Expr:
    """The declared sha256 of the file (or folder) each record came from."""
    expr = pl.lit(None, pl.Utf8)
    for f in spec.files:
        came_from = (pl.col("source_file") == f.path) | pl.col("source_file").str.starts_with(f.path + "/")
        expr = pl.when(came_from).then(pl.lit(f.sha256)).otherwise(expr)
    return expr


def _task_rows(family: pl.DataFrame, spec: SourceSpec, task: TaskSpec, version: str, stat) -> pl.DataFrame:
    mapped = family.filter(pl.col("split").is_in(list(task.splits)))
    stat(task.name, "split", "split_not_mapped", family.height - mapped.height)
    mapped = mapped.with_columns(pl.col("split").replace_strict(task.splits, return_dtype=pl.Utf8))
    rendered = RENDERERS[task.renderer.name].render(mapped, task.renderer.options)
    # MedINST's rule for extraction tasks: a sample with nothing to extract is not a sample.
    kept = rendered.filter(pl.col("output").str.strip_chars() != "")
    stat(task.name, "render", "nothing_to_extract", rendered.height - kept.height)
    key = pl.concat_str(
        [pl.lit(spec.id), "document_id", pl.lit(task.name), "split", "input", "output"], separator="\x1f"
    )
    rows = kept.select(
        uid=key.map_elements(_uid, return_dtype=pl.Utf8),
        task=pl.lit(task.name),
        category=pl.lit(task.category),
        source=pl.lit(spec.id),
        split="split",
        instruction=pl.lit(task.instruction.strip()),
        input="input",
        output="output",
        history=pl.lit([], dtype=POLARS_SCHEMA["history"]),
        license=pl.lit(spec.license),
        source_sha256=_sha_of_file(spec),
        doc_id="document_id",
        pipeline_version=pl.lit(version),
        source_file="source_file",
        source_line="source_line",
    )
    unique = rows.unique("uid", keep="first", maintain_order=True)
    stat(task.name, "dedupe", "duplicate_uid", rows.height - unique.height)
    return unique


def parse_family(spec: SourceSpec, local: dict[str, Path]) -> pl.DataFrame:
    """The source's family table, with every record's split assigned."""
    data = [InputFile(local[f.path], f.path, f.split) for f in spec.files if f.role == "data"]
    family = PARSERS[spec.parser.name].parse(data, spec.parser.options, spec.id)
    ids = {f.split: read_split_ids(local[f.path], f.path, spec.id) for f in spec.files if f.role == "split_ids"}
    if ids:
        family = apply_split_ids(family, ids)
    if spec.seeded_split:
        s = spec.seeded_split
        family = seeded_split(family, s.seed, s.unit, s.sizes, s.group_pattern)
    return family


def process_source(spec: SourceSpec, local: dict[str, Path], version: str) -> SourceOutput:
    """Everything a source yields, given its fetched files (declared path -> local path)."""
    stats: list[tuple] = []

    def stat(task: str | None, step: str, reason: str, rows: int, split: str | None = None) -> None:
        if rows:
            stats.append((spec.id, task, split, step, reason, rows))

    family = parse_family(spec, local)
    stat(None, "parse", "records", family.height)
    model = MODELS[family_of(spec.parser.name, spec.parser.options)]
    family, quarantined = partition(family, model, source=spec.id, task=None, stage="family")
    stat(None, "validate", "quarantined", quarantined.height)

    frames, quarantines = [], [quarantined]
    for task in (t for t in spec.tasks if not t.availability):
        rows = _task_rows(family, spec, task, version, stat)
        valid, bad = partition(rows, InstructionRow, source=spec.id, task=task.name, stage="instructions",
                               id_col="uid")
        stat(task.name, "validate", "quarantined", bad.height)
        for split, n in valid.group_by("split").len().sort("split").iter_rows():
            stat(task.name, "publish", "rows", n, split)
        frames.append(valid.select(list(POLARS_SCHEMA)))
        quarantines.append(bad)
    return SourceOutput(
        instructions=pl.concat(frames) if frames else pl.DataFrame(schema=POLARS_SCHEMA),
        quarantine=pl.concat(quarantines) if quarantines else empty_quarantine(),
        stats=pl.DataFrame(stats, schema=STATS_SCHEMA, orient="row"),
    )


def check_quarantine(spec: SourceSpec, output: SourceOutput) -> None:
    """Fail the source when more rows were quarantined than its registry entry allows."""
    q = output.quarantine
    if q.height <= spec.max_quarantined:
        return
    first = q.row(0, named=True)
    raise SourceError(
        spec.id,
        f"{q.height} row(s) failed validation (allowed: {spec.max_quarantined}); first: "
        f"{first['reason']} in record {first['record_id']}",
        first["file"],
        first["line"],
    )
