"""Where everything lives under MEDINST_HOME.

    raw/sha256/<ab>/<sha256>                   fetched files, content-addressed
    stage/<source>/<fingerprint>/              one source's output for one content fingerprint
        instructions/category=/task=/split=/part-0.parquet, quarantine.parquet, stats.parquet, _SUCCESS
    quarantine/<source>/<fingerprint>.parquet  rows that failed a source's build
    warehouse/builds/<build_id>/               an immutable published build, with catalog.duckdb
    warehouse/CURRENT                          the build that readers see; switched atomically

For a remote home (s3://...) `home` is its local working copy and the remote is authoritative: a
stage is complete when the remote one is, CURRENT is read from and written to the remote, and
`current_build` fetches the build's catalog into the working copy (see `warehouse.storage`).
"""

import os
import tempfile
from pathlib import Path

from warehouse import storage


def stage_dir(home: Path, source: str, fingerprint: str) -> Path:
    return home / "stage" / source / fingerprint


def stage_complete(home: Path, source: str, fingerprint: str) -> bool:
    remote = storage.remote_of(home)
    if remote:
        return storage.exists(storage.join(remote, "stage", source, fingerprint, "_SUCCESS"))
    return (stage_dir(home, source, fingerprint) / "_SUCCESS").exists()


def failed_quarantine_path(home: Path, source: str, fingerprint: str) -> Path:
    return home / "quarantine" / source / f"{fingerprint}.parquet"


def builds_dir(home: Path) -> Path:
    return home / "warehouse" / "builds"


def published_log(home: Path) -> Path:
    """Every build id ever made CURRENT, one a line (a later manual rollback of CURRENT keeps them)."""
    return home / "warehouse" / "published.log"


def current_build(home: Path) -> Path | None:
    """The published build folder, or None before the first build.

    For a remote home: the build named by the remote CURRENT, as a folder of the working copy that
    holds (at least) its catalog.duckdb, fetched afresh; its views read the remote Parquet.
    """
    remote = storage.remote_of(home)
    if remote:
        build_id = storage.read_text(storage.join(remote, "warehouse", "CURRENT"))
        if not build_id or not build_id.strip():
            return None
        build = builds_dir(home) / build_id.strip()
        storage.download_file(storage.join(remote, "warehouse", "builds", build.name, "catalog.duckdb"),
                              build / "catalog.duckdb")
        return build
    pointer = home / "warehouse" / "CURRENT"
    if not pointer.exists():
        return None
    return builds_dir(home) / pointer.read_text().strip()


def switch_current(home: Path, build_id: str) -> None:
    """Point readers at a build in one atomic rename (for a remote home, one PUT of the remote CURRENT)."""
    remote = storage.remote_of(home)
    if remote:
        storage.write_text(storage.join(remote, "warehouse", "CURRENT"), build_id + "\n")
    pointer = home / "warehouse" / "CURRENT"
    pointer.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=pointer.parent, prefix=".CURRENT-")
    with os.fdopen(fd, "w") as f:
        f.write(build_id + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, pointer)
