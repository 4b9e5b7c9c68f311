"""What every parser shares: its input files and how a family frame is made."""

import functools
import gzip
import io
import json
import re
import tarfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
from lxml import etree

from schemas.errors import SourceError
from schemas.families import POLARS_SCHEMAS, empty_kb_lists
from schemas.limits import DECOMPRESSED, LINE


@dataclass(frozen=True)
class InputFile:
    """A fetched file (or folder) of a source: where it is locally and what the registry calls it."""

    path: Path
    name: str  # the declared mirror-relative path: used in errors and provenance
    split: str | None = None


# How much of a large file a streaming parser holds at a time: it bounds memory, whatever the corpus's size.
CHUNK_BYTES = 32 << 20
BATCH_RECORDS = 50_000  # records per batch where a parser builds rows one by one
BATCH_DOCUMENTS = 5_000  # kb documents per batch: each holds dozens of nested mentions and relations


@functools.cache
def _arrow_schema(family: str) -> pa.Schema:
    return pl.DataFrame(schema=POLARS_SCHEMAS[family]).to_arrow().schema


def family_frame(rows: list[dict], family: str) -> pl.DataFrame:
    """Rows (dicts) as a family frame. Built through Arrow: for nested rows (kb: passages, entities,
    relations) it is ~20 times faster than Polars' own constructor."""
    return pl.from_arrow(pa.Table.from_pylist(rows, schema=_arrow_schema(family)))


_SPACE = re.compile(r"\s+")


def in_batches(rows: Iterable[dict], family: str, size: int = BATCH_RECORDS) -> Iterator[pl.DataFrame]:
    """Family frames of at most `size` rows each, from rows a parser makes one by one."""
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield family_frame(batch, family)
            batch = []
    if batch:
        yield family_frame(batch, family)


def json_record(line: str, name: str, number: int, source: str):
    """One line of JSON Lines, decoded; bad JSON names the file and line."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as e:
        raise SourceError(source, f"not valid JSON: {e.msg} (column {e.colno})", name, number) from None


def fragment_texts(text: str, written: str, spans: list[list[int]], continuous_from_text: bool = True) -> list[str]:
    """A mention's text per fragment. Releases write a discontinuous mention's pieces joined by a space or by
    nothing, so the pieces are taken from `text` at their offsets when they agree with what the release
    wrote up to whitespace (for a continuous mention too, unless `continuous_from_text` is False); otherwise
    the release's own text is kept, cut to the fragments' lengths, for the family check to catch offsets
    that do not reproduce it."""
    found = [text[a:b] for a, b in spans]
    if (continuous_from_text or len(spans) > 1) and _SPACE.sub("", "".join(found)) == _SPACE.sub("", written):
        return found
    pieces, pos = [], 0
    for start, end in spans:
        pieces.append(written[pos : pos + end - start])
        pos += end - start
    pieces[-1] += written[pos:]
    return pieces


def sentence_record(name: str, sid: str, split: str | None, line: int, text: str, entities: list[dict]) -> dict:
    """A kb record of one sentence (its only passage) and its mentions, from line `line` of file `name`."""
    return {
        "id": f"{name}:{sid}", "document_id": sid, "split": split, "source_file": name, "source_line": line,
        "passages": [{"id": f"{sid}-s", "type": "sentence", "text": [text], "offsets": [[0, len(text)]]}],
        **empty_kb_lists(), "entities": entities,
    }


class _CappedGzip(io.RawIOBase):
    """A gzip file's bytes as they inflate, refused past limits.DECOMPRESSED: 8 MB can inflate to 8 GiB."""

    def __init__(self, raw, file: InputFile, source: str):
        self._gz, self._limit, self._file, self._source = gzip.GzipFile(fileobj=raw), DECOMPRESSED.value, file, source

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._gz.readinto(buffer)
        if self._gz.tell() > self._limit:
            raise SourceError(self._source, DECOMPRESSED.refusal("the file decompresses to"), self._file.name)
        return n

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._gz.seek(offset, whence)

    def tell(self) -> int:
        return self._gz.tell()

    def close(self) -> None:
        self._gz.close()
        super().close()


@contextmanager
def open_binary(file: InputFile, source: str):
    """The file as a binary stream, gunzipped on the fly (up to limits.DECOMPRESSED) when its declared name
    ends in .gz."""
    with open(file.path, "rb") as raw:
        if not file.name.endswith(".gz"):
            yield raw
            return
        try:
            with io.BufferedReader(_CappedGzip(raw, file, source)) as unzipped:
                yield unzipped
        except (OSError, EOFError, zlib.error) as e:
            raise SourceError(source, f"not a readable gzip file: {e}", file.name) from None


def check_lines(piece: bytes, name: str, source: str, first_line: int) -> None:
    """Refuse a piece of a file with a line (its end not counted) longer than limits.LINE."""
    limit = LINE.value
    if len(piece) <= limit:
        return
    start, number = 0, first_line
    while start < len(piece):
        end = piece.find(b"\n", start)
        end = len(piece) if end < 0 else end
        if end - start > limit:
            raise SourceError(source, LINE.refusal("the line has"), name, number)
        start, number = end + 1, number + 1


def line_chunks(file: InputFile, source: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[tuple[bytes, int, int]]:
    """The file's bytes in pieces that end at a line end: (piece, number of its first line, byte offset).
    A line longer than limits.LINE is refused (a file without line ends would otherwise be held whole)."""
    limit = LINE.value
    with open_binary(file, source) as stream:
        rest, line, offset = b"", 1, 0
        while True:
            block = stream.read(chunk_bytes)
            if not block:
                if rest:
                    check_lines(rest, file.name, source, line)
                    yield rest, line, offset
                return
            data = rest + block
            cut = data.rfind(b"\n") + 1
            if not cut:  # one line longer than a chunk: read on, up to the limit
                if len(data) > limit:
                    raise SourceError(source, LINE.refusal("the line has"), file.name, line)
                rest = data
                continue
            piece, rest = data[:cut], data[cut:]
            check_lines(piece, file.name, source, line)
            yield piece, line, offset
            line, offset = line + piece.count(b"\n"), offset + cut


def bounded_lines(text: io.TextIOBase, name: str, source: str, first_line: int = 1) -> Iterator[str]:
    """A text stream's lines (with their ends), each read only up to limits.LINE characters: a longer one is
    refused rather than held whole (a file without line ends is one line)."""
    limit = LINE.value
    for number, line in enumerate(iter(functools.partial(text.readline, limit + 2), ""), first_line):
        if len(line) > limit and len(line.rstrip("\r\n")) > limit:
            raise SourceError(source, LINE.refusal("the line has"), name, number)
        yield line


def text_lines(file: InputFile, source: str, only_newline: bool = False, encoding: str = "utf-8") -> Iterator[str]:
    """The file's lines (without their ends), read as they are needed; a byte that is not UTF-8 names its
    line, and so does a line longer than limits.LINE. `only_newline`: only \n ends a line (a stray \r inside
    a line is kept). `encoding`: for a release written in another (e.g. latin-1, where every byte decodes)."""
    # utf-8-sig: a byte-order mark opening the file is not part of its first line (nor of its first token)
    with open_binary(file, source) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig" if encoding == "utf-8" else encoding,
                                newline="\n" if only_newline else None)
        try:
            for line in bounded_lines(text, file.name, source):
                yield line.removesuffix("\n") if only_newline else line.rstrip("\r\n")
        except UnicodeDecodeError:
            read_text(file, source)  # names the line
            raise


def decode_chunk(piece: bytes, file: InputFile, source: str, first_line: int) -> str:
    """A piece of a file as UTF-8 text; a byte that is not names the file and line."""
    try:
        text = piece.decode("utf-8")
        return text.removeprefix("\ufeff") if first_line == 1 else text  # a byte-order mark opening the file
    except UnicodeDecodeError as e:
        raise SourceError(source, f"not UTF-8 text ({e.reason})", file.name,
                          first_line + piece[: e.start].count(b"\n")) from None


def read_bytes(file: InputFile, source: str, path: Path | None = None) -> bytes:
    """A file's bytes, gunzipped (up to limits.DECOMPRESSED) when its declared name ends in .gz (the cache
    names files by digest)."""
    path = path or file.path
    if not (path == file.path and file.name.endswith(".gz")):
        return path.read_bytes()
    with open_binary(file, source) as stream:
        out = io.BytesIO()
        while block := stream.read(CHUNK_BYTES):
            out.write(block)
        return out.getvalue()


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


class Tree:
    """The files of a declared folder or archive (zip, tar, tar.gz), by their POSIX path inside it.

    Releases ship as folders or archives; parsers read either the same way, without unpacking to
    disk. `root` descends into a folder of the tree first (e.g. the one top folder of a zip).
    Packing debris is not part of a release and is skipped: macOS's `__MACOSX/` and `._*` AppleDouble
    entries, and folders themselves. Errors name the file as `<declared name>/<path inside>`.
    """

    def __init__(self, file: InputFile, source: str, root: str | None = None):
        self.file, self.source = file, source
        self.prefix = root.strip("/") + "/" if root else ""
        self._zip = self._tar = None
        if file.path.is_dir():
            found = (p.relative_to(file.path).as_posix() for p in file.path.rglob("*") if p.is_file())
        else:
            found = self._open_archive()
        self.names = sorted(
            n[len(self.prefix):] for n in found
            if n.startswith(self.prefix) and not _debris(n)
        )
        if not self.names:
            raise SourceError(source, f"no files{' under ' + root if root else ''}", file.name)

    def _open_archive(self) -> Iterator[str]:
        """The member names of a zip or tar archive; a damaged one (a truncated tar.gz reads as far as
        its index, then fails) is a SourceError naming the archive."""
        path, name = self.file.path, self.file.name
        try:
            if zipfile.is_zipfile(path):
                self._zip = zipfile.ZipFile(path)
                return (i.filename for i in self._zip.infolist() if not i.is_dir())
            if tarfile.is_tarfile(path):
                self._tar = tarfile.open(path, mode="r:*")
                self._members = {m.name: m for m in self._tar.getmembers() if m.isfile()}
                return iter(self._members)
        except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, zlib.error) as e:
            self.close()
            raise SourceError(self.source, f"unreadable archive: {e}", name) from None
        raise SourceError(self.source, "expected a folder (kind: directory) or a zip or tar archive", name)

    def where(self, name: str) -> str:
        return f"{self.file.name}/{self.prefix}{name}"

    def read_bytes(self, name: str) -> bytes:
        """A member's bytes; one that decompresses to more than limits.DECOMPRESSED is refused before it is
        read (zip and tar read a member up to its declared size, and no further)."""
        full = self.prefix + name
        try:
            if self._zip is not None or self._tar is not None:
                size = self._zip.getinfo(full).file_size if self._zip is not None else self._members[full].size
                if size > DECOMPRESSED.value:
                    raise SourceError(self.source, DECOMPRESSED.refusal("the member decompresses to"), self.where(name))
            if self._zip is not None:
                return self._zip.read(full)
            if self._tar is not None:
                with self._tar.extractfile(self._members[full]) as member:
                    return member.read()
        except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, zlib.error) as e:
            raise SourceError(self.source, f"unreadable archive member: {e}", self.where(name)) from None
        return (self.file.path / full).read_bytes()

    def read_all(self, names) -> Iterator[tuple[str, bytes]]:
        """(name, bytes) of each of these members, in the order the archive stores them: a compressed tar read in
        another order is inflated again from its start for each member read."""
        wanted = set(names)
        stored = (self._members if self._tar is not None else self.names)
        for full in stored:
            name = full[len(self.prefix):] if self._tar is not None else full
            if name in wanted and (self._tar is None or full.startswith(self.prefix)):
                yield name, self.read_bytes(name)

    def read_text(self, name: str, data: bytes | None = None) -> str:
        """A member (whose bytes the caller may have read already) as UTF-8 text; a byte that is not names the member
        and line."""
        data = self.read_bytes(name) if data is None else data
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise SourceError(self.source, f"not UTF-8 text ({e.reason})", self.where(name),
                              data[: e.start].count(b"\n") + 1) from None

    def __contains__(self, name: str) -> bool:
        return name in self._set

    @functools.cached_property
    def _set(self) -> set[str]:
        return set(self.names)

    def close(self) -> None:
        for handle in (self._zip, self._tar):
            if handle is not None:
                handle.close()

    def __enter__(self) -> "Tree":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _debris(name: str) -> bool:
    parts = name.split("/")
    return "__MACOSX" in parts or parts[-1].startswith("._") or parts[-1] == ".DS_Store"
