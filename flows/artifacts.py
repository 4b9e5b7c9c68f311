"""What the Prefect UI shows of a build: progress over sources, rows per task, changes, quarantine, a link.

The build flow calls `BuildProgress` while sources finish and `publish_artifacts` once a build is
published. Every artifact has a key, so the UI's Artifacts page keeps one versioned entry per kind:

    medinst-build-progress    sources finished, updated in place
    medinst-build-rows        rows per category, task and split of the new build (its `tasks` view)
    medinst-build-changes     rows per task (before, after, delta) that differ from the previous build
    medinst-build-quarantine  quarantined rows per source, check and stage
    medinst-warehouse         a link to the new build folder (its catalog.duckdb beside the Parquet)

The tables are computed by plain functions over Polars frames (`rows_per_task`, `changes`,
`quarantine_summary`) so that they can be tested without a Prefect server.
"""

import re
from pathlib import Path, PurePosixPath

import fsspec
import polars as pl
from prefect import get_run_logger
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

SPLITS = ("train", "dev", "test")


def _join(base, *parts: str) -> str:
    """A child location of a local folder or of a URL (s3://bucket/prefix), as a string."""
    base = str(base)
    if "://" in base:
        return "/".join([base.rstrip("/"), *parts])
    return str(Path(base, *parts))


def builds_location(home) -> str:
    return _join(home, "warehouse", "builds")


def previous_build_id(home, build_id: str) -> str | None:
    """The latest published build before `build_id` (build ids sort by their UTC timestamp)."""
    fs, root = fsspec.core.url_to_fs(builds_location(home))
    if not fs.exists(root):
        return None
    names = [PurePosixPath(p.rstrip("/")).name for p in fs.ls(root, detail=False)]
    earlier = sorted(n for n in names if not n.startswith(".") and n < build_id)
    return earlier[-1] if earlier else None


def _read_parquet(location: str) -> pl.DataFrame:
    """A Parquet file of a local or remote home, read through fsspec (credentials from the environment)."""
    with fsspec.open(location, "rb") as f:
        return pl.read_parquet(f)


def read_tasks(home, build_id: str) -> pl.DataFrame:
    """A build's `tasks` view (every declared task with its rows per split)."""
    return _read_parquet(_join(builds_location(home), build_id, "tasks.parquet"))


def _long(tasks: pl.DataFrame) -> pl.DataFrame:
    """task, category, split, rows: one row per split of each task that has rows in it."""
    return (
        tasks.select("task", "category", *SPLITS)
        .unpivot(index=["task", "category"], on=list(SPLITS), variable_name="split", value_name="rows")
        .with_columns(pl.col("rows").fill_null(0).cast(pl.Int64))
        .filter(pl.col("rows") > 0)
    )


def _split_order() -> pl.Expr:
    return pl.col("split").replace_strict({s: i for i, s in enumerate(SPLITS)}, default=len(SPLITS))


def rows_per_task(tasks: pl.DataFrame) -> pl.DataFrame:
    """category, task, split, rows for every task of a build with rows, in a stable order."""
    return (
        _long(tasks).select("category", "task", "split", "rows")
        .sort(pl.col("category"), pl.col("task"), _split_order())
    )


def changes(before: pl.DataFrame | None, after: pl.DataFrame) -> pl.DataFrame:
    """Rows per task that differ between two `tasks` tables (`before` is None for a first build).

    One row per task whose rows in some split differ: task, category, before, after and delta
    (rows over all splits), change (`added`: no rows before, `removed`: none now, `changed`) and
    splits (what moved, e.g. `train 10 -> 12, test 1 -> 0`). Tasks with the same rows in every split
    are left out. Sorted by the size of the change, largest first, then by task.
    """
    new = _long(after).rename({"rows": "after"})
    if before is None:
        old = pl.DataFrame(schema={"task": pl.Utf8, "category": pl.Utf8, "split": pl.Utf8, "before": pl.Int64})
    else:
        old = _long(before).rename({"rows": "before"})
    per_split = (
        old.join(new, on=["task", "split"], how="full", coalesce=True, suffix="_after")
        .with_columns(category=pl.coalesce("category_after", "category"),
                      before=pl.col("before").fill_null(0), after=pl.col("after").fill_null(0))
        .sort("task", _split_order())
    )
    moved = pl.format("{} {} -> {}", "split", "before", "after").filter(pl.col("before") != pl.col("after"))
    return (
        per_split.group_by("task", maintain_order=True)
        .agg(pl.col("category").first(), pl.col("before").sum(), pl.col("after").sum(),
             splits=moved.str.join(", "))
        .filter(pl.col("splits") != "")
        .with_columns(
            delta=pl.col("after") - pl.col("before"),
            change=pl.when(pl.col("before") == 0).then(pl.lit("added"))
            .when(pl.col("after") == 0).then(pl.lit("removed"))
            .otherwise(pl.lit("changed")),
        )
        .select("task", "category", "before", "after", "delta", "change", "splits")
        .sort(pl.col("delta").abs(), pl.col("task"), descending=[True, False])
    )


# Pandera's built-in check names as a reader of the UI understands them (the `quarantine` view keeps them raw).
PLAIN_CHECKS = [
    (re.compile(r"^str_length\((\d+), None\)$"), lambda m: f"text shorter than {m[1]} character(s) (blank)"),
    (re.compile(r"^str_length\((\d+), (\d+)\)$"), lambda m: f"text length outside {m[1]} to {m[2]} characters"),
    (re.compile(r"^not_nullable$"), lambda m: "a required value is missing (null)"),
    (re.compile(r"^field_uniqueness$"), lambda m: "an id repeats"),
    (re.compile(r"^isin\((.*)\)$", re.S), lambda m: f"a value outside the allowed ones {m[1]}"),
    (re.compile(r"^greater_than_or_equal_to\((.*)\)$"), lambda m: f"a value below {m[1]}"),
]


def plain_check(reason: str) -> str:
    """A quarantine reason in words ('; '-joined reasons one by one); our own checks already are."""
    def one(check: str) -> str:
        for pattern, words in PLAIN_CHECKS:
            if m := pattern.match(check):
                return words(m)
        return check

    return "; ".join(one(c) for c in reason.split("; "))


def quarantine_summary(quarantine: pl.DataFrame) -> pl.DataFrame:
    """source, check (the failed check, in words), stage, rows: how many rows each check quarantined."""
    if quarantine.is_empty():
        return pl.DataFrame(schema={"source": pl.Utf8, "check": pl.Utf8, "stage": pl.Utf8, "rows": pl.UInt32})
    return (
        quarantine.with_columns(pl.col("reason").map_elements(plain_check, return_dtype=pl.Utf8))
        .group_by("source", pl.col("reason").alias("check"), "stage").len("rows")
        .sort("source", "rows", "check", descending=[False, True, False])
    )


class BuildProgress:
    """A progress artifact over the sources of one build, updated in place as each finishes."""

    KEY = "medinst-build-progress"

    def __init__(self, total: int):
        self.total = total
        self.artifact_id = create_progress_artifact(
            progress=0.0 if total else 100.0, key=self.KEY, description=f"0 of {total} source(s) finished"
        )

    def update(self, done: int, source: str) -> None:
        percent = 100.0 * done / self.total if self.total else 100.0
        update_progress_artifact(self.artifact_id, percent,
                                 description=f"{done} of {self.total} source(s) finished (last: {source})")


def _table(frame: pl.DataFrame) -> list[dict] | dict[str, list]:
    # An empty list would lose the column names in the UI; a dict of empty columns keeps them.
    return frame.to_dicts() if frame.height else {c: [] for c in frame.columns}


def publish_artifacts(home, build_id: str, previous: str | None = None) -> dict:
    """Create the rows, changes, quarantine and link artifacts of a published build.

    `previous` is the build to compare with; by default the latest build published before this
    one in the builds folder. Returns what was compared, for logging and tests.
    """
    log = get_run_logger()
    build = _join(builds_location(home), build_id)
    tasks = read_tasks(home, build_id)

    rows = rows_per_task(tasks)
    create_table_artifact(
        key="medinst-build-rows", table=_table(rows),
        description=f"Build {build_id}: {rows['rows'].sum():,} rows in {rows['task'].n_unique()} task(s) "
                    f"of {rows['category'].n_unique()} category(ies)",
    )

    previous = previous or previous_build_id(home, build_id)
    diff = changes(read_tasks(home, previous) if previous else None, tasks)
    since = f"since build {previous}" if previous else "(first build: no earlier build to compare with)"
    create_table_artifact(
        key="medinst-build-changes", table=_table(diff),
        description=(f"Build {build_id}: {diff.height} task(s) changed {since}" if diff.height
                     else f"Build {build_id}: no task changed {since}"),
    )

    quarantine = quarantine_summary(_read_parquet(_join(build, "quarantine.parquet")))
    create_table_artifact(
        key="medinst-build-quarantine", table=_table(quarantine),
        description=f"Build {build_id}: {int(quarantine['rows'].sum() or 0)} row(s) quarantined, per source and check",
    )

    # Markdown, not a link: a browser opens neither a file:// path nor an s3:// URL from the UI.
    create_markdown_artifact(
        key="medinst-warehouse", description=f"Published build {build_id}",
        markdown=f"Published build **{build_id}** (Parquet, with `catalog.duckdb`) at\n\n`{build}`\n\n"
                 f"Query it from a shell on this machine:\n\n```sh\nmedinst sql --home {home} "
                 f"\"select task, split, count(*) from instructions group by all order by all\"\n```\n",
    )
    log.info("artifacts: %d task(s) changed since %s; %d quarantine group(s)", diff.height,
             previous or "nothing (first build)", quarantine.height)
    return {"build_id": build_id, "previous": previous, "changes": diff.height, "location": build}
