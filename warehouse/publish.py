"""Publish: assemble an immutable build folder from staged sources, then switch CURRENT to it.

For a remote home (see `warehouse.storage`) the build is assembled in the working copy, uploaded
(Parquet and tables first, then the catalog), and the remote CURRENT is written last.
"""

import hashlib
import json
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from warehouse import storage
from warehouse.catalog import write_catalog
from warehouse.faults import crash_point
from warehouse.layout import BrokenCurrent, builds_dir, current_build, published_log, stage_dir, switch_current
from warehouse.stage import MANIFEST, StageDamaged, checked_file, copy_checked, local_stage, read_manifest

TASK_META = {
    "source": pl.Utf8, "task": pl.Utf8, "category": pl.Utf8, "instruction": pl.Utf8, "license": pl.Utf8,
    "in_medinst": pl.Boolean, "medinst_train": pl.Int64, "medinst_dev": pl.Int64, "medinst_test": pl.Int64,
    "status": pl.Utf8, "obtainable": pl.Utf8, "sizes_note": pl.Utf8, "reason": pl.Utf8,
}
SOURCE_COLUMNS = ("name", "homepage", "license", "citation", "parser", "files", "status", "obtainable", "reason")


def _check_rows(staged: dict, manifest: dict, stats: pl.DataFrame) -> None:
    """The rows a build reports (build_stats, the flow's summary) must be the rows its stage holds."""
    said = staged.get("rows")
    if said is not None and said != manifest["rows"]:
        raise StageDamaged(staged["source"], f"{manifest['rows']} rows staged, its build result says {said}", MANIFEST)
    held = {(e["task"], e["split"]): e["rows"] for e in manifest["splits"]}
    stated = {(t, s): n for t, s, n in stats.filter(pl.col("step") == "publish")
              .group_by("task", "split").agg(pl.col("rows").sum()).iter_rows()}
    if stated != held:
        raise StageDamaged(staged["source"], f"rows per task and split {sorted(stated.items())} differ from the "
                                             f"manifest's {sorted(held.items())}", "stats.parquet")


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
        # A partial source's task whose every row would have come from the missing files has none: not built.
        .with_columns(status=pl.when((pl.col("status") == "partial") & (pl.sum_horizontal("train", "dev", "test") == 0))
                      .then(pl.lit("skipped")).otherwise(pl.col("status")))
        .select("task", "category", "source", "train", "dev", "test", "medinst_train", "medinst_dev", "medinst_test",
                "sizes_note", "in_medinst", "status", "obtainable", "reason", "instruction", "license")
        .sort("task")
    )


def _published(home: Path) -> Path | None:
    """The local build published now, whose unchanged files a new build may share; None if there is none."""
    try:
        return current_build(home)
    except BrokenCurrent:
        return None


def rows_digest(build_id: str) -> str:
    """The end of a build id, which digests the fingerprints of its staged sources: two builds that
    publish the same rows share it (a mart derived from one holds for the other)."""
    return build_id.rsplit("-", 1)[-1]


def publish(home: Path, staged: list[dict], sources: list[dict], pipeline_version: str,
            before_switch: Callable[[Path], None] | None = None) -> str:
    """Build a new warehouse from staged sources and make it the current one; returns its id.

    `staged`: {source, fingerprint, recomputed, carried_from (the build a source `--only` did not
    name was carried from)}, read from the home's stage folder; `sources`: every declared source
    (built or not) with its `status`, `reason` and `tasks`, for the `sources` and `tasks` views.
    `before_switch(build folder)` runs once the build is assembled, before its catalog is written
    (it adds derived marts). Nothing readers see changes until the final pointer switch.
    """
    started = time.time()
    digest = hashlib.sha256("".join(sorted(s["fingerprint"] for s in staged)).encode()).hexdigest()[:10]
    build_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + "-" + digest
    final = builds_dir(home) / build_id
    tmp = builds_dir(home) / f".{build_id}.tmp"
    tmp.mkdir(parents=True)

    counts, stats, quarantine = [], [], []
    remote = storage.remote_of(home)
    previous = None if remote else _published(home)
    for s in staged:
        # Found from the home (where it is now, not where a cached result says it was staged); a remote
        # home's stage may have been written by a worker on another machine.
        stage = local_stage(home, s["source"], s["fingerprint"])
        # Only what the stage's manifest lists, each file copied and checked against it; the rows are the manifest's.
        manifest = read_manifest(stage, s["source"])
        for entry in (e for e in manifest["files"] if e["path"].startswith("instructions/")):
            rel = Path(entry["path"]).relative_to("instructions")
            # part-00003.parquet of source x becomes x-00003.parquet beside other sources' parts
            dst = tmp / "instructions" / rel.parent / f"{s['source']}-{rel.stem.removeprefix('part-')}.parquet"
            same = previous / dst.relative_to(tmp) if previous else None
            copy_checked(stage, entry, dst, s["source"], published=same)
            counts.append({**_partition_values(rel), "source": s["source"], "rows": entry["rows"]})
        stats.append(pl.read_parquet(checked_file(stage, manifest, "stats.parquet", s["source"])))
        quarantine.append(pl.read_parquet(checked_file(stage, manifest, "quarantine.parquet", s["source"])))
        _check_rows(s, manifest, stats[-1])
    crash_point("publish")  # test hook: the build folder half assembled

    carried = pl.DataFrame([{"source": s["source"], "carried_from": s.get("carried_from")} for s in staged],
                           schema={"source": pl.Utf8, "carried_from": pl.Utf8})
    _tasks_table(counts, sources).join(carried, on="source", how="left").write_parquet(tmp / "tasks.parquet")

    by_source = {s["source"]: s for s in staged}
    pl.DataFrame(
        [
            {"source": src["id"], **{k: src[k] for k in SOURCE_COLUMNS},
             "fingerprint": by_source.get(src["id"], {}).get("fingerprint"),
             "recomputed": by_source.get(src["id"], {}).get("recomputed"),
             "carried_from": by_source.get(src["id"], {}).get("carried_from")}
            for src in sources
        ],
        schema_overrides={"fingerprint": pl.Utf8, "recomputed": pl.Boolean, "parser": pl.Utf8, "reason": pl.Utf8,
                          "obtainable": pl.Utf8,
                          "carried_from": pl.Utf8},
    ).write_parquet(tmp / "sources.parquet")
    pl.concat(stats).with_columns(build_id=pl.lit(build_id)).write_parquet(tmp / "build_stats.parquet")
    pl.concat(quarantine).with_columns(build_id=pl.lit(build_id)).write_parquet(tmp / "quarantine.parquet")
    # `publish_started` (epoch seconds) lets a benchmark time the publish step from the outside.
    # Stages named relative to the home, which may move.
    relative = [{**s, "stage": stage_dir(Path(), s["source"], s["fingerprint"]).as_posix()} for s in staged]
    manifest = {"build_id": build_id, "pipeline_version": pipeline_version, "publish_started": started,
                "sources": relative}
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))

    tmp.rename(final)
    if remote:  # readers follow CURRENT, which moves only once the whole build is there
        storage.upload_tree(final, storage.join(remote, final.relative_to(home).as_posix()), skip=("catalog.duckdb",))
    if before_switch is not None:
        before_switch(final)
    write_catalog(final)  # uploads the catalog too, for a remote home
    crash_point("switch")  # test hook: the build complete (and uploaded), CURRENT not yet switched
    switch_current(home, build_id)
    with open(published_log(home), "a") as log:  # a folder newer than CURRENT and not listed here never was
        log.write(build_id + "\n")
    return build_id
