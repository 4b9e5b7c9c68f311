"""Where everything lives under MEDINST_HOME.

    raw/sha256/<ab>/<sha256>                   fetched files, content-addressed
    stage/<source>/<fingerprint>/              one source's output for one content fingerprint
        instructions/category=/task=/split=/part-0.parquet, quarantine.parquet, stats.parquet, _SUCCESS
    quarantine/<source>/<fingerprint>.parquet  rows that failed a source's build
    warehouse/builds/<build_id>/               an immutable published build, with catalog.duckdb
    warehouse/CURRENT                          the build that readers see; switched atomically
"""

import os
import tempfile
from pathlib import Path


def stage_dir(home: Path, source: str, fingerprint: str) -> Path:
    return home / "stage" / source / fingerprint


def stage_complete(home: Path, source: str, fingerprint: str) -> bool:
    return (stage_dir(home, source, fingerprint) / "_SUCCESS").exists()


def failed_quarantine_path(home: Path, source: str, fingerprint: str) -> Path:
    return home / "quarantine" / source / f"{fingerprint}.parquet"


def builds_dir(home: Path) -> Path:
    return home / "warehouse" / "builds"


def current_build(home: Path) -> Path | None:
    """The published build folder, or None before the first build."""
    pointer = home / "warehouse" / "CURRENT"
    if not pointer.exists():
        return None
    return builds_dir(home) / pointer.read_text().strip()


def switch_current(home: Path, build_id: str) -> None:
    """Point readers at a build in one atomic rename."""
    pointer = home / "warehouse" / "CURRENT"
    fd, tmp = tempfile.mkstemp(dir=pointer.parent, prefix=".CURRENT-")
    with os.fdopen(fd, "w") as f:
        f.write(build_id + "\n")
    os.replace(tmp, pointer)
