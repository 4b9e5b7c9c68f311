"""One source, end to end, a bounded batch at a time: parse, validate, split, render, validate again, write.

The parser yields the family table in batches; each batch is validated, rendered for every task,
validated again and handed to the caller's `write_part`. Memory stays bounded by the batch, whatever
the corpus's size: only the ids and uids kept so far (16 bytes each) grow with it. A seeded split
needs every record's unit before it can deal them out, so such a source's batches wait in Parquet
shards on disk until the parse is done.
"""

import hashlib
import resource
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from schemas.errors import SourceError
from schemas.families import MODELS
from schemas.instructions import POLARS_SCHEMA, InstructionRow
from schemas.registry import SourceSpec, TaskSpec
from transforms.clean import repair
from transforms.parsers import PARSERS, InputFile, family_of
from transforms.render import RENDERERS
from transforms.splits import (
    apply_seeded,
    apply_split_ids,
    read_split_ids,
    seeded_assignment,
    seeded_split,
    unit_key,
)
from transforms.validate import QUARANTINE_SCHEMA, partition

STATS_SCHEMA = {
    "source": pl.Utf8, "task": pl.Utf8, "split": pl.Utf8, "step": pl.Utf8, "reason": pl.Utf8, "rows": pl.Int64,
}
STEPS = ("parse", "split", "render", "validate", "write")
# Family rows rendered, validated and written together: a Pandera call costs ~45 ms whatever its size (a
# few dozen Polars collects), so a parser's pieces (16 MB of CSV, 50,000 records) are gathered into fewer,
# larger batches. The budget bounds the memory this adds (a batch's rendered rows are a few times its size).
RENDER_BATCH_BYTES = 32 << 20


@dataclass
class SourceRun:
    rows: int  # instruction rows handed to `write_part`
    quarantine: pl.DataFrame  # rows of transforms.validate.QUARANTINE_SCHEMA
    stats: pl.DataFrame  # rows of STATS_SCHEMA: what each step kept and dropped, and why
    timings: list[dict]  # per step: seconds, rows, and the process's peak RSS (MiB) when it last ended


def peak_rss_mib() -> float:
    """This process's peak resident set so far, in MiB: Linux's VmHWM, which (unlike getrusage's
    ru_maxrss) does not carry over the peak of the process that started this one; ru_maxrss elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Clock:
    """Wall time and rows per step, summed over batches."""

    def __init__(self) -> None:
        self.seconds: Counter = Counter()
        self.rows: Counter = Counter()
        self.peak: dict[str, float] = {}

    @contextmanager
    def step(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start
            self.peak[name] = peak_rss_mib()

    def report(self) -> list[dict]:
        return [{"step": s, "seconds": round(self.seconds[s], 4), "rows": self.rows[s],
                 "peak_rss_mib": round(self.peak.get(s, 0.0), 1)} for s in STEPS if s in self.peak]


class _Stats:
    def __init__(self, source: str) -> None:
        self.source, self.counts = source, Counter()

    def __call__(self, task: str | None, step: str, reason: str, rows: int, split: str | None = None) -> None:
        if rows:
            self.counts[(task, split, step, reason)] += rows

    def frame(self) -> pl.DataFrame:
        rows = [(self.source, task, split, step, reason, n) for (task, split, step, reason), n in self.counts.items()]
        return pl.DataFrame(rows, schema=STATS_SCHEMA, orient="row")


class _KeptUids:
    """The uids a task has kept so far, as sorted 128-bit prefixes (two uint64 arrays): 16 bytes a row,
    so that a repeat in a later batch is found without holding millions of 64-character strings."""

    def __init__(self) -> None:
        self.high = np.empty(0, np.uint64)
        self.low = np.empty(0, np.uint64)

    @staticmethod
    def halves(uids: pl.Series) -> tuple[np.ndarray, np.ndarray]:
        return tuple(uids.str.slice(i, 16).str.to_integer(base=16, dtype=pl.UInt64).to_numpy() for i in (0, 16))

    def seen(self, high: np.ndarray, low: np.ndarray) -> np.ndarray:
        left, right = np.searchsorted(self.high, high, "left"), np.searchsorted(self.high, high, "right")
        seen = np.zeros(len(high), bool)
        for i in np.flatnonzero(right > left):  # the first 64 bits seen before: compare the next 64
            seen[i] = bool((self.low[left[i]:right[i]] == low[i]).any())
        return seen

    def add(self, high: np.ndarray, low: np.ndarray) -> None:
        order = np.argsort(high, kind="stable")
        at = np.searchsorted(self.high, high[order])
        self.high, self.low = np.insert(self.high, at, high[order]), np.insert(self.low, at, low[order])


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
    """A batch of the family rendered as the task's instruction rows, each with its uid."""
    mapped = family.filter(pl.col("split").is_in(list(task.splits)))
    stat(task.name, "split", "split_not_mapped", family.height - mapped.height)
    mapped = mapped.with_columns(pl.col("split").replace_strict(task.splits, return_dtype=pl.Utf8))
    rendered, repaired = repair(RENDERERS[task.renderer.name].render(mapped, task.renderer.options))
    for rule, n in repaired.items():
        stat(task.name, "clean", rule, n)
    # MedINST's rule for extraction tasks: a sample with nothing to extract is not a sample.
    kept = rendered.filter(pl.col("output").str.strip_chars() != "")
    stat(task.name, "render", "nothing_to_extract", rendered.height - kept.height)
    key = pl.concat_str(
        [pl.lit(spec.id), "document_id", pl.lit(task.name), "split", "input", "output"], separator="\x1f"
    )
    # Polars has no cryptographic hash, and the uid is a sha256 by contract: hashlib, once a row.
    return kept.select(
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


def _first_of_each_uid(rows: pl.DataFrame, kept: _KeptUids) -> pl.DataFrame:
    """Drop exact repeats (same uid), within the batch and of rows kept from earlier batches."""
    rows = rows.unique("uid", keep="first", maintain_order=True)
    high, low = _KeptUids.halves(rows["uid"])
    new = ~kept.seen(high, low)
    kept.add(high[new], low[new])
    return rows.filter(pl.Series(new)) if not new.all() else rows


def _family_batches(spec: SourceSpec, local: dict[str, Path]) -> Iterator[pl.DataFrame]:
    """The parser's family table in batches (one batch for a parser that reads a source whole)."""
    data = [InputFile(local[f.path], f.path, f.split) for f in spec.files if f.role == "data"]
    parser = PARSERS[spec.parser.name]
    if hasattr(parser, "parse_batches"):
        yield from parser.parse_batches(data, spec.parser.options, spec.id)
    else:
        yield parser.parse(data, spec.parser.options, spec.id)


def _split_ids(spec: SourceSpec, local: dict[str, Path]) -> dict[str, list[str]]:
    return {f.split: read_split_ids(local[f.path], f.path, spec.id) for f in spec.files if f.role == "split_ids"}


def parse_family(spec: SourceSpec, local: dict[str, Path]) -> pl.DataFrame:
    """The source's whole family table in memory, with every record's split assigned (for small sources
    and tests; builds stream it with `process_source`)."""
    ids = _split_ids(spec, local)
    family = pl.concat([apply_split_ids(b, ids) if ids else b for b in _family_batches(spec, local)])
    s = spec.seeded_split
    return seeded_split(family, s.seed, s.unit, s.sizes, s.group_pattern) if s else family


def _validated_batches(spec: SourceSpec, local: dict[str, Path], clock: _Clock, stat,
                       quarantines: list) -> Iterator[pl.DataFrame]:
    """The family table a batch at a time: parsed, split ids applied, validated; a record whose id an
    earlier batch already had is quarantined like a repeat within a batch (each batch is checked alone)."""
    model = MODELS[family_of(spec.parser.name, spec.parser.options)]
    ids, kept_ids = _split_ids(spec, local), _KeptUids()
    batches = _family_batches(spec, local)
    while True:
        with clock.step("parse"):
            batch = next(batches, None)
            if batch is None:
                return
            batch = apply_split_ids(batch, ids) if ids else batch
            clock.rows["parse"] += batch.height
        stat(None, "parse", "records", batch.height)
        with clock.step("validate"):
            batch, bad = partition(batch, model, source=spec.id, task=None, stage="family")
            # 128 bits of two seeded hashes: compared within this run only, so Polars' hash will do.
            high, low = (batch["id"].hash(seed=seed).to_numpy() for seed in (0, 1))
            repeated = kept_ids.seen(high, low)
            kept_ids.add(high[~repeated], low[~repeated])
            if repeated.any():
                again = batch.filter(pl.Series(repeated))
                bad = pl.concat([bad, again.select(
                    source=pl.lit(spec.id), task=pl.lit(None, pl.Utf8), stage=pl.lit("family"),
                    reason=pl.lit("field_uniqueness"), file="source_file",
                    line=pl.col("source_line").cast(pl.Int64), record_id="id",
                )])
                batch = batch.filter(~pl.Series(repeated))
        stat(None, "validate", "quarantined", bad.height)
        quarantines.append(bad)
        yield batch


def _spilled(batches: Iterator[pl.DataFrame], spec: SourceSpec, folder: Path, clock: _Clock) -> Iterator[pl.DataFrame]:
    """The batches written to Parquet shards first, then read back with their seeded split: dealing
    units out needs every unit of the source before the first batch can be rendered."""
    folder.mkdir(parents=True, exist_ok=True)
    shards = []
    for batch in batches:
        shards.append(folder / f"part-{len(shards):05d}.parquet")
        with clock.step("parse"):  # the shard is the parse stage's output; lz4: written and read once
            batch.write_parquet(shards[-1], compression="lz4", statistics=False)
    assignment, s = None, spec.seeded_split
    if s and shards:
        with clock.step("split"):
            units = (pl.scan_parquet(shards).filter(pl.col("split").is_null())
                     .group_by(unit_key(s.unit, s.group_pattern)).len().collect())
            assignment = seeded_assignment(units, s.seed, s.sizes)
    for shard in shards:
        with clock.step("split"):
            family = pl.read_parquet(shard)
            if assignment is not None:
                family = apply_seeded(family, assignment, s.unit, s.group_pattern)
        yield family


def _gathered(batches: Iterator[pl.DataFrame], budget: int) -> Iterator[pl.DataFrame]:
    """The batches, consecutive ones concatenated (in order) until they hold about `budget` bytes."""
    held, size = [], 0
    for batch in batches:
        held.append(batch)
        size += batch.estimated_size()
        if size >= budget:
            yield pl.concat(held, rechunk=False) if len(held) > 1 else held[0]
            held, size = [], 0
    if held:
        yield pl.concat(held, rechunk=False) if len(held) > 1 else held[0]


def process_source(spec: SourceSpec, local: dict[str, Path], version: str, scratch: Path,
                   write_part: Callable[[pl.DataFrame], None], keep_family: bool = False) -> SourceRun:
    """Everything a source yields, given its fetched files (declared path -> local path).

    `write_part` receives each batch of valid instruction rows of one task (columns of
    schemas.instructions.POLARS_SCHEMA). `scratch` is an empty folder the caller removes; the family
    shards go there when the source has a seeded split, or when `keep_family` asks for them
    (`scratch/family/part-*.parquet`: the canonical rows, which the benchmarks compare on).
    """
    clock, stat, quarantines = _Clock(), _Stats(spec.id), []
    batches = _validated_batches(spec, local, clock, stat, quarantines)
    if spec.seeded_split or keep_family:
        batches = _spilled(batches, spec, scratch / "family", clock)
    tasks = [t for t in spec.tasks if not t.availability]
    kept = {t.name: _KeptUids() for t in tasks}
    written = 0
    for family in _gathered(batches, RENDER_BATCH_BYTES):
        rendered = []
        for task in tasks:
            with clock.step("render"):
                rows = _task_rows(family, spec, task, version, stat)
                unique = _first_of_each_uid(rows, kept[task.name])
                clock.rows["render"] += unique.height
            stat(task.name, "dedupe", "duplicate_uid", rows.height - unique.height)
            rendered.append(unique)
        if not rendered:
            continue
        # Every task's rows of the batch in one Pandera call: its cost is mostly per call, not per row.
        with clock.step("validate"):
            valid, bad = partition(pl.concat(rendered), InstructionRow, source=spec.id, task=None,
                                   stage="instructions", id_col="uid", task_col="task")
        quarantines.append(bad)
        for task in tasks:
            stat(task.name, "validate", "quarantined", bad.filter(pl.col("task") == task.name).height)
            mine = valid.filter(pl.col("task") == task.name) if len(tasks) > 1 else valid
            if mine.height:
                for split, n in mine.group_by("split").len().iter_rows():
                    stat(task.name, "publish", "rows", n, split)
                with clock.step("write"):
                    write_part(mine.select(list(POLARS_SCHEMA)))
                    clock.rows["write"] += mine.height
                written += mine.height
    return SourceRun(
        rows=written,
        quarantine=pl.concat(quarantines) if quarantines else pl.DataFrame(schema=QUARANTINE_SCHEMA),
        stats=stat.frame().sort("task", "split", "step", "reason", nulls_last=False),
        timings=clock.report(),
    )


def check_quarantine(spec: SourceSpec, run: SourceRun) -> None:
    """Fail the source when more rows were quarantined than its registry entry allows."""
    q = run.quarantine
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
