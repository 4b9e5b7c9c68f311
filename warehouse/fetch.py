"""Fetch declared files into a content-addressed raw cache, sha256-verified, with retries.

A file is read from `<sources_root>/<source_id>/<path>` when a mirror root is set (a local folder,
`http(s)://` or `s3://`), and from its origin URL when there is no mirror or the mirror lacks it
(extracting `member` when the origin is an archive). A file that can be had from neither raises
FetchUnavailable (the source is skipped); one whose digest differs raises SourceError (the build fails). The cache key is the declared sha256, so a file is fetched once whatever its origin.
A folder's sha256 is a tree hash: sha256 over the sorted lines `<file sha256>  <relative path>\\n`,
which `find . -type f | LC_ALL=C sort | sed 's#^\\./##' | xargs sha256sum | sha256sum` reproduces inside it.

For a remote home (s3://..., see `warehouse.storage`) the remote raw cache sits between the local
one and the mirror: a file found there is downloaded and verified, and a file fetched from the
mirror or origin is uploaded to it.
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

from schemas.errors import FetchUnavailable, SourceError
from schemas.registry import FileSpec
from warehouse import storage
from warehouse.lock import locked_digest, record_digest

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


def cache_path(home: Path, sha256: str) -> Path:
    return home / "raw" / "sha256" / sha256[:2] / sha256


def _remote_cache_url(home: Path, remote: str, sha256: str) -> str:
    return storage.join(remote, cache_path(home, sha256).relative_to(home).as_posix())


def _from_remote_cache(home: Path, remote: str, sha256: str, landing: Path, folder: bool, source_id: str) -> bool:
    """Download a cache entry from the remote home into `landing`; True when it was there and verified."""
    url = _remote_cache_url(home, remote, sha256)
    try:
        if folder:
            found = storage.download_tree(url, landing)
        else:
            storage.download_file(url, landing)
            found = True
    except FileNotFoundError:
        return False
    if not found:
        return False
    got = sha256_tree(landing) if folder else sha256_file(landing)
    if got != sha256:  # a damaged or half-uploaded entry: fetch it again from the mirror or origin
        log.warning("%s: the remote cache's %s has sha256 %s; fetching it again", source_id, url, got)
        if folder:
            shutil.rmtree(landing, ignore_errors=True)
        else:
            landing.unlink(missing_ok=True)
        return False
    return True


def candidate_urls(source_id: str, file: FileSpec, sources_root: str | None) -> list[str]:
    """Where a file may be had, in order: the mirror (when one is set), then the origin."""
    mirror = [f"{sources_root.rstrip('/')}/{source_id}/{file.path}"] if sources_root else []
    return mirror + [file.url]


def _try(action, url: str, retries: int, backoff: float, source_id: str) -> str | None:
    """Run a download with retries; None when it worked, else why it did not."""
    for attempt in range(retries + 1):
        try:
            action()
            return None
        except FileNotFoundError:
            return f"not found at {url}"
        except Exception as e:  # network and server errors differ by backend (aiohttp, botocore, OSError)
            if attempt == retries:
                return f"could not fetch {url} after {retries + 1} tries: {e}"
            delay = backoff * 2**attempt
            log.warning("%s: fetching %s failed (%s); retrying in %.1fs", source_id, url, e, delay)
            time.sleep(delay)
    return None


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
    """The local path of a declared file (or folder), fetching and verifying it if not cached.

    The expected digest is the declared one, else the one the lock file recorded; with neither,
    the first download records its digest in the lock file.
    """
    expected = file.sha256 or locked_digest(home, source_id, file.path)
    if expected and cache_path(home, expected).exists():
        return cache_path(home, expected)
    cache_root = home / "raw" / "sha256"
    cache_root.mkdir(parents=True, exist_ok=True)
    folder = file.kind == "directory"
    staging = Path(tempfile.mkdtemp(prefix=".fetch-", dir=cache_root))
    remote = storage.remote_of(home)
    try:
        landing, reasons, url = staging / "content", [], None
        if remote and expected and _from_remote_cache(home, remote, expected, landing, folder, source_id):
            target = cache_path(home, expected)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                landing.rename(target)
            return target
        for url in candidate_urls(source_id, file, sources_root):
            shutil.rmtree(landing, ignore_errors=True)
            if folder:
                landing.mkdir()
            from_origin = url == file.url
            if file.member and from_origin:
                action = lambda: _extract_member(url, file.member, landing, folder)  # noqa: E731
            else:
                action = lambda: (_copy_folder if folder else _copy_file)(url, landing)  # noqa: E731
            log.info("%s: fetching %s", source_id, url)
            reason = _try(action, url, retries, backoff, source_id)
            if reason is None:
                break
            reasons.append(reason)
        else:
            raise FetchUnavailable(source_id, "; ".join(reasons), file.path)
        got = sha256_tree(landing) if folder else sha256_file(landing)
        if expected and got != expected:
            raise SourceError(source_id, f"sha256 mismatch for {url}: expected {expected}, got {got}", file.path)
        target = cache_path(home, got)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():  # another worker may have fetched the same content meanwhile
            landing.rename(target)  # atomic: the cache never holds a half-written or unverified file
        if remote:  # the remote home is authoritative: other machines and later builds find it there
            if folder:
                storage.upload_tree(target, _remote_cache_url(home, remote, got))
            else:
                storage.upload_file(target, _remote_cache_url(home, remote, got))
        if not expected:
            record_digest(home, source_id, file.path, got, url)
            log.info("%s: %s had no declared digest; recorded %s in the lock file", source_id, file.path, got)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
