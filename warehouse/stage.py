"""A source's output for one content fingerprint, written once, recorded in a manifest and marked complete.

`manifest.json` lists every file of the stage (path, bytes, sha256, rows) and the rows per
category/task/split; it is written before `_SUCCESS`. A stage is reused only while it matches its
manifest (`stage_problem`: every file there, of its size and sha256, and nothing else), and publish
copies only what the manifest lists, checking each copy (`copy_checked`), so a stage damaged after
it was written is rebuilt, or fails the build naming the file, never published.

For a remote home (see `warehouse.storage`) a stage is written locally, then uploaded with its
`_SUCCESS` marker last; `local_stage` brings a stage staged elsewhere into the working copy.
"""

import hashlib
import json
import os
import shutil
from collections import Counter
from pathlib import Path

import polars as pl

from schemas.errors import SourceError
from warehouse import storage
from warehouse.faults import crash_point
from warehouse.layout import failed_quarantine_path, stage_dir

PARTITIONS = ["category", "task", "split"]
# zstd at level 1: half the time of Polars' default level for ~15% more bytes; writing is a third of
# a source's render+validate+write.
PARQUET = {"compression": "zstd", "compression_level": 1}
MANIFEST = "manifest.json"
SUCCESS = "_SUCCESS"
NOT_STAGED = "not staged"  # stage_problem's answer for a stage never written (no warning: the normal cold case)


class StageDamaged(SourceError):
    """A staged file differs from what its stage's manifest recorded."""


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
        self.rows: dict[str, int] = {}  # rows of every file written, by its path in the stage

    def write(self, instructions: pl.DataFrame) -> None:
        for (category, task, split), part in instructions.group_by(PARTITIONS, maintain_order=True):
            folder = self.tmp / "instructions" / f"category={category}" / f"task={task}" / f"split={split}"
            folder.mkdir(parents=True, exist_ok=True)
            number = self.parts.get((category, task, split), 0)
            self.parts[(category, task, split)] = number + 1
            path = folder / f"part-{number:05d}.parquet"
            part.drop(PARTITIONS).write_parquet(path, **PARQUET)
            self.rows[path.relative_to(self.tmp).as_posix()] = part.height
            crash_point("write")  # test hook: the stage half written

    def finish(self, quarantine: pl.DataFrame, stats: pl.DataFrame) -> Path:
        shutil.rmtree(self.scratch, ignore_errors=True)
        quarantine.write_parquet(self.tmp / "quarantine.parquet")
        stats.write_parquet(self.tmp / "stats.parquet")
        rows = {**self.rows, "quarantine.parquet": quarantine.height, "stats.parquet": stats.height}
        _write_manifest(self.tmp, self.source, self.fingerprint, rows)
        (self.tmp / SUCCESS).touch()
        shutil.rmtree(self.final, ignore_errors=True)
        self.tmp.rename(self.final)
        remote = storage.remote_of(self.home)
        if remote:
            url = _remote_stage(self.home, remote, self.source, self.fingerprint)
            storage.remove_tree(url)  # a stage left half-uploaded by a worker that died
            storage.upload_tree(self.final, url, last=(SUCCESS,))
        return self.final

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def _remote_stage(home: Path, remote: str, source: str, fingerprint: str) -> str:
    return storage.join(remote, stage_dir(home, source, fingerprint).relative_to(home).as_posix())


def local_stage(home: Path, source: str, fingerprint: str) -> Path:
    """The stage's local folder; for a remote home, downloaded first when the working copy lacks it (or
    its copy does not match its manifest)."""
    final = stage_dir(home, source, fingerprint)
    remote = storage.remote_of(home)
    if remote and check_stage(final) is not None:
        url = _remote_stage(home, remote, source, fingerprint)
        if not storage.exists(storage.join(url, SUCCESS)) or not storage.download_tree(url, final):
            raise FileNotFoundError(f"{source}: no complete stage at {url}")
    return final


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _partition(path: str) -> tuple[str, str, str]:
    values = dict(part.split("=", 1) for part in path.split("/") if "=" in part)
    return values["category"], values["task"], values["split"]


def _write_manifest(stage: Path, source: str, fingerprint: str, rows: dict[str, int]) -> None:
    """Record what a stage holds before it is marked complete: every file's bytes, sha256 (hashed
    right after writing, from the page cache) and rows, and the instruction rows per category/task/split."""
    files = [{"path": path, "bytes": (stage / path).stat().st_size, "sha256": _sha256(stage / path), "rows": n}
             for path, n in sorted(rows.items())]
    per_split = Counter()
    for path, n in rows.items():
        if path.startswith("instructions/"):
            per_split[_partition(path)] += n
    manifest = {"source": source, "fingerprint": fingerprint, "rows": sum(per_split.values()),
                "splits": [{"category": c, "task": t, "split": s, "rows": n} for (c, t, s), n in sorted(per_split.items())],
                "files": files}
    (stage / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")


def _parse_manifest(text: str | None) -> dict:
    """A manifest's content, checked for shape; ValueError saying what is wrong."""
    if text is None:
        raise ValueError(f"no {MANIFEST}")
    try:
        manifest = json.loads(text)
        for f in manifest["files"]:
            parts = f["path"].split("/")
            if not parts[-1] or f["path"].startswith("/") or ".." in parts or not isinstance(f["bytes"], int) \
                    or not isinstance(f["sha256"], str) or not isinstance(f["rows"], int):
                raise ValueError(f"bad entry {f}")
        if not isinstance(manifest["rows"], int):
            raise ValueError("no row total")
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"{MANIFEST} unreadable ({e})") from None
    return manifest


def read_manifest(stage: Path, source: str) -> dict:
    """A local stage's manifest; StageDamaged when it is missing or unreadable."""
    path = stage / MANIFEST
    try:
        return _parse_manifest(path.read_text() if path.is_file() else None)
    except ValueError as e:
        raise StageDamaged(source, f"{e} in {stage}, so it cannot be checked: build the source again") from None


def file_problem(path: Path, entry: dict, checksum: bool = True) -> str | None:
    """What differs between a file and its manifest entry (missing, size, sha256), or None."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "missing"
    if size != entry["bytes"]:
        return f"{size} bytes, the manifest says {entry['bytes']}"
    if checksum:
        got = _sha256(path)
        if got != entry["sha256"]:
            return f"sha256 {got}, the manifest says {entry['sha256']}"
    return None


def check_stage(stage: Path, checksums: bool = True) -> str | None:
    """Why a local stage folder cannot be used as it is, or None: NOT_STAGED when there is none; else the first
    thing that differs from its manifest (a file missing, of another size or sha256, or not listed)."""
    if not stage.is_dir():
        return NOT_STAGED
    if not (stage / SUCCESS).is_file():
        return f"no {SUCCESS} marker"
    try:
        manifest = _parse_manifest((stage / MANIFEST).read_text() if (stage / MANIFEST).is_file() else None)
    except ValueError as e:
        return str(e)
    for entry in manifest["files"]:
        problem = file_problem(stage / entry["path"], entry, checksums)
        if problem:
            return f"{entry['path']}: {problem}"
    listed = {f["path"] for f in manifest["files"]} | {MANIFEST, SUCCESS}
    extra = sorted(rel for p in stage.rglob("*") if p.is_file() and (rel := p.relative_to(stage).as_posix()) not in listed)
    return f"{extra[0]}: not in the manifest" if extra else None


def _remote_problem(url: str) -> str | None:
    """check_stage for a stage on the store, by sizes only (hashing would download it): publish checks the
    sha256 of every file it copies from the working copy."""
    if not storage.exists(storage.join(url, SUCCESS)):
        return NOT_STAGED
    try:
        manifest = _parse_manifest(storage.read_text(storage.join(url, MANIFEST)))
    except ValueError as e:
        return str(e)
    sizes = storage.file_sizes(url)
    for entry in manifest["files"]:
        if entry["path"] not in sizes:
            return f"{entry['path']}: missing"
        if sizes[entry["path"]] != entry["bytes"]:
            return f"{entry['path']}: {sizes[entry['path']]} bytes, the manifest says {entry['bytes']}"
    extra = sorted(set(sizes) - {f["path"] for f in manifest["files"]} - {MANIFEST, SUCCESS})
    return f"{extra[0]}: not in the manifest" if extra else None


def stage_problem(home: Path, source: str, fingerprint: str) -> str | None:
    """Why the stage of (source, fingerprint) cannot be reused, or None when it can: NOT_STAGED when it was never
    completed, else what differs from its manifest. Every file's size and sha256 are checked (about a second
    per GB; a no-op build of the whole mirror hashes 53 MB); on a remote home, sizes on the store."""
    remote = storage.remote_of(home)
    if remote:
        return _remote_problem(_remote_stage(home, remote, source, fingerprint))
    return check_stage(stage_dir(home, source, fingerprint))


def _copy(src: Path, dst: Path) -> None:
    """A copy with an inode of its own: os.copy_file_range copies in the kernel, and shares extents
    (a reflink, no bytes written) where the file system can (Btrfs, XFS); else shutil.copyfile."""
    if hasattr(os, "copy_file_range"):
        try:
            with open(src, "rb") as fin, open(dst, "wb") as fout:
                while os.copy_file_range(fin.fileno(), fout.fileno(), 1 << 30):
                    pass
            return
        except FileNotFoundError:
            raise
        except OSError:  # not supported between these files: copy in user space
            pass
    shutil.copyfile(src, dst)


def copy_checked(stage: Path, entry: dict, dst: Path, source: str, published: Path | None = None) -> None:
    """Copy a staged file into a build and check the copy against the manifest (StageDamaged names the
    file and what differs). Never a hard link to the stage: a published build must not change when a
    stage does. `published`: the same file in the build published before; when it is byte-identical to
    the manifest's entry it is hard-linked instead (builds are never written, so builds share inodes only
    with builds), which keeps a rebuild of unchanged sources from copying every byte again."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if published is not None and file_problem(published, entry) is None:
        try:
            os.link(published, dst)
            return
        except OSError:  # another file system, or links not allowed: copy
            pass
    try:
        _copy(stage / entry["path"], dst)
    except FileNotFoundError:
        raise StageDamaged(source, f"missing from {stage}", entry["path"]) from None
    problem = file_problem(dst, entry)
    if problem:
        raise StageDamaged(source, problem, entry["path"])


def checked_file(stage: Path, manifest: dict, path: str, source: str) -> Path:
    """A stage's file (its quarantine or stats) after checking it against the manifest, before it is read."""
    entry = next((f for f in manifest["files"] if f["path"] == path), None)
    problem = "not in the manifest" if entry is None else file_problem(stage / path, entry)
    if problem:
        raise StageDamaged(source, problem, path)
    return stage / path


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
