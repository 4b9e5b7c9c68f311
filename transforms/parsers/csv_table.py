"""CSV (or TSV) files into the pairs, te, text or t2t family, by a declared column mapping.

Read a piece at a time: vectorised (Polars) while every record is one line, the csv module otherwise.
"""

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal, TypedDict

import numpy as np
import polars as pl
import pyarrow as pa

from schemas.errors import SourceError
from schemas.families import POLARS_SCHEMAS
from schemas.limits import LINE
from transforms.parsers._common import (
    BATCH_RECORDS,
    CHUNK_BYTES,
    InputFile,
    Tree,
    bounded_lines,
    check_lines,
    family_frame,
    line_chunks,
    open_binary,
    read_text,
)

NAME = "csv_table_v1"
Column = str | int  # a header name or a 0-based index
MarkToken = TypedDict("MarkToken", {"field": str, "index": Column, "template": str})
FileOptions = TypedDict("FileOptions", {"header": bool, "columns": dict[str, Column], "id": Column, "document": Column,
                                        "delimiter": str, "members": dict[str, str]}, total=False)
OPTIONS = {
    "family": Literal["pairs", "te", "text", "t2t"], "columns": dict[str, Column], "header": bool, "id": Column,
    "document": Column, "label_separator": str, "delimiter": str, "constants": dict[str, str | int | float],
    "file_options": dict[str, FileOptions], "mark_token": MarkToken, "members": dict[str, str],
    "superseded": dict[str, list[str]],
}
FIELDS = {
    "pairs": ("text_1", "text_2", "label"),
    "te": ("premise", "hypothesis", "label"),
    "text": ("text", "labels"),
    "t2t": ("text_1", "text_2", "text_1_name", "text_2_name"),
}
PER_FILE = {"header", "columns", "id", "document", "delimiter", "members"}
# Half the usual piece: a CSV piece grows several times over in Polars (lines, fields, marked text, the
# rendered rows), and MeDAL's 3M long rows are MedINST's largest source.
PIECE_BYTES = CHUNK_BYTES // 2


def check_mapping(family: str, columns: dict, constants: dict, source: str, parser: str = "csv_table") -> None:
    """Every field of the family comes from a column or a constant."""
    if family not in FIELDS:
        raise SourceError(source, f"{parser} options: family {family!r} is not one of {', '.join(FIELDS)}")
    missing = [f for f in FIELDS[family] if f not in columns and f not in constants]
    if missing:
        raise SourceError(source, f"{parser} options: columns lacks {', '.join(missing)}")


def field_value(field: str, value: str, sep: str) -> str | list[str]:
    value = value.strip()
    return [v.strip() for v in value.split(sep) if v.strip()] if field == "labels" else value


def mark(text: str, index: str, template: str) -> str:
    """The text with its space-separated token number `index` (0-based) written through `template`."""
    tokens = text.split(" ")
    if not str(index).strip().isdigit() or int(index) >= len(tokens):
        raise ValueError(f"token index {index!r} is not within the text's {len(tokens)} tokens")
    tokens[int(index)] = template.format(tokens[int(index)])
    return " ".join(tokens)


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `family`, `columns` (field -> column name or 0-based index), `header` (default true),
    `id` (a column, else the row number), `label_separator` for multi-label text, `delimiter`
    (default ','), `constants` (field -> a fixed value, e.g. t2t side names), `file_options` (declared
    file -> its own `header`, `columns`, `id`, `delimiter`: files of one source laid out differently),
    `mark_token` ({field, index: column of a 0-based token number, template: e.g. '<abbr>{}</abbr>'}),
    `members` (member path -> split: the declared file is a zip or tar archive and these CSV members of it,
    each with its own split, are read in memory without unpacking; errors name `<declared>/<member>`),
    `superseded` (declared file -> declared files that hold its rows too: it is read only when none of them
    was given, e.g. a release's sample beside the optional full release)."""
    family = options.get("family", "pairs")
    return pl.concat(list(parse_batches(files, options, source)) or [family_frame([], family)])


def parse_batches(files: list[InputFile], options: dict, source: str) -> Iterator[pl.DataFrame]:
    """`parse`, a bounded piece of a file at a time."""
    family, constants = options.get("family", "pairs"), options.get("constants", {})
    given = {f.name for f in files}
    for file in files:
        if given & set(options.get("superseded", {}).get(file.name, [])):
            continue
        own = options.get("file_options", {}).get(file.name, {})
        if set(own) - PER_FILE:
            raise SourceError(source, f"csv_table file_options for {file.name}: unknown {sorted(set(own) - PER_FILE)}")
        opts = {**options, **own}
        check_mapping(family, opts["columns"], constants, source)
        if opts.get("members"):
            yield from _member_batches(file, opts, family, source)
        else:
            yield from _fast_batches(_Layout(file, opts, family, source))


def _member_batches(file: InputFile, opts: dict, family: str, source: str) -> Iterator[pl.DataFrame]:
    """The named CSV members of a declared archive, each read like a file of its own."""
    with Tree(file, source) as tree:
        for member, split in opts["members"].items():
            if member not in tree:
                raise SourceError(source, f"the archive has no member {member!r}", file.name)
            data = tree.read_bytes(member)
            yield from _fast_batches(_Layout(file, opts, family, source, (tree.where(member), split, data)))


class _Layout:
    """One file's options, and what its header said."""

    def __init__(self, file: InputFile, opts: dict, family: str, source: str,
                 member: tuple[str, str | None, bytes] | None = None):
        self.file, self.opts, self.family, self.source = file, opts, family, source
        # An archive member: its name in errors and provenance, its split, its bytes; else the file's own.
        self.name, self.split, self.data = member or (file.name, file.split, None)
        self.columns, self.header, self.id_col = opts["columns"], opts.get("header", True), opts.get("id")
        self.doc_col = opts.get("document")  # a column naming the record's document, when records share one
        self.delimiter, self.constants = opts.get("delimiter", ","), opts.get("constants", {})
        self.sep, self.marking = opts.get("label_separator", ";"), opts.get("mark_token")
        self.names: list[str] = []
        self.width: int | None = None

    def index(self, key) -> int:
        if isinstance(key, str) and key not in self.names:
            raise SourceError(self.source, f"no column {key!r} in the header", self.name, 1)
        return self.names.index(key) if isinstance(key, str) else key

    def error(self, message: str, line: int) -> SourceError:
        return SourceError(self.source, message, self.name, line)


def _fast_batches(layout: _Layout) -> Iterator[pl.DataFrame]:
    """Vectorised while the file holds no quote and no carriage return, so that a record is a line;
    from the first piece that does, the csv module reads the rest of the file."""
    pieces = line_chunks(layout.file, layout.source, PIECE_BYTES) if layout.data is None else _member_pieces(layout.data)
    for piece, first_line, offset in pieces:
        if layout.data is not None:  # line_chunks checks a file's lines itself
            check_lines(piece, layout.name, layout.source, first_line)
        lines = _lines(piece) if _simple_template(layout.marking) else None
        if lines is None:
            yield from _careful_batches(layout, offset, first_line)
            return
        if lines.height and layout.header and first_line == 1:
            layout.names = lines["_line"][0].split(layout.delimiter)
            layout.width = len(layout.names)
            lines, first_line = lines.slice(1), 2
        frame = lines.with_row_index("source_line", offset=first_line)
        if frame.height:
            yield _records(layout, frame)
    if layout.header and not layout.names:
        raise layout.error("empty file: expected a header line", 1)


def _member_pieces(data: bytes, size: int = PIECE_BYTES) -> Iterator[tuple[bytes, int, int]]:
    """`line_chunks` over a member held in memory: pieces of about `size` bytes that end at a line end."""
    start, line = 0, 1
    while start < len(data):
        cut = data.find(b"\n", min(start + size, len(data)) - 1) + 1 or len(data)
        yield data[start:cut], line, start
        line, start = line + data.count(b"\n", start, cut), cut


def _lines(piece: bytes) -> pl.DataFrame | None:
    """A piece's lines, read by Polars; None where a line might not be a record (a quote, a carriage
    return) or the piece is not UTF-8 (the csv module then names the line)."""
    if b'"' in piece or b"\r" in piece or b"\x00" in piece:
        return None
    try:
        lines = pl.read_csv(piece, has_header=False, separator="\x00", quote_char=None, schema={"_line": pl.Utf8},
                            empty_string_is_null=False)
    except pl.exceptions.ComputeError:
        return None
    expected = piece.count(b"\n") + (not piece.endswith(b"\n"))
    return lines if lines.height == expected else None


def _simple_template(marking: dict | None) -> bool:
    return not marking or marking["template"].count("{}") == 1 and marking["template"].count("{") == 1


def _records(layout: _Layout, frame: pl.DataFrame) -> pl.DataFrame:
    """Split quote-free lines into fields and map them onto the family, with the checks `_careful_batches` makes."""
    fields = frame.select(
        "source_line",
        pl.col("_line").str.split(layout.delimiter).alias("_f"),
        (pl.col("_line").str.replace_all(layout.delimiter, "", literal=True) == "").alias("_blank"),
    ).filter(~pl.col("_blank"))
    if not fields.height:
        return family_frame([], layout.family)
    counts = fields["_f"].list.len()
    layout.width = layout.width or int(counts[0])
    wrong = fields.filter(counts != layout.width)
    if wrong.height:
        n, line = len(wrong["_f"][0]), wrong["source_line"][0]
        raise layout.error(f"row has {n} fields, the header {layout.width}", line)
    first_line = int(fields["source_line"][0])

    def col(key) -> pl.Expr:
        idx = layout.index(key)
        if idx >= layout.width:
            raise layout.error(f"row has {layout.width} fields, column {key!r} is missing", first_line)
        return pl.col("_f").list.get(idx)

    name = layout.name
    rid = pl.lit(f"{name}:") + (col(layout.id_col) if layout.id_col is not None else pl.col("source_line").cast(pl.Utf8))
    doc = pl.lit(f"{name}:") + col(layout.doc_col) if layout.doc_col is not None else rid
    values = {}
    for field in FIELDS[layout.family]:
        raw = pl.lit(str(layout.constants[field])) if field in layout.constants else col(layout.columns[field])
        if layout.marking and field == layout.marking["field"]:
            raw = pl.lit(_marked(layout, fields, raw.str.strip_chars(), col(layout.marking["index"]).str.strip_chars()))
        raw = raw.str.strip_chars()
        if field == "labels":
            raw = raw.str.split(layout.sep).list.eval(pl.element().str.strip_chars()).list.eval(
                pl.element().filter(pl.element() != ""))
        values[field] = raw
    out = fields.select(
        id=rid, document_id=doc, split=pl.lit(layout.split, pl.Utf8), source_file=pl.lit(name),
        source_line=pl.col("source_line").cast(pl.Int64), **values,
    )
    return out.select(POLARS_SCHEMAS[layout.family].keys()).cast(POLARS_SCHEMAS[layout.family])


def _marked(layout: _Layout, frame: pl.DataFrame, text: pl.Expr, index_text: pl.Expr) -> pl.Series:
    """`mark` for a whole frame: each text with its token number `index_text` written through the template.

    Vectorised over the UTF-8 bytes with numpy (a space byte is never part of a multi-byte character):
    splitting a frame's texts into tokens with Polars and joining them again cost ten times as much.
    """
    probe = frame.select("source_line", text.alias("_t"), index_text.alias("_i"))
    digits = probe["_i"].str.contains(r"^[0-9]+$")
    arrow = probe["_t"].rechunk().to_arrow(compat_level=pl.CompatLevel.oldest())  # large_string: plain offsets
    offsets = np.frombuffer(arrow.buffers()[1], np.int64)[arrow.offset: arrow.offset + len(arrow) + 1]
    data = np.frombuffer(arrow.buffers()[2], np.uint8)[offsets[0]: offsets[-1]]
    starts, ends = offsets[:-1] - offsets[0], offsets[1:] - offsets[0]
    spaces = np.flatnonzero(data == ord(" "))
    first = np.searchsorted(spaces, starts)
    count = np.searchsorted(spaces, ends) - first  # a text has count + 1 tokens
    k = probe["_i"].cast(pl.Int64, strict=False).fill_null(-1).to_numpy()
    bad = ~digits.to_numpy() | (k > count)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise layout.error(f"token index {probe['_i'][row]!r} is not within the text's {count[row] + 1} tokens",
                           probe["source_line"][row])
    token_start = np.where(k == 0, starts, spaces[np.minimum(first + k - 1, len(spaces) - 1)] + 1)
    token_end = np.where(k < count, spaces[np.minimum(first + k, len(spaces) - 1)], ends)
    before, after = (np.frombuffer(part.encode(), np.uint8) for part in layout.marking["template"].split("{}"))
    n, width = len(starts), len(before) + len(after)
    # Row by row, `before` goes in front of the token and `after` behind it (np.insert keeps this order).
    where = np.hstack([np.repeat(token_start, len(before)).reshape(n, -1), np.repeat(token_end, len(after)).reshape(n, -1)])
    what = np.tile(np.concatenate([before, after]), n)
    marked = np.insert(data, where.ravel(), what)
    new_offsets = (offsets - offsets[0]) + np.arange(n + 1, dtype=np.int64) * width
    array = pa.LargeStringArray.from_buffers(n, pa.py_buffer(new_offsets), pa.py_buffer(marked))
    return pl.Series(array)


def _careful_batches(layout: _Layout, offset: int, first_line: int) -> Iterator[pl.DataFrame]:
    """The csv module from a byte offset on: quoted fields, fields across lines, any line ending."""
    with _open(layout) as stream:
        stream.seek(offset)
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        csv.field_size_limit(LINE.value)  # the module's default, 128 KiB, is less than a real long text
        reader = csv.reader(bounded_lines(text, layout.name, layout.source, first_line), delimiter=layout.delimiter)
        try:
            yield from _careful_records(layout, reader, first_line)
        except UnicodeDecodeError:
            _name_bad_byte(layout)
            raise


@contextmanager
def _open(layout: _Layout):
    if layout.data is None:
        with open_binary(layout.file, layout.source) as stream:
            yield stream
    else:
        yield io.BytesIO(layout.data)


def _name_bad_byte(layout: _Layout) -> None:
    """Raise a SourceError naming the line of the first byte that is not UTF-8."""
    if layout.data is None:
        read_text(layout.file, layout.source)
        return
    try:
        layout.data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise layout.error(f"not UTF-8 text ({e.reason})", layout.data[: e.start].count(b"\n") + 1) from None


def _next_record(layout: _Layout, reader, line: int) -> list[str] | None:
    """The reader's next record (None at the end); a field longer than limits.LINE names the record's line."""
    try:
        return next(reader, None)
    except csv.Error as e:
        raise layout.error(LINE.refusal("a field has") if "field limit" in str(e) else f"not valid CSV: {e}",
                           line) from None


def _careful_records(layout: _Layout, reader, first_line: int) -> Iterator[pl.DataFrame]:
    name, source = layout.name, layout.source
    if layout.header and first_line == 1:
        names = _next_record(layout, reader, 1)
        if names is None:
            raise layout.error("empty file: expected a header line", 1)
        layout.names, layout.width = names, len(names)
    ended = reader.line_num + first_line - 1  # a quoted field may span lines: a record starts after the last one ended

    def col(key, record, line):
        idx = layout.index(key)
        if idx >= len(record):
            raise layout.error(f"row has {len(record)} fields, column {key!r} is missing", line)
        return record[idx]

    rows = []
    while (record := _next_record(layout, reader, ended + 1)) is not None:
        line, ended = ended + 1, reader.line_num + first_line - 1
        if not any(record):
            continue
        if layout.width and len(record) != layout.width:
            raise layout.error(f"row has {len(record)} fields, the header {layout.width}", line)
        layout.width = layout.width or len(record)
        rid = f"{name}:{col(layout.id_col, record, line) if layout.id_col is not None else line}"
        doc = f"{name}:{col(layout.doc_col, record, line)}" if layout.doc_col is not None else rid
        row = {"id": rid, "document_id": doc, "split": layout.split, "source_file": name, "source_line": line}
        for field in FIELDS[layout.family]:
            raw = str(layout.constants[field]) if field in layout.constants else col(layout.columns[field], record, line)
            if layout.marking and field == layout.marking["field"]:
                try:
                    raw = mark(raw.strip(), col(layout.marking["index"], record, line), layout.marking["template"])
                except ValueError as e:
                    raise SourceError(source, str(e), name, line) from None
            row[field] = field_value(field, raw, layout.sep)
        rows.append(row)
        if len(rows) == BATCH_RECORDS:
            yield family_frame(rows, layout.family)
            rows = []
    if rows:
        yield family_frame(rows, layout.family)
