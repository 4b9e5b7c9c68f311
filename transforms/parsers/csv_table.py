"""CSV files into the pairs, te or text family, by a declared column mapping."""

import csv
import io

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, read_text

NAME = "csv_table_v1"
OPTIONS = {"family", "columns", "header", "id", "label_separator"}
FIELDS = {"pairs": ("text_1", "text_2", "label"), "te": ("premise", "hypothesis", "label"), "text": ("text", "labels")}


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `family`, `columns` (field -> column name or 0-based index), `header` (default true),
    `id` (a column, else the row number), `label_separator` for multi-label text."""
    family = options.get("family", "pairs")
    columns: dict = options["columns"]
    missing = [f for f in FIELDS[family] if f not in columns]
    if missing:
        raise SourceError(source, f"csv_table options: columns lacks {', '.join(missing)}")
    header, id_col, sep = options.get("header", True), options.get("id"), options.get("label_separator", ";")
    rows = []
    for file in files:
        reader = csv.reader(io.StringIO(read_text(file, source), newline=""))
        names: list[str] = next(reader, None) if header else []
        if names is None:
            raise SourceError(source, "empty file: expected a header line", file.name, 1)
        width = len(names) or None
        ended = reader.line_num  # a quoted field may span lines: a record starts after the last one ended

        def col(key, record, line):
            idx = names.index(key) if isinstance(key, str) else key
            if idx >= len(record):
                raise SourceError(source, f"row has {len(record)} fields, column {key!r} is missing", file.name, line)
            return record[idx]

        for record in reader:
            line, ended = ended + 1, reader.line_num
            if not any(record):
                continue
            if width and len(record) != width:
                raise SourceError(source, f"row has {len(record)} fields, the header {width}", file.name, line)
            width = width or len(record)
            rid = f"{file.name}:{col(id_col, record, line) if id_col is not None else line}"
            row = {"id": rid, "document_id": rid, "split": file.split, "source_file": file.name, "source_line": line}
            for field in FIELDS[family]:
                value = col(columns[field], record, line).strip()
                row[field] = [v.strip() for v in value.split(sep) if v.strip()] if field == "labels" else value
            rows.append(row)
    return family_frame(rows, family)
