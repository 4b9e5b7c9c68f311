"""Where everything lives under MEDINST_HOME.

    raw/sha256/<ab>/<sha256>                   fetched files, content-addressed
    stage/<source>/<fingerprint>/              one source's output for one content fingerprint
        instructions/category=/task=/split=/part-0.parquet, quarantine.parquet, stats.parquet,
        manifest.json (what the stage holds: see warehouse.stage), _SUCCESS
    quarantine/<source>/<fingerprint>.parquet  rows that failed a source's build
    warehouse/builds/<build_id>/               an immutable published build, with catalog.duckdb
    warehouse/CURRENT                          the build that readers see; switched atomically

For a remote home (s3://...) `home` is its local working copy and the remote is authoritative: a
stage is complete when the remote one is, CURRENT is read from and written to the remote, and
`current_build` fetches the build's catalog into the working copy (see `warehouse.storage`).
"""

import os
import re
import secrets
from pathlib import Path

from warehouse import storage


def stage_dir(home: Path, source: str, fingerprint: str) -> Path:
    return home / "stage" / source / fingerprint


def stage_complete(home: Path, source: str, fingerprint: str) -> bool:
    """Whether the stage was completed (its marker); `warehouse.stage.stage_problem` checks what it holds."""
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


class BrokenCurrent(Exception):
    """warehouse/CURRENT names no published build (garbage, or a folder that is gone): said once,
    healed by the next build, which rewrites CURRENT."""


_BUILD_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.-]*")  # a folder name: no '/', '..' or leading dot


def _named_build(home: Path, text: str | None, where: str) -> Path | None:
    """The build folder that CURRENT's text names; BrokenCurrent when it names none that exists."""
    if text is None:
        return None
    name = text.strip()
    build = builds_dir(home) / name
    remote = storage.remote_of(home)
    if _BUILD_ID.fullmatch(name) and remote:
        try:
            storage.download_file(storage.join(remote, "warehouse", "builds", name, "catalog.duckdb"),
                                  build / "catalog.duckdb")
            return build
        except FileNotFoundError:
            pass
    elif _BUILD_ID.fullmatch(name) and (build / "catalog.duckdb").is_file():
        return build
    raise BrokenCurrent(f"{where} names no published build ({name!r}): run `medinst build` to publish one")


def current_build(home: Path) -> Path | None:
    """The published build folder, or None before the first build; BrokenCurrent when CURRENT names
    no build (the message says so; the next build rewrites it).

    For a remote home: the build named by the remote CURRENT, as a folder of the working copy that
    holds (at least) its catalog.duckdb, fetched afresh; its views read the remote Parquet.
    """
    remote = storage.remote_of(home)
    if remote:
        url = storage.join(remote, "warehouse", "CURRENT")
        return _named_build(home, storage.read_text(url), url)
    pointer = home / "warehouse" / "CURRENT"
    return _named_build(home, pointer.read_text() if pointer.exists() else None, str(pointer))


def last_published(home: Path) -> Path | None:
    """The newest build of `published.log` that is still whole (its catalog is there): what CURRENT
    named before it was spoiled."""
    log = published_log(home)
    for name in reversed(log.read_text().split() if log.exists() else []):
        try:
            return _named_build(home, name, str(log))
        except BrokenCurrent:
            continue
    return None


def switch_current(home: Path, build_id: str) -> None:
    """Point readers at a build in one atomic rename (for a remote home, one PUT of the remote CURRENT)."""
    remote = storage.remote_of(home)
    if remote:
        storage.write_text(storage.join(remote, "warehouse", "CURRENT"), build_id + "\n")
    pointer = home / "warehouse" / "CURRENT"
    pointer.parent.mkdir(parents=True, exist_ok=True)
    # Not mkstemp, whose file is 0600: CURRENT gets the mode of every other file (0666 less the umask).
    tmp = pointer.parent / f".CURRENT-{os.getpid()}-{secrets.token_hex(4)}"
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "w") as f:
        f.write(build_id + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, pointer)
