"""A source's output for one content fingerprint, written once and marked complete.

For a remote home (see `warehouse.storage`) a stage is written locally, then uploaded with its
`_SUCCESS` marker last; `local_stage` brings a stage staged elsewhere into the working copy.
"""

import os
import shutil
from pathlib import Path

import polars as pl

from warehouse import storage
from warehouse.faults import crash_point
from warehouse.layout import failed_quarantine_path, stage_dir

PARTITIONS = ["category", "task", "split"]
# zstd at level 1: half the time of Polars' default level for ~15% more bytes; writing is a third of
# a source's render+validate+write.
PARQUET = {"compression": "zstd", "compression_level": 1}


def _atomic_dir(final: Path) -> Path:
    tmp = final.with_name(f".{final.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    return tmp


class StageWriter:
    """Writes a source's stage as its rows arrive: each batch of a task becomes one Parquet part per
    category/task/split (zstd), so no more than a batch is ever in memory; `finish` adds the
    quarantine and stats, marks the stage complete and moves it into place in one rename."""

    def __init__(self, home: Path, source: str, fingerprint: str):
        self.home, self.source, self.fingerprint = home, source, fingerprint
        self.final = stage_dir(home, source, fingerprint)
        self.tmp = _atomic_dir(final=self.final)
        self.scratch = self.tmp / "_scratch"  # the pipeline's working files, removed before the stage is complete
        self.parts: dict[tuple, int] = {}

    def write(self, instructions: pl.DataFrame) -> None:
        for (category, task, split), part in instructions.group_by(PARTITIONS, maintain_order=True):
            folder = self.tmp / "instructions" / f"category={category}" / f"task={task}" / f"split={split}"
            folder.mkdir(parents=True, exist_ok=True)
            number = self.parts.get((category, task, split), 0)
            self.parts[(category, task, split)] = number + 1
            part.drop(PARTITIONS).write_parquet(folder / f"part-{number:05d}.parquet", **PARQUET)
            crash_point("write")  # test hook: the stage half written

    def finish(self, quarantine: pl.DataFrame, stats: pl.DataFrame) -> Path:
        shutil.rmtree(self.scratch, ignore_errors=True)
        quarantine.write_parquet(self.tmp / "quarantine.parquet")
        stats.write_parquet(self.tmp / "stats.parquet")
        (self.tmp / "_SUCCESS").touch()
        shutil.rmtree(self.final, ignore_errors=True)
        self.tmp.rename(self.final)
        remote = storage.remote_of(self.home)
        if remote:
            url = _remote_stage(self.home, remote, self.source, self.fingerprint)
            storage.remove_tree(url)  # a stage left half-uploaded by a worker that died
            storage.upload_tree(self.final, url, last=("_SUCCESS",))
        return self.final

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def _remote_stage(home: Path, remote: str, source: str, fingerprint: str) -> str:
    return storage.join(remote, stage_dir(home, source, fingerprint).relative_to(home).as_posix())


def local_stage(home: Path, source: str, fingerprint: str) -> Path:
    """The stage's local folder; for a remote home, downloaded first when the working copy lacks it."""
    final = stage_dir(home, source, fingerprint)
    remote = storage.remote_of(home)
    if remote and not (final / "_SUCCESS").exists():
        url = _remote_stage(home, remote, source, fingerprint)
        if not storage.exists(storage.join(url, "_SUCCESS")) or not storage.download_tree(url, final):
            raise FileNotFoundError(f"{source}: no complete stage at {url}")
    return final


def write_failed_quarantine(home: Path, source: str, fingerprint: str, quarantine: pl.DataFrame) -> Path:
    path = failed_quarantine_path(home, source, fingerprint)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    quarantine.write_parquet(tmp)
    os.replace(tmp, path)  # never half a file, even when the build is killed
    remote = storage.remote_of(home)
    if remote:
        storage.upload_file(path, storage.join(remote, path.relative_to(home).as_posix()))
    return path


def instruction_files(stage: Path) -> list[Path]:
    return sorted((stage / "instructions").rglob("*.parquet"))
