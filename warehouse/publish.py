"""Publish: assemble an immutable build folder from staged sources, then switch CURRENT to it.

For a remote home (see `warehouse.storage`) the build is assembled in the working copy, uploaded
(Parquet and tables first, then the catalog), and the remote CURRENT is written last.
"""

import hashlib
import json
import os
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from warehouse import storage
from warehouse.catalog import write_catalog
from warehouse.faults import crash_point
from warehouse.layout import builds_dir, published_log, switch_current
from warehouse.stage import instruction_files, local_stage

TASK_META = {
    "source": pl.Utf8, "task": pl.Utf8, "category": pl.Utf8, "instruction": pl.Utf8, "license": pl.Utf8,
    "in_medinst": pl.Boolean, "medinst_train": pl.Int64, "medinst_dev": pl.Int64, "medinst_test": pl.Int64,
    "status": pl.Utf8, "sizes_note": pl.Utf8, "reason": pl.Utf8,
}
SOURCE_COLUMNS = ("name", "homepage", "license", "citation", "parser", "files", "status", "reason")


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)  # staged files are immutable, so a hard link is a free copy
    except OSError:
        shutil.copy2(src, dst)


def _partition_values(path: Path) -> dict[str, str]:
    return dict(part.split("=", 1) for part in path.parts if "=" in part)


def _tasks_table(counts: list[dict], sources: list[dict]) -> pl.DataFrame:
    """Every declared task: its rows per split in this build beside MedINST's, instruction, licence, status."""
    meta = pl.DataFrame([t for src in sources for t in src["tasks"]], schema=TASK_META)
    rows = pl.DataFrame(counts, schema={"category": pl.Utf8, "task": pl.Utf8, "split": pl.Utf8, "source": pl.Utf8,
                                        "rows": pl.Int64})
    per_split = [pl.col("rows").filter(pl.col("split") == s).sum().alias(s) for s in ("train", "dev", "test")]
    built = rows.group_by("task", "source").agg(per_split)
    return (
        meta.join(built, on=["source", "task"], how="left")
        .with_columns(pl.col("train", "dev", "test").fill_null(0))
        .select("task", "category", "source", "train", "dev", "test", "medinst_train", "medinst_dev", "medinst_test",
                "sizes_note", "in_medinst", "status", "reason", "instruction", "license")
        .sort("task")
    )


def publish(home: Path, staged: list[dict], sources: list[dict], pipeline_version: str) -> str:
    """Build a new warehouse from staged sources and make it the current one; returns its id.

    `staged`: {source, fingerprint, stage (folder), recomputed}; `sources`: every declared source
    (built or not) with its `status`, `reason` and `tasks`, for the `sources` and `tasks` views.
    Nothing readers see changes until the final pointer switch.
    """
    started = time.time()
    digest = hashlib.sha256("".join(sorted(s["fingerprint"] for s in staged)).encode()).hexdigest()[:10]
    build_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + "-" + digest
    final = builds_dir(home) / build_id
    tmp = builds_dir(home) / f".{build_id}.tmp"
    tmp.mkdir(parents=True)

    counts, stats, quarantine = [], [], []
    remote = storage.remote_of(home)
    for s in staged:
        # A remote home's stage may have been written by a worker on another machine.
        stage = local_stage(home, s["source"], s["fingerprint"]) if remote else Path(s["stage"])
        for f in instruction_files(stage):
            rel = f.relative_to(stage / "instructions")
            # part-00003.parquet of source x becomes x-00003.parquet beside other sources' parts
            _link_or_copy(f, tmp / "instructions" / rel.parent / f"{s['source']}-{f.stem.removeprefix('part-')}.parquet")
            rows = pl.scan_parquet(f).select(pl.len()).collect().item()
            counts.append({**_partition_values(rel), "source": s["source"], "rows": rows})
        stats.append(pl.read_parquet(stage / "stats.parquet"))
        quarantine.append(pl.read_parquet(stage / "quarantine.parquet"))
    crash_point("publish")  # test hook: the build folder half assembled

    _tasks_table(counts, sources).write_parquet(tmp / "tasks.parquet")

    by_source = {s["source"]: s for s in staged}
    pl.DataFrame(
        [
            {"source": src["id"], **{k: src[k] for k in SOURCE_COLUMNS},
             "fingerprint": by_source.get(src["id"], {}).get("fingerprint"),
             "recomputed": by_source.get(src["id"], {}).get("recomputed")}
            for src in sources
        ],
        schema_overrides={"fingerprint": pl.Utf8, "recomputed": pl.Boolean, "parser": pl.Utf8, "reason": pl.Utf8},
    ).write_parquet(tmp / "sources.parquet")
    pl.concat(stats).with_columns(build_id=pl.lit(build_id)).write_parquet(tmp / "build_stats.parquet")
    pl.concat(quarantine).with_columns(build_id=pl.lit(build_id)).write_parquet(tmp / "quarantine.parquet")
    # `publish_started` (epoch seconds) lets a benchmark time the publish step from the outside.
    manifest = {"build_id": build_id, "pipeline_version": pipeline_version, "publish_started": started,
                "sources": staged}
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))

    tmp.rename(final)
    if remote:  # readers follow CURRENT, which moves only once the whole build is there
        storage.upload_tree(final, storage.join(remote, final.relative_to(home).as_posix()), skip=("catalog.duckdb",))
    write_catalog(final)  # uploads the catalog too, for a remote home
    crash_point("switch")  # test hook: the build complete (and uploaded), CURRENT not yet switched
    switch_current(home, build_id)
    with open(published_log(home), "a") as log:  # a folder newer than CURRENT and not listed here never was
        log.write(build_id + "\n")
    return build_id
