"""The lock file: sha256 digests recorded on first download for files the registry declares without one.

`<MEDINST_HOME>/sources.lock.json` maps `source_id -> declared path -> {sha256, url}`; from the
first download on, the file is verified against it like a declared digest. Copy a digest into the
YAML to pin it for everyone.

For a remote home (see `warehouse.storage`) the remote lock is the one read, and a new digest is
merged into it and uploaded, with a local copy in the working copy.
"""

import json
import os
import tempfile
import threading
from pathlib import Path

from warehouse import storage
from warehouse.redact import redact

_guard = threading.Lock()


def lock_path(home: Path) -> Path:
    return home / "sources.lock.json"


def read_lock(home: Path) -> dict:
    remote = storage.remote_of(home)
    if remote:
        text = storage.read_text(storage.join(remote, lock_path(home).name))
        return json.loads(text) if text else {}
    path = lock_path(home)
    return json.loads(path.read_text()) if path.exists() else {}


def locked_digest(home: Path, source_id: str, path: str) -> str | None:
    return read_lock(home).get(source_id, {}).get(path, {}).get("sha256")


def record_digest(home: Path, source_id: str, path: str, sha256: str, url: str) -> None:
    """Add one digest (with where it came from, credentials redacted); the file is rewritten atomically so
    a crash never leaves half a lock."""
    with _guard:
        lock = read_lock(home)
        lock.setdefault(source_id, {})[path] = {"sha256": sha256, "url": redact(url)}  # no credentials
        home.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=home, prefix=".sources.lock-")
        with os.fdopen(fd, "w") as f:
            json.dump(lock, f, indent=2, sort_keys=True)
        os.replace(tmp, lock_path(home))
        remote = storage.remote_of(home)
        if remote:
            storage.upload_file(lock_path(home), storage.join(remote, lock_path(home).name))
