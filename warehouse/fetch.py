"""Fetch declared files into a content-addressed raw cache, sha256-verified, with retries.

A file is read from `<sources_root>/<source_id>/<path>` when a mirror root is set (a local folder,
`http(s)://` or `s3://`), and from its origin URL when there is no mirror or the mirror lacks it
(extracting `member` when the origin is an archive). A file that can be had from neither raises
FetchUnavailable (the source is skipped); one whose digest differs raises SourceError (the build fails). The cache key is the declared sha256, so a file is fetched once whatever its origin.
A failure of this machine while fetching (disk full, over quota, read-only, no right to write the
staging folder) is not "unavailable": it raises SourceError at once. A local mirror's path that leads
outside `<root>/<source_id>/` (a symbolic link out, in the path or inside a declared folder) is refused
with a SourceError. Credentials in a mirror URL (`http://user:TOKEN@host/...`) are sent as Basic auth
and redacted (warehouse.redact) wherever a URL is logged, raised or recorded.
A folder's sha256 is a tree hash: sha256 over the sorted lines `<file sha256>  <relative path>\\n`,
which `find . -type f | LC_ALL=C sort | sed 's#^\\./##' | xargs sha256sum | sha256sum` reproduces inside it.

http(s) downloads go through urllib: a redirect to another host is followed (the sha256 still decides)
but logged as a warning naming both hosts and appended to `<home>/fetch-redirects.jsonl`; a body
shorter than its Content-Length is an error (retried, never cached or locked). An archive is
streamed to the staging folder and checked whole before anything is extracted: a member named with
`..` or an absolute path, a symbolic or hard link, a device or fifo, or more than MAX_ARCHIVE_BYTES
decompressed refuses it with a SourceError (the build fails; it is not skipped).

For a remote home (s3://..., see `warehouse.storage`) the remote raw cache sits between the local
one and the mirror: a file found there is downloaded and verified, and a file fetched from the
mirror or origin is uploaded to it.
"""

import base64
import errno
import fnmatch
import hashlib
import json
import logging
import os
import shutil
import socket
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import fsspec

from schemas.errors import FetchUnavailable, SourceError
from schemas.registry import FileSpec
from warehouse import storage
from warehouse.faults import crash_point
from warehouse.lock import locked_digest, record_digest
from warehouse.redact import redact

log = logging.getLogger(__name__)
CHUNK = 1 << 20
# An archive whose members would decompress to more than this is refused (a zip or tar bomb).
# Tests lower it; raise it here if a declared archive is genuinely bigger.
MAX_ARCHIVE_BYTES = 4 << 30
HTTP_TIMEOUT = 60.0


def sha256_file(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


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


def candidate_urls(source_id: str, file: FileSpec, sources_root: str | None, manual_root: str | None = None,
                   offline: bool = False) -> list[tuple[str, str]]:
    """Where a file may be had, in order, each as (url, place): the mirror (when one is set), the folder
    of manual downloads (when one is set), then the origin (unless offline, or the file has none)."""
    places = [(root, place) for root, place in ((sources_root, "mirror"), (manual_root, "manual")) if root]
    urls = [(f"{root.rstrip('/')}/{source_id}/{file.path}", place) for root, place in places]
    return urls + ([(file.url, "origin")] if file.url and not offline else [])


def known_size(source_id: str, file: FileSpec, home: Path, sources_root: str | None) -> int:
    """A declared file's bytes where they can be seen without fetching (the raw cache, a mirror folder on
    this machine); 0 where they cannot. A folder counts its files."""
    digest = file.sha256 or locked_digest(home, source_id, file.path)
    places = [cache_path(home, digest)] if digest else []
    protocol, root = fsspec.core.split_protocol(sources_root) if sources_root else ("none", "")
    if protocol in (None, "file"):
        places.append(Path(root) / source_id / file.path)
    for place in places:
        if place.is_file():
            return place.stat().st_size
        if place.is_dir():
            return sum(p.stat().st_size for p in place.rglob("*") if p.is_file())
    return 0


# A write of ours that failed for want of room or rights: the source is fine, this machine is not.
OWN_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


def _our_failure(e: Exception, staging: Path | None) -> bool:
    """Whether `e` is this machine failing to write (disk full, over quota, read-only, no right to write
    the staging folder) rather than the source being unreachable."""
    if not isinstance(e, OSError):
        return False
    if e.errno in OWN_ERRNOS:
        return True
    names = [Path(os.fsdecode(n)) for n in (e.filename, e.filename2) if isinstance(n, (str, bytes, os.PathLike))]
    return isinstance(e, PermissionError) and staging is not None and any(n.is_relative_to(staging) for n in names)


class HostUnreachable(OSError):
    """The host does not resolve: there is no network, or the name is wrong (not retried)."""


def _try(action, url: str, retries: int, backoff: float, source_id: str, file: str | None = None,
         staging: Path | None = None) -> tuple[str, str] | None:
    """Run a download with retries; None when it worked, else (kind, why) it did not (the source is then
    skipped), kind as schemas.errors.UNAVAILABLE_KINDS.

    A failure of this machine (see _our_failure) raises a SourceError at once: skipping the source
    would publish less than was asked. Messages name the URL with its credentials redacted.
    """
    shown = redact(url)
    for attempt in range(retries + 1):
        try:
            action()
            return None
        except FileNotFoundError:
            return "not found", f"not found at {shown}"
        except HostUnreachable as e:
            return "unreachable", f"unreachable: {shown}: {redact(str(e))}"
        except SourceError:  # hostile or truncated content: fail the build, do not retry or skip
            raise
        except Exception as e:  # network and server errors differ by backend (aiohttp, botocore, OSError)
            if _our_failure(e, staging):
                raise SourceError(source_id, f"fetching {shown} failed on this machine: {redact(str(e))} (not a "
                                             "failure of the source; nothing was skipped or published)", file) from None
            if attempt == retries:
                return "unreachable", redact(f"could not fetch {shown} after {retries + 1} tries: {e}")
            delay = backoff * 2**attempt
            log.warning("%s: fetching %s failed (%s); retrying in %.1fs", source_id, shown, redact(str(e)), delay)
            time.sleep(delay)
    return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # redirects are followed (and checked) by _http_download
        return None


_opener = urllib.request.build_opener(_NoRedirect)
MAX_REDIRECTS = 10


class IncompleteDownload(OSError):
    """The connection closed before the body the server announced had arrived (retried)."""


def _record_redirect(home: Path | None, source_id: str, file: str | None, url: str, target: str) -> None:
    """Warn about a redirect to another host and append it to `<home>/fetch-redirects.jsonl`."""
    src, dst = (urllib.parse.urlsplit(u).netloc.rpartition("@")[2] for u in (url, target))
    url, target = redact(url), redact(target)
    log.warning("%s: %s: %s redirected from host %s to host %s (%s); the sha256 check still applies",
                source_id, file, url, src, dst, target)
    if home is None:
        return
    home.mkdir(parents=True, exist_ok=True)
    line = {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "source": source_id, "file": file,
            "url": url, "from_host": src, "to_host": dst, "location": target}
    with open(home / "fetch-redirects.jsonl", "a") as f:
        f.write(json.dumps(line) + "\n")


def _credentials(url: str) -> tuple[str, dict]:
    """The URL without its `user:password@`, and the Basic Authorization header those make (urllib
    would take them for part of the host name)."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, {}
    pair = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
    bare = urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    return bare, {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


def _http_download(url: str, target: Path, *, source_id: str = "", file: str | None = None,
                   home: Path | None = None) -> None:
    """GET an http(s) URL into `target`, following redirects (a change of host is warned about and
    recorded) and refusing a body shorter than its Content-Length. Credentials in the URL are sent as
    Basic auth, to its own host only."""
    current, auth = _credentials(url)
    own_host = urllib.parse.urlsplit(current).netloc
    for _ in range(MAX_REDIRECTS + 1):
        headers = {"User-Agent": "medinst", **(auth if urllib.parse.urlsplit(current).netloc == own_host else {})}
        try:
            response = _opener.open(urllib.request.Request(current, headers=headers), timeout=HTTP_TIMEOUT)
        except urllib.error.HTTPError as e:
            if e.code in (301, 302, 303, 307, 308) and e.headers.get("Location"):
                nxt = urllib.parse.urljoin(current, e.headers["Location"])
                e.close()
                if urllib.parse.urlsplit(nxt).scheme not in ("http", "https"):
                    raise SourceError(source_id, f"{current} redirected to a non-HTTP URL {redact(nxt)}",
                                      file) from None
                if urllib.parse.urlsplit(nxt).netloc != urllib.parse.urlsplit(current).netloc:
                    _record_redirect(home, source_id, file, current, nxt)
                current = nxt
                continue
            if e.code in (404, 410):
                raise FileNotFoundError(current) from None
            raise
        except urllib.error.URLError as e:
            if isinstance(e.reason, socket.gaierror):  # a host that does not resolve: nothing to retry
                raise HostUnreachable(f"its host {urllib.parse.urlsplit(current).hostname} does not resolve "
                                      f"({e.reason})") from None
            raise
        with response:
            announced = response.headers.get("Content-Length")
            got = 0
            with open(target, "wb") as dst:
                while chunk := response.read(CHUNK):
                    dst.write(chunk)
                    got += len(chunk)
        if announced is not None and announced.isdigit() and got != int(announced):
            target.unlink(missing_ok=True)
            raise IncompleteDownload(f"incomplete download of {current}: got {got} of {announced} bytes")
        return
    raise SourceError(source_id, f"more than {MAX_REDIRECTS} redirects from {redact(url)}", file)


def _is_http(url: str) -> bool:
    return url.startswith(("http://", "https://"))


def _copy_file(url: str, target: Path, **context) -> None:
    if _is_http(url):
        _http_download(url, target, **context)
        return
    protocol, local = fsspec.core.split_protocol(url)
    if protocol in (None, "file"):  # a local mirror: the kernel copies (sendfile), GBs in seconds
        shutil.copyfile(local, target)
        return
    with fsspec.open(url, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, CHUNK)


def included(rel: str, include: list[str] | None) -> bool:
    """Whether a file at `rel` inside a declared folder is part of it (see FileSpec.include)."""
    return include is None or any(fnmatch.fnmatchcase(rel, pattern) for pattern in include)


def _copy_folder(url: str, target: Path, include: list[str] | None = None) -> None:
    fs, root = fsspec.core.url_to_fs(url)
    root = root.rstrip("/")
    found = [r for r in fs.find(root) if included(r[len(root):].lstrip("/"), include)]
    if not found:
        raise FileNotFoundError(url)
    for remote in found:
        rel = remote[len(root) :].lstrip("/")
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        with fs.open(remote, "rb") as src, open(dest, "wb") as dst:
            shutil.copyfileobj(src, dst, CHUNK)


def _unsafe_name(name: str) -> str | None:
    """Why an archive member's name could write outside the folder it is extracted into, else None."""
    if not name or "\x00" in name:
        return "an empty or NUL-containing name"
    norm = name.replace("\\", "/")
    if norm.startswith("/") or PurePosixPath(norm).is_absolute() or (len(norm) > 1 and norm[1] == ":"):
        return "an absolute path"
    if ".." in PurePosixPath(norm).parts:
        return "a '..' path component"
    return None


LINK_KINDS = {"symlink": "symbolic link", "hardlink": "hard link"}


def _check_archive(entries: list[tuple[str, str, int]], where, limit: int) -> None:
    """Refuse an archive with any hostile member: (name, kind, size) with kind file/dir/symlink/hardlink/other."""
    total = 0
    for name, kind, size in entries:
        why = _unsafe_name(name)
        if why:
            raise SourceError(*where(f"refused archive member {name!r}: {why}"))
        if kind in ("symlink", "hardlink"):
            raise SourceError(*where(f"refused archive member {name!r}: a {LINK_KINDS[kind]}"))
        if kind == "other":
            raise SourceError(*where(f"refused archive member {name!r}: not a regular file or folder"))
        total += size
        if total > limit:
            raise SourceError(*where(f"refused archive: its members decompress to more than {limit} bytes "
                                     f"(the limit, warehouse.fetch.MAX_ARCHIVE_BYTES), at member {name!r}"))


def _zip_kind(info: zipfile.ZipInfo) -> str:
    mode = info.external_attr >> 16
    if info.is_dir():
        return "dir"
    fmt = mode & 0o170000
    if fmt == 0o120000:
        return "symlink"
    if fmt not in (0, 0o100000):
        return "other"
    return "file"


def _tar_kind(m: tarfile.TarInfo) -> str:
    return ("file" if m.isfile() else "dir" if m.isdir() else "symlink" if m.issym() else
            "hardlink" if m.islnk() else "other")


def _copy_capped(src, dst_path: Path, budget: list[int], where) -> None:
    """Stream one member to disk, counting real decompressed bytes against the archive's budget."""
    with open(dst_path, "wb") as dst:
        while chunk := src.read(CHUNK):
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise SourceError(*where("refused archive: its members decompress to more than "
                                         f"{MAX_ARCHIVE_BYTES} bytes (the limit, warehouse.fetch.MAX_ARCHIVE_BYTES)"))
            dst.write(chunk)


def _extract_member(url: str, member: str, target: Path, is_folder: bool, *, source_id: str = "",
                    file: str | None = None, home: Path | None = None, include: list[str] | None = None) -> None:
    """Download an archive (streamed to a file beside `target`) and pull one file (or folder) out of it.

    The whole archive is checked first: a member named with `..` or an absolute path, a symbolic or
    hard link, a device or fifo, or members that decompress to more than MAX_ARCHIVE_BYTES refuse
    it with a SourceError naming the source, file and member; nothing is written for such an archive.
    """
    def where(message: str) -> tuple:
        return source_id, f"{message} in {redact(url)}#{member}", file

    archive = target.parent / (target.name + ".archive")
    try:
        _copy_file(url, archive, source_id=source_id, file=file, home=home)
        prefix = member.rstrip("/") + "/"
        limit = MAX_ARCHIVE_BYTES
        budget = [limit]
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as z:
                infos = z.infolist()
                _check_archive([(i.filename, _zip_kind(i), i.file_size) for i in infos], where, limit)
                files = {i.filename: i for i in infos if _zip_kind(i) == "file"}
                opener = z.open
                _extract_chosen(files, opener, member, prefix, target, is_folder, url, budget, where, include)
        else:
            try:
                tar = tarfile.open(archive, mode="r:*")
            except tarfile.TarError as e:
                raise SourceError(*where(f"not a zip or tar archive ({e})")) from None
            with tar:
                infos = tar.getmembers()
                _check_archive([(m.name, _tar_kind(m), m.size) for m in infos], where, limit)
                files = {m.name: m for m in infos if m.isfile()}
                _extract_chosen(files, tar.extractfile, member, prefix, target, is_folder, url, budget, where,
                                include)
    finally:
        archive.unlink(missing_ok=True)


def _extract_chosen(files: dict, opener, member, prefix, target: Path, is_folder, url, budget, where,
                    include=None) -> None:
    if not is_folder:
        if member not in files:
            raise FileNotFoundError(f"{url}#{member}")
        with opener(files[member]) as src:
            _copy_capped(src, target, budget, where)
        return
    names = [n for n in files if n.startswith(prefix) and included(n[len(prefix):], include)]
    if not names:
        raise FileNotFoundError(f"{url}#{member}")
    root = target.resolve()
    for n in names:
        dest = target / n[len(prefix):]
        if not dest.resolve().is_relative_to(root):  # belt and braces: _check_archive refused these
            raise SourceError(*where(f"refused archive member {n!r}: it would be written outside the cache"))
        dest.parent.mkdir(parents=True, exist_ok=True)
        with opener(files[n]) as src:
            _copy_capped(src, dest, budget, where)


def _confine(source_id: str, file: FileSpec, sources_root: str) -> None:
    """Refuse a local mirror's declared file or folder that leads outside `<root>/<source_id>/`: a path
    that climbs out, or a symbolic link (the file, a folder on its way, or any link inside a declared
    folder) to elsewhere; links that stay inside are followed. Nothing else of this machine may reach
    the cache or the warehouse. A remote mirror's paths are confined by the registry (no `..`, no
    absolute path); its links are the server's business."""
    protocol, root = fsspec.core.split_protocol(sources_root)
    if protocol not in (None, "file"):
        return
    base = (Path(root) / source_id).resolve()
    place = Path(root) / source_id / file.path
    links = [place]
    if file.kind == "directory":
        links += [Path(d) / n for d, dirs, files in os.walk(place) for n in dirs + files if (Path(d) / n).is_symlink()]
    for link in links:
        real = link.resolve()
        if not real.is_relative_to(base):
            raise SourceError(source_id, f"refused {link}: it leads to {real}, outside the source's mirror folder "
                                         f"{base}", file.path)


def _damaged_cache_entry(home: Path, source_id: str, file: FileSpec, expected: str) -> str | None:
    """Hash a cached file (or folder) again before it is parsed, as anything may have changed it since it was
    fetched. None when it holds `expected` (or is not cached); else it is removed, to be fetched again, and the
    reason is returned. Only a source about to be parsed gets here, so this costs one hash per build of it."""
    path = cache_path(home, expected)
    if not path.exists():
        return None
    got = sha256_tree(path) if path.is_dir() else sha256_file(path)
    if got == expected:
        return None
    why = f"the cached copy {path.relative_to(home).as_posix()} has sha256 {got}, not {expected}"
    log.warning("%s: %s: %s; fetching it again", source_id, file.path, why)
    aside = Path(tempfile.mkdtemp(prefix=".fetch-", dir=path.parent.parent))  # removed with it, or as a leftover
    try:
        path.rename(aside / "damaged")
    except FileNotFoundError:  # another worker set it aside first
        pass
    shutil.rmtree(aside, ignore_errors=True)
    return why


def manual_steps(source_id: str, file: FileSpec, manual_root: str | None) -> str:
    """What a person must do to provide a manual download, naming where to put it."""
    where = f"{manual_root.rstrip('/')}/{source_id}/{file.path}" if manual_root else \
        f"<manual dir>/{source_id}/{file.path} (the manual dir: --manual-dir or MEDINST_MANUAL_DIR)"
    return f"download it by hand from {file.manual.page}: {' '.join(file.manual.steps.split())}; put it at {where}"


def unavailable(source_id: str, file: FileSpec, sources_root: str | None, manual_root: str | None,
                offline: bool) -> FetchUnavailable:
    """The error for a file known, without trying, to be in no place a build may read it from (not cached,
    not in the mirror nor the manual folder, and its origin offline or a manual download)."""
    looked = [url for url, place in candidate_urls(source_id, file, sources_root, manual_root) if place != "origin"]
    kind, why = _why_unavailable(source_id, file, [], offline, manual_root)
    reasons = [f"not found at {redact(u)}" for u in looked]  # as fetch() would say, had it tried them
    return FetchUnavailable(source_id, "; ".join(reasons + [why]), file.path, kind=kind)


def _why_unavailable(source_id: str, file: FileSpec, kinds: list[str | None], offline: bool, manual_root: str | None
                     ) -> tuple[str, str | None]:
    """The kind of a file's unavailability (schemas.errors.UNAVAILABLE_KINDS), and what to add to its reasons."""
    if file.manual:
        return "manual", "a manual download: " + manual_steps(source_id, file, manual_root)
    if offline:
        return "offline", f"offline: its origin {redact(file.url)} was not tried"
    return next((k for k in kinds if k), "unreachable"), None


def fetch(
    source_id: str,
    file: FileSpec,
    *,
    home: Path,
    sources_root: str | None = None,
    manual_root: str | None = None,
    offline: bool = False,
    retries: int = 3,
    backoff: float = 0.5,
) -> Path:
    """The local path of a declared file (or folder), fetching and verifying it if not cached.

    The expected digest is the declared one, else the one the lock file recorded; with neither,
    the first download records its digest in the lock file. Candidates are tried in order (see
    candidate_urls); `offline` never contacts an origin.
    """
    expected = file.sha256 or locked_digest(home, source_id, file.path)
    damaged = _damaged_cache_entry(home, source_id, file, expected) if expected else None
    if expected and not damaged and cache_path(home, expected).exists():
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
        kinds = []
        for url, place in candidate_urls(source_id, file, sources_root, manual_root, offline):
            shutil.rmtree(landing, ignore_errors=True)
            if folder:
                landing.mkdir()
            from_origin = place == "origin"
            if not from_origin:
                _confine(source_id, file, sources_root if place == "mirror" else manual_root)
            context = {"source_id": source_id, "file": file.path, "home": home}
            if file.member and from_origin:
                action = lambda: _extract_member(url, file.member, landing, folder, include=file.include,  # noqa: E731
                                                 **context)
            elif folder:
                action = lambda: _copy_folder(url, landing, file.include)  # noqa: E731
            else:
                action = lambda: _copy_file(url, landing, **context)  # noqa: E731
            log.info("%s: fetching %s", source_id, redact(url))
            failed = _try(action, url, retries, backoff, source_id, file.path, staging)
            if failed is None:
                crash_point("fetch")  # test hook: downloaded into the staging folder, not verified nor cached
                break
            kinds.append(failed[0] if from_origin else None)
            reasons.append(failed[1])
        else:
            if damaged:  # the source was had once: skipping it now would publish less than was asked
                raise SourceError(source_id, f"{damaged}, and it could not be fetched again: {'; '.join(reasons)}",
                                  file.path)
            kind, why = _why_unavailable(source_id, file, kinds, offline, manual_root)
            raise FetchUnavailable(source_id, "; ".join(reasons + [why] if why else reasons), file.path, kind=kind)
        got = sha256_tree(landing) if folder else sha256_file(landing)
        if expected and got != expected:
            raise SourceError(source_id, f"sha256 mismatch for {redact(url)}: expected {expected}, got {got}", file.path)
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
