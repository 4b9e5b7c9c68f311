"""Fetch declared files into a content-addressed raw cache, sha256-verified, with retries.

A file is read from `<sources_root>/<source_id>/<path>` when a mirror root is set (a local folder,
`http(s)://` or `s3://`), else from its origin URL (extracting `member` when the origin is an
archive). The cache key is the declared sha256, so a file is fetched once whatever its origin.
A folder's sha256 is a tree hash: sha256 over the sorted lines `<file sha256>  <relative path>\\n`,
which `find . -type f | sort | xargs sha256sum` reproduces inside the folder.
"""

import hashlib
import io
import logging
import shutil
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

import fsspec

from schemas.errors import SourceError
from schemas.registry import FileSpec

log = logging.getLogger(__name__)
CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def sha256_tree(folder: Path) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    listing = "".join(f"{sha256_file(p)}  {p.relative_to(folder).as_posix()}\n" for p in files)
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


def cache_path(home: Path, file: FileSpec) -> Path:
    return home / "raw" / "sha256" / file.sha256[:2] / file.sha256


def resolve_url(source_id: str, file: FileSpec, sources_root: str | None) -> str:
    if sources_root:
        return f"{sources_root.rstrip('/')}/{source_id}/{file.path}"
    return file.url


def _with_retries(action, source_id: str, file: FileSpec, url: str, retries: int, backoff: float):
    for attempt in range(retries + 1):
        try:
            return action()
        except FileNotFoundError:
            raise SourceError(source_id, f"file not found at {url}", file.path) from None
        except Exception as e:  # network and server errors differ by backend (aiohttp, botocore, OSError)
            if attempt == retries:
                raise SourceError(source_id, f"could not fetch {url} after {retries + 1} tries: {e}", file.path) from None
            delay = backoff * 2**attempt
            log.warning("%s: fetching %s failed (%s); retrying in %.1fs", source_id, url, e, delay)
            time.sleep(delay)


def _copy_file(url: str, target: Path) -> None:
    with fsspec.open(url, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, CHUNK)


def _copy_folder(url: str, target: Path) -> None:
    fs, root = fsspec.core.url_to_fs(url)
    root = root.rstrip("/")
    found = fs.find(root)
    if not found:
        raise FileNotFoundError(url)
    for remote in found:
        rel = remote[len(root) :].lstrip("/")
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        with fs.open(remote, "rb") as src, open(dest, "wb") as dst:
            shutil.copyfileobj(src, dst, CHUNK)


def _extract_member(url: str, member: str, target: Path, is_folder: bool) -> None:
    """Download an archive and pull one file (or folder) out of it."""
    with fsspec.open(url, "rb") as src:
        blob = io.BytesIO(src.read())
    prefix = member.rstrip("/") + "/"
    if zipfile.is_zipfile(blob):
        with zipfile.ZipFile(blob) as z:
            entries = {n: (lambda n=n: z.read(n)) for n in z.namelist() if not n.endswith("/")}
    else:
        blob.seek(0)
        tar = tarfile.open(fileobj=blob)
        entries = {m.name: (lambda m=m: tar.extractfile(m).read()) for m in tar.getmembers() if m.isfile()}
    if not is_folder:
        if member not in entries:
            raise FileNotFoundError(f"{url}#{member}")
        target.write_bytes(entries[member]())
        return
    names = [n for n in entries if n.startswith(prefix)]
    if not names:
        raise FileNotFoundError(f"{url}#{member}")
    for n in names:
        dest = target / n[len(prefix) :]
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(entries[n]())


def fetch(
    source_id: str,
    file: FileSpec,
    *,
    home: Path,
    sources_root: str | None = None,
    retries: int = 3,
    backoff: float = 0.5,
) -> Path:
    """The local path of a declared file (or folder), fetching and verifying it if not cached."""
    target = cache_path(home, file)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    url = resolve_url(source_id, file, sources_root)
    folder = file.kind == "directory"
    staging = Path(tempfile.mkdtemp(prefix=f".{file.sha256[:12]}-", dir=target.parent))
    try:
        landing = staging / "content"
        if folder:
            landing.mkdir()
        if file.member and not sources_root:
            action = lambda: _extract_member(url, file.member, landing, folder)
        else:
            action = lambda: (_copy_folder if folder else _copy_file)(url, landing)
        log.info("%s: fetching %s", source_id, url)
        _with_retries(action, source_id, file, url, retries, backoff)
        got = sha256_tree(landing) if folder else sha256_file(landing)
        if got != file.sha256:
            raise SourceError(source_id, f"sha256 mismatch for {url}: expected {file.sha256}, got {got}", file.path)
        if not target.exists():  # another worker may have fetched the same content meanwhile
            landing.rename(target)  # atomic: the cache never holds a half-written or unverified file
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
