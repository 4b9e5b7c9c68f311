"""A source's output for one content fingerprint, written once and marked complete."""

import shutil
from pathlib import Path

import polars as pl

from warehouse.layout import failed_quarantine_path, stage_dir

PARTITIONS = ["category", "task", "split"]


def _atomic_dir(final: Path) -> Path:
    tmp = final.with_name(f".{final.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    return tmp


def write_stage(home: Path, source: str, fingerprint: str, instructions: pl.DataFrame,
                quarantine: pl.DataFrame, stats: pl.DataFrame) -> Path:
    """Write instructions partitioned by category/task/split (zstd), plus quarantine and stats."""
    final = stage_dir(home, source, fingerprint)
    tmp = _atomic_dir(final)
    for (category, task, split), part in instructions.group_by(PARTITIONS, maintain_order=True):
        folder = tmp / "instructions" / f"category={category}" / f"task={task}" / f"split={split}"
        folder.mkdir(parents=True)
        part.drop(PARTITIONS).write_parquet(folder / "part-0.parquet", compression="zstd")
    quarantine.write_parquet(tmp / "quarantine.parquet")
    stats.write_parquet(tmp / "stats.parquet")
    (tmp / "_SUCCESS").touch()
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    return final


def write_failed_quarantine(home: Path, source: str, fingerprint: str, quarantine: pl.DataFrame) -> Path:
    path = failed_quarantine_path(home, source, fingerprint)
    path.parent.mkdir(parents=True, exist_ok=True)
    quarantine.write_parquet(path)
    return path


def instruction_files(stage: Path) -> list[Path]:
    return sorted((stage / "instructions").rglob("*.parquet"))
