"""MEDINST_HOME on object storage: `s3://bucket/prefix` (or any fsspec URL), through a local working copy.

Design: processing stays on local disk and the remote home is authoritative. A remote home gets a
local working copy, `$MEDINST_WORKDIR/<url slug>-<hash>` (default `~/.cache/medinst/...`), laid
out like a local home (see `warehouse.layout`) and holding a marker file `.medinst-remote` that names
the URL. Every function of `warehouse` keeps taking a local `Path` (for a remote home, the working
copy) and asks `remote_of(home)` whether it mirrors a remote home; a plain local home has no
marker and behaves exactly as before. What goes where, for a remote home:

    raw/sha256/...      fetch looks in the local cache, then in the remote cache (a download is
                        verified against its sha256), then at the mirror or origin; a file fetched
                        from there is uploaded to the remote cache
    sources.lock.json   read from the remote; a new digest is merged into the remote lock and
                        uploaded (one process at a time per machine; two machines recording a digest
                        for the same undeclared file at once may lose one, recorded again next build)
    stage/<s>/<fp>/     written locally, then uploaded with `_SUCCESS` last; a stage is complete
                        when the remote `_SUCCESS` exists. Publish downloads a stage it lacks locally
                        (one staged by a Dask worker on another machine)
    prefect-results/    a remote (JSON-only) result block on `<url>/prefect-results`, so the task
                        cache survives the working copy
    warehouse/builds/<id>/
                        assembled locally, then uploaded: first its Parquet and tables, then its
                        catalog.duckdb, whose views read `<url>/warehouse/builds/<id>/...` (the URL
                        set by whoever opens it: `warehouse.catalog`, `medinst_build`)
    warehouse/CURRENT   written last, in one PUT: readers see the previous build or the whole new one

Reading: `current_build(working copy)` reads the remote CURRENT, downloads that build's
catalog.duckdb (views only, a few KB) into the working copy and returns the local build folder.
`query`/`connect_read_only` register the fsspec filesystem on the DuckDB connection (the duckdb
wheel has no httpfs, and cannot install it offline), so the views read the Parquet straight from
the store; `read_instructions` and the exports read it through fsspec. Derived marts
(`write_derived`) and rewritten catalogs (`write_catalog`) are uploaded as they are written.

Credentials and endpoint come from the environment of every process that touches the store, as
the fsspec backend reads them: for S3, `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (or a profile)
and `AWS_ENDPOINT_URL` for an S3-compatible store. None is written to the Prefect result block.
Dask workers need the same environment (a LocalCluster's worker processes inherit it).
"""

import hashlib
import io
import os
import re
import shutil
import tempfile
from pathlib import Path

import fsspec

MARKER = ".medinst-remote"


def is_remote(location: str | Path) -> bool:
    """A URL other than file://, which is read as a local path."""
    text = str(location)
    return "://" in text and not text.startswith("file://")


def local_path(location: str) -> Path:
    """A local home from a path or a file:// URL."""
    return Path(location.removeprefix("file://")).expanduser().resolve()


def normalise(url: str) -> str:
    return url.rstrip("/")


def join(url: str, *parts: str) -> str:
    return "/".join([url.rstrip("/"), *(p.strip("/") for p in parts)])


def workdir_root() -> Path:
    root = os.environ.get("MEDINST_WORKDIR") or Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache") / "medinst"
    return Path(root).expanduser().resolve()


def workdir_for(url: str) -> Path:
    """The local working copy of a remote home: readable, and distinct for every URL."""
    url = normalise(url)
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", url.split("://", 1)[-1]).strip("_")[:80]
    return workdir_root() / f"{slug}-{hashlib.sha256(url.encode()).hexdigest()[:10]}"


def attach(url: str) -> Path:
    """The working copy of a remote home, created with its marker."""
    url = normalise(url)
    work = workdir_for(url)
    work.mkdir(parents=True, exist_ok=True)
    marker = work / MARKER
    if not marker.is_file() or marker.read_text().strip() != url:
        fd, tmp = tempfile.mkstemp(dir=work, prefix=f"{MARKER}-")
        with os.fdopen(fd, "w") as f:
            f.write(url + "\n")
        os.replace(tmp, marker)
    return work


def home_path(location: str | Path) -> Path:
    """The local folder that stands for a home: the home itself, or a remote home's working copy."""
    return attach(str(location)) if is_remote(location) else local_path(str(location))


def remote_of(home: Path) -> str | None:
    """The URL of the remote home that this local folder is the working copy of, or None."""
    marker = Path(home) / MARKER
    return marker.read_text().strip() if marker.is_file() else None


def remote_build(build: Path) -> str | None:
    """The URL of a build folder `<working copy>/warehouse/builds/<id>`, or None for a local home's build."""
    build = Path(build)
    if build.parent.name != "builds" or build.parent.parent.name != "warehouse":
        return None
    remote = remote_of(build.parent.parent.parent)
    return join(remote, "warehouse", "builds", build.name) if remote else None


# --- the remote store ---------------------------------------------------------------------------

def filesystem(url: str):
    """(fsspec filesystem, path inside it) for a URL; listings are never served from a stale cache."""
    fs, path = fsspec.core.url_to_fs(url)
    fs.invalidate_cache()  # other processes (workers, other machines) write to the same store
    return fs, path


def exists(url: str) -> bool:
    fs, path = filesystem(url)
    return fs.exists(path)


def read_text(url: str) -> str | None:
    fs, path = filesystem(url)
    try:
        with fs.open(path, "rb") as f:
            return f.read().decode("utf-8")
    except FileNotFoundError:
        return None


def write_text(url: str, text: str) -> None:
    """One object written in one PUT: readers see the old or the new content, never a mix."""
    fs, path = filesystem(url)
    fs.pipe_file(path, text.encode("utf-8"))


def list_files(url: str, suffix: str = "") -> list[str]:
    """URLs of the files under a folder URL, sorted; empty when there is none."""
    fs, path = filesystem(url)
    try:
        found = fs.find(path)
    except FileNotFoundError:
        return []
    return sorted(fs.unstrip_protocol(p) for p in found if p.endswith(suffix))


def file_sizes(url: str) -> dict[str, int]:
    """{path relative to the folder: bytes} of the files under a folder URL; empty when there is none."""
    fs, root = filesystem(url)
    root = root.rstrip("/")
    try:
        found = fs.find(root, detail=True)
    except FileNotFoundError:
        return {}
    return {p[len(root):].lstrip("/"): int(info["size"]) for p, info in found.items() if info["type"] == "file"}


def upload_file(local: Path, url: str) -> None:
    fs, path = filesystem(url)
    fs.put_file(str(local), path)


def upload_tree(local: Path, url: str, last: tuple[str, ...] = (), skip: tuple[str, ...] = ()) -> list[str]:
    """Upload every file under a local folder to `url/<relative path>`; names in `last` go after the rest.

    Object stores have no rename, so a tree is never replaced at once: callers upload a completion
    marker (`last`) or switch a pointer once the tree is complete. Returns the relative paths uploaded.
    """
    files = sorted(p for p in Path(local).rglob("*") if p.is_file() and p.name not in skip)
    fs, root = filesystem(url)
    for batch in ([p for p in files if p.name not in last], [p for p in files if p.name in last]):
        if batch:
            fs.put([str(p) for p in batch], [f"{root.rstrip('/')}/{p.relative_to(local).as_posix()}" for p in batch])
    return [p.relative_to(local).as_posix() for p in files]


def download_file(url: str, local: Path) -> None:
    """Download one object; the local file is replaced in one rename."""
    fs, path = filesystem(url)
    local.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=local.parent, prefix=f".{local.name}-")
    os.close(fd)
    try:
        fs.get_file(path, tmp)
        os.replace(tmp, local)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def download_tree(url: str, local: Path) -> bool:
    """Download a remote folder to `local` (written aside, renamed into place); False when there is none."""
    fs, root = filesystem(url)
    root = root.rstrip("/")
    try:
        found = sorted(fs.find(root))
    except FileNotFoundError:
        found = []
    if not found:
        return False
    local.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=local.parent, prefix=f".{local.name}.download-"))
    try:
        targets = [tmp / p[len(root):].lstrip("/") for p in found]
        for t in targets:
            t.parent.mkdir(parents=True, exist_ok=True)
        fs.get(found, [str(t) for t in targets])
        shutil.rmtree(local, ignore_errors=True)
        tmp.rename(local)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return True


def remove_tree(url: str) -> None:
    fs, path = filesystem(url)
    if fs.exists(path):
        fs.rm(path, recursive=True)


def read_bytes(urls: list[str]) -> list[io.BytesIO]:
    """The contents of several objects, fetched concurrently where the backend can (s3fs does)."""
    if not urls:
        return []
    fs, _ = filesystem(urls[0])
    paths = [fsspec.core.url_to_fs(u)[1] for u in urls]
    blobs = fs.cat(paths)
    return [io.BytesIO(blobs[p]) for p in paths]
