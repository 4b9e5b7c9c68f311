"""Where each declared file can be had from, found without downloading anything.

A source's status is the furthest place one of its required files must come from:
- "mirror": every required file is in the mirror (or the manual-downloads folder, or the raw cache);
- "origin": some must be downloaded from their official origin URL;
- "manual": some sit behind a login or click-through and must be downloaded by hand (FileSpec.manual);
- "not obtainable": the source declares no files (its `availability` says why).
`ready` says whether a build could have every required file without the network. Optional files
(FileSpec.optional) never make a source unobtainable: the ones that cannot be had now are listed.
"""

from dataclasses import dataclass, field
from pathlib import Path

import fsspec

from schemas.registry import FileSpec, SourceSpec
from warehouse.fetch import cache_path, known_size, manual_steps
from warehouse.lock import locked_digest
from warehouse.redact import redact


def _exists(root: str | None, source_id: str, file: FileSpec) -> bool:
    if not root:
        return False
    url = f"{root.rstrip('/')}/{source_id}/{file.path}"
    try:
        fs, path = fsspec.core.url_to_fs(url)
        return fs.isdir(path) if file.kind == "directory" else fs.isfile(path)
    except Exception:  # an unreachable remote mirror holds nothing we can see
        return False


def file_place(source_id: str, file: FileSpec, home: Path, sources_root: str | None,
               manual_root: str | None, in_mirror: bool | None = None) -> str:
    """Where a build would take the file from: cache, mirror, manual (placed by hand), origin or
    manual-missing. `in_mirror`: whether the mirror holds it, when the caller has looked already."""
    digest = file.sha256 or locked_digest(home, source_id, file.path)
    if digest and cache_path(home, digest).exists():
        return "cache"
    if in_mirror if in_mirror is not None else _exists(sources_root, source_id, file):
        return "mirror"
    if _exists(manual_root, source_id, file):
        return "manual"
    return "origin" if file.url else "manual-missing"


@dataclass
class SourceStatus:
    source: str
    status: str
    ready: bool
    why: str | None
    files: int
    in_mirror: int
    cached: int
    size_bytes: int
    optional_missing: list[str] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)  # declared or recorded by a first download


def source_status(spec: SourceSpec, home: Path, sources_root: str | None, manual_root: str | None) -> SourceStatus:
    if not spec.files:
        return SourceStatus(spec.id, "not obtainable", False, " ".join((spec.availability or "").split()), 0, 0, 0, 0)
    mirrored = {f.path: _exists(sources_root, spec.id, f) for f in spec.files}
    places = {f.path: file_place(spec.id, f, home, sources_root, manual_root, mirrored[f.path]) for f in spec.files}
    required = [f for f in spec.files if not f.optional]
    # Where each required file officially comes from (the raw cache aside): the furthest one names the status.
    comes_from = {"mirror" if mirrored[f.path] else "manual" if f.manual else "origin" for f in required}
    status = next((s for s in ("manual", "origin") if s in comes_from), "mirror")
    missing = [f for f in required if places[f.path] in ("origin", "manual-missing")]
    why = "; ".join(
        f"{f.path}: " + (manual_steps(spec.id, f, manual_root) if f.manual else f"from {redact(f.url)}")
        for f in missing) or None
    optional_missing = [f"{f.path} ({'manual download' if f.manual else 'origin'})" for f in spec.files
                        if f.optional and places[f.path] in ("origin", "manual-missing")]
    digests = {f.path: d for f in spec.files if (d := f.sha256 or locked_digest(home, spec.id, f.path))}
    return SourceStatus(
        spec.id, status, ready=not missing, why=why, files=len(spec.files),
        in_mirror=sum(mirrored.values()), cached=sum(p == "cache" for p in places.values()),
        size_bytes=sum(known_size(spec.id, f, home, sources_root) for f in spec.files),
        optional_missing=optional_missing, digests=digests,
    )
