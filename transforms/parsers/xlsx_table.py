"""Excel (.xlsx) sheets into the pairs, te, text or t2t family, by a declared column mapping (as csv_table)."""

import io
import zipfile
import zlib
from typing import Literal
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError

import openpyxl
import polars as pl
from openpyxl.utils.exceptions import InvalidFileException

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, read_bytes
from transforms.parsers.csv_table import FIELDS, check_mapping, field_value

NAME = "xlsx_table_v1"
OPTIONS = {"family": Literal["pairs", "te", "text", "t2t"], "columns": dict[str, str | int], "header": bool, "id": str | int,
           "label_separator": str, "constants": dict[str, str | int | float], "sheet": str}


def _cell(value) -> str:
    """A cell as text: empty for a blank cell, integers without a trailing '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows(file: InputFile, sheet: str | None, source: str) -> list[tuple[int, list[str]]]:
    """(row number, cell texts) of the sheet (the first one unless named); the row number stands in for a line."""
    data = read_bytes(file, source)
    try:  # from bytes: openpyxl refuses a path without an .xlsx suffix, and the raw cache names files by digest
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, EOFError, ValueError, TypeError, IndexError,
            zlib.error, LookupError, ParseError, ExpatError) as e:  # openpyxl lets these through for a damaged zip or XML
        raise SourceError(source, f"not a readable .xlsx file: {e}", file.name) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise SourceError(source, f"no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})", file.name)
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        rows = []
        try:  # read_only sheets are parsed lazily: damaged XML inside the zip surfaces here
            for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
                rows.append((n, [_cell(v) for v in row]))
        except (ParseError, ExpatError, LookupError, zipfile.BadZipFile, zlib.error, EOFError, OSError, IndexError,
                KeyError, ValueError, TypeError) as e:  # e.g. a cell naming a shared string that is not there
            raise SourceError(source, f"not a readable .xlsx sheet (after row {len(rows)}): {e}", file.name,
                              len(rows) + 1) from None
        return rows
    finally:
        book.close()


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `family`, `columns` (field -> header name or 0-based index), `header` (default true),
    `id` (a column, else the row number), `label_separator`, `constants` (field -> a fixed value, e.g.
    the t2t side names), `sheet` (default: the first)."""
    family, columns, constants = options.get("family", "pairs"), options["columns"], options.get("constants", {})
    check_mapping(family, columns, constants, source, "xlsx_table")
    header, id_col, sep = options.get("header", True), options.get("id"), options.get("label_separator", ";")
    rows = []
    for file in files:
        table = _rows(file, options.get("sheet"), source)
        names = [c.strip() for c in table[0][1]] if header and table else []
        if header and not table:
            raise SourceError(source, "empty sheet: expected a header row", file.name, 1)
        named = [k for k in [*columns.values(), id_col] if isinstance(k, str)]
        if any(k not in names for k in named):
            missing = ", ".join(repr(k) for k in named if k not in names)
            raise SourceError(source, f"no column {missing} in the header row", file.name, 1)

        def col(key, cells, number):
            if isinstance(key, str):
                key = names.index(key)
            if key >= len(cells):
                raise SourceError(source, f"row has {len(cells)} cells, column {key} is missing", file.name, number)
            return cells[key]

        for number, cells in table[1:] if header else table:
            if not any(c.strip() for c in cells):
                continue  # Excel keeps formatted but empty rows
            rid = f"{file.name}:{col(id_col, cells, number) if id_col is not None else number}"
            row = {"id": rid, "document_id": rid, "split": file.split, "source_file": file.name, "source_line": number}
            for field in FIELDS[family]:
                raw = str(constants[field]) if field in constants else col(columns[field], cells, number)
                row[field] = field_value(field, raw, sep)
            rows.append(row)
    return family_frame(rows, family)
