"""One build at a time per MEDINST_HOME, and the clean-up of what a killed build left behind.

The build lock is `<MEDINST_HOME>/.build.lock`: an `fcntl.flock` on the file, which the kernel
drops when its holder dies however it dies, and in the file the holder's pid, host and start time
for the message a refused build prints. A second build waits for the lock up to `timeout` seconds
(0: refuses at once), then raises BuildLocked naming the holder. A lock whose recorded holder is a
dead pid on this host (the flock kept alive by a forked child that outlived it) is taken over by
unlinking the file: whoever holds the old inode then locks nothing that anyone else opens.
For a remote home (s3://...) the lock is taken in the local working copy, so it serialises the
builds of one machine; object stores have no lock, and two machines building one remote home at
once are not kept apart (each still publishes atomically: the last CURRENT written wins).

`clean_leftovers` runs at the start of a build, under the lock, and removes what a build killed
part-way left behind, only items older than the running build and never the published build:
`.fetch-*` staging folders of the raw cache, stage `.<fingerprint>.tmp` folders, `.<id>.tmp`
build folders, build folders never published (newer than CURRENT and not in `warehouse/published.log`: their
build died before the switch), quarantine, catalog and mart temp files, and `.CURRENT-*` / `.sources.lock-*` temp files.
"""

import fcntl
import json
import logging
import os
import shutil
import socket
import time
from datetime import datetime, timezone
from pathlib import Path

from warehouse.layout import builds_dir, published_log

log = logging.getLogger(__name__)
LOCK_NAME = ".build.lock"
DEFAULT_TIMEOUT = 600.0  # seconds a build waits for another one on the same home
TIMEOUT_ENV = "MEDINST_BUILD_LOCK_TIMEOUT"


class BuildLocked(Exception):
    """Another build holds this MEDINST_HOME."""


def lock_timeout(timeout: float | None = None) -> float:
    if timeout is not None:
        return float(timeout)
    return float(os.environ.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holder(fd: int) -> dict:
    try:
        return json.loads(os.pread(fd, 4096, 0).decode() or "{}")
    except (OSError, ValueError):
        return {}


def _describe(holder: dict) -> str:
    if not holder:
        return "another build (holder unknown)"
    return f"pid {holder.get('pid')} on {holder.get('host')}, started {holder.get('started')}"


class BuildLock:
    """`with BuildLock(home, timeout):` holds the home's build lock; `started` is when it was taken."""

    def __init__(self, home: Path, timeout: float | None = None, poll: float = 0.5):
        self.path = Path(home) / LOCK_NAME
        self.timeout = lock_timeout(timeout)
        self.poll = poll
        self.fd: int | None = None
        self.started: float | None = None

    def acquire(self) -> "BuildLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.timeout
        waited = False
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _holder(fd)
                same = _same_file(fd, self.path)
                if same and holder.get("host") == socket.gethostname() and not _alive(int(holder.get("pid", 0)) or -1):
                    log.warning("taking over the build lock of dead pid %s (%s)", holder.get("pid"), self.path)
                    self.path.unlink(missing_ok=True)
                    os.close(fd)
                    continue
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise BuildLocked(
                        f"another build holds {self.path}: {_describe(holder)}"
                        + (f"; waited {self.timeout:g} s" if self.timeout > 0 else "")
                        + f" (set {TIMEOUT_ENV} to wait longer, 0 to refuse at once)") from None
                if not waited:
                    log.warning("waiting up to %g s for the build lock held by %s", self.timeout, _describe(holder))
                    waited = True
                time.sleep(min(self.poll, max(0.0, deadline - time.monotonic())))
                continue
            if not _same_file(fd, self.path):  # released (unlinked) or taken over between open and flock
                os.close(fd)
                continue
            self.fd, self.started = fd, time.time()
            record = {"pid": os.getpid(), "host": socket.gethostname(),
                      "started": datetime.fromtimestamp(self.started, timezone.utc).isoformat(timespec="seconds")}
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(record).encode(), 0)
            os.fsync(fd)
            return self

    def release(self) -> None:
        if self.fd is None:
            return
        if _same_file(self.fd, self.path):
            self.path.unlink(missing_ok=True)  # while still locked: a waiter that opened it retries
        os.close(self.fd)
        self.fd = None

    def __enter__(self) -> "BuildLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def _older(path: Path, before: float) -> bool:
    try:
        return path.lstat().st_mtime < before
    except FileNotFoundError:
        return False


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def leftovers(home: Path, before: float | None = None) -> list[Path]:
    """What killed builds left under a home (the local home, or a remote home's working copy)."""
    home = Path(home)
    before = time.time() if before is None else before
    found: list[Path] = []
    raw = home / "raw" / "sha256"
    if raw.is_dir():
        found += raw.glob(".fetch-*")
    stage = home / "stage"
    if stage.is_dir():
        found += (p for p in stage.glob("*/.*.tmp") if p.is_dir())
    found += home.glob("quarantine/*/.*.tmp")
    found += home.glob(".sources.lock-*")
    found += (home / "warehouse").glob(".CURRENT-*")
    builds = builds_dir(home)
    if builds.is_dir():
        pointer = home / "warehouse" / "CURRENT"
        current = pointer.read_text().strip() if pointer.exists() else None
        log_file = published_log(home)
        published = set(log_file.read_text().split()) if log_file.exists() else set()
        for b in builds.iterdir():
            if b.name.startswith("."):
                if b.name.endswith(".tmp"):
                    found.append(b)
                continue
            if b.name == current:
                found += b.glob(".catalog-*")
                found += (b / "derived").glob(".*.parquet")
            elif b.name not in published and (current is None or b.name > current):  # its build died unpublished
                found.append(b)
            else:  # an earlier published build: only temp files
                found += b.glob(".catalog-*")
                found += (b / "derived").glob(".*.parquet")
    return sorted(p for p in found if _older(p, before))


def clean_leftovers(home: Path, before: float) -> list[Path]:
    """Remove the leftovers older than `before` (the running build's start); returns what was removed."""
    removed = leftovers(home, before)
    for path in removed:
        log.warning("removing what an interrupted build left: %s", path)
        _remove(path)
    return removed
