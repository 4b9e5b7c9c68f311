"""What every parser shares: its input files and how a family frame is made."""

import gzip
import json
import zlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from lxml import etree

from schemas.errors import SourceError
from schemas.families import POLARS_SCHEMAS


@dataclass(frozen=True)
class InputFile:
    """A fetched file (or folder) of a source: where it is locally and what the registry calls it."""

    path: Path
    name: str  # the declared mirror-relative path: used in errors and provenance
    split: str | None = None


def family_frame(rows: list[dict], family: str) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=POLARS_SCHEMAS[family])


def read_bytes(file: InputFile, source: str, path: Path | None = None) -> bytes:
    """A file's bytes, gunzipped when its declared name ends in .gz (the cache names files by digest)."""
    path = path or file.path
    data = path.read_bytes()
    if not (path == file.path and file.name.endswith(".gz")):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:
        raise SourceError(source, f"not a readable gzip file: {e}", file.name) from None


def read_text(file: InputFile, source: str, path: Path | None = None) -> str:
    """Decode a file as UTF-8; a byte that is not names the file and line."""
    path = path or file.path
    data = read_bytes(file, source, path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        name = file.name if path == file.path else f"{file.name}/{path.name}"
        raise SourceError(source, f"not UTF-8 text ({e.reason})", name, line) from None


def pick(files: list[InputFile], source: str, name: str) -> InputFile:
    """The declared file called `name` (as the parser's options refer to it)."""
    for f in files:
        if f.name == name:
            return f
    raise SourceError(source, f"the parser options name a file that is not declared: {name}")


def files_by_split(files: list[InputFile], source: str, role_of) -> dict[str | None, dict[str, InputFile]]:
    """Group a release's files by split and by the role `role_of(file, source)` gives each (one file a role)."""
    grouped: dict[str | None, dict[str, InputFile]] = {}
    for file in files:
        role = role_of(file, source)
        if role in grouped.setdefault(file.split, {}):
            raise SourceError(source, f"split {file.split!r} declares a second {role} file", file.name)
        grouped[file.split][role] = file
    return grouped


def read_json(file: InputFile, source: str, path: Path | None = None, name: str | None = None,
              text: str | None = None):
    """A JSON document (from `text` when the caller already read it); a syntax error names the file and line."""
    try:
        return json.loads(text if text is not None else read_text(file, source, path))
    except json.JSONDecodeError as e:
        raise SourceError(source, f"not valid JSON: {e.msg}", name or file.name, e.lineno) from None


def read_xml(file: InputFile, source: str, path: Path | None = None, name: str | None = None, parser=None):
    """An XML document's root element (lxml); a syntax error names the file and line."""
    try:
        return etree.fromstring(read_bytes(file, source, path), parser)
    except etree.XMLSyntaxError as e:
        raise SourceError(source, f"not well-formed XML: {e.msg}", name or file.name, e.lineno) from None
