"""Publish: assemble an immutable build folder from staged sources, then switch CURRENT to it."""

import hashlib
import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from warehouse.catalog import write_catalog
from warehouse.layout import builds_dir, switch_current
from warehouse.stage import instruction_files


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)  # staged files are immutable, so a hard link is a free copy
    except OSError:
        shutil.copy2(src, dst)


def _partition_values(path: Path) -> dict[str, str]:
    return dict(part.split("=", 1) for part in path.parts if "=" in part)


def publish(home: Path, staged: list[dict], sources: list[dict], pipeline_version: str) -> str:
    """Build a new warehouse from staged sources and make it the current one; returns its id.

    `staged`: {source, fingerprint, stage (folder), recomputed}; `sources`: registry rows for the
    `sources` view. Nothing readers see changes until the final pointer switch.
    """
    digest = hashlib.sha256("".join(sorted(s["fingerprint"] for s in staged)).encode()).hexdigest()[:10]
    build_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + "-" + digest
    final = builds_dir(home) / build_id
    tmp = builds_dir(home) / f".{build_id}.tmp"
    tmp.mkdir(parents=True)

    counts, stats, quarantine = [], [], []
    for s in staged:
        stage = Path(s["stage"])
        for f in instruction_files(stage):
            rel = f.relative_to(stage / "instructions")
            _link_or_copy(f, tmp / "instructions" / rel.parent / f"{s['source']}.parquet")
            counts.append({**_partition_values(rel), "source": s["source"], "rows": pl.scan_parquet(f).select(pl.len()).collect().item()})
        stats.append(pl.read_parquet(stage / "stats.parquet"))
        quarantine.append(pl.read_parquet(stage / "quarantine.parquet"))

    task_meta = {(t["source"], t["task"]): t for src in sources for t in src["tasks"]}
    counts_df = pl.DataFrame(counts, schema={"category": pl.Utf8, "task": pl.Utf8, "split": pl.Utf8, "source": pl.Utf8, "rows": pl.Int64})
    tasks = (
        counts_df.pivot(on="split", index=["category", "task", "source"], values="rows", aggregate_function="sum")
        if counts else pl.DataFrame(schema={"category": pl.Utf8, "task": pl.Utf8, "source": pl.Utf8})
    )
    for split in ("train", "dev", "test"):
        if split not in tasks.columns:
            tasks = tasks.with_columns(pl.lit(0, pl.Int64).alias(split))
    tasks = tasks.with_columns(pl.col("train", "dev", "test").fill_null(0).cast(pl.Int64))
    tasks = tasks.with_columns(
        instruction=pl.struct("source", "task").map_elements(lambda r: task_meta[(r["source"], r["task"])]["instruction"], return_dtype=pl.Utf8),
        license=pl.struct("source", "task").map_elements(lambda r: task_meta[(r["source"], r["task"])]["license"], return_dtype=pl.Utf8),
    ).select("task", "category", "source", "train", "dev", "test", "instruction", "license").sort("task")
    tasks.write_parquet(tmp / "tasks.parquet")

    recomputed = {s["source"]: s["recomputed"] for s in staged}
    fingerprints = {s["source"]: s["fingerprint"] for s in staged}
    pl.DataFrame(
        [{k: v for k, v in src.items() if k != "tasks"} | {"fingerprint": fingerprints[src["id"]],
          "recomputed": recomputed[src["id"]]} for src in sources if src["id"] in recomputed]
    ).rename({"id": "source"}).write_parquet(tmp / "sources.parquet")
    stats_df = pl.concat(stats) if stats else pl.DataFrame()
    stats_df.with_columns(build_id=pl.lit(build_id)).write_parquet(tmp / "build_stats.parquet")
    quarantine_df = pl.concat(quarantine) if quarantine else pl.DataFrame()
    quarantine_df.with_columns(build_id=pl.lit(build_id)).write_parquet(tmp / "quarantine.parquet")
    manifest = {"build_id": build_id, "pipeline_version": pipeline_version, "sources": staged}
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))

    tmp.rename(final)
    write_catalog(final)
    switch_current(home, build_id)
    return build_id
