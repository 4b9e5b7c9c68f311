"""CSV (or TSV) files into the pairs, te, text or t2t family, by a declared column mapping."""

import csv
import io

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, read_text

NAME = "csv_table_v1"
OPTIONS = {
    "family", "columns", "header", "id", "document", "label_separator", "delimiter", "constants", "file_options",
    "mark_token",
}
FIELDS = {
    "pairs": ("text_1", "text_2", "label"),
    "te": ("premise", "hypothesis", "label"),
    "text": ("text", "labels"),
    "t2t": ("text_1", "text_2", "text_1_name", "text_2_name"),
}
PER_FILE = {"header", "columns", "id", "document", "delimiter"}


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
    `mark_token` ({field, index: column of a 0-based token number, template: e.g. '<abbr>{}</abbr>'})."""
    family, constants = options.get("family", "pairs"), options.get("constants", {})
    sep, marking = options.get("label_separator", ";"), options.get("mark_token")
    rows = []
    for file in files:
        own = options.get("file_options", {}).get(file.name, {})
        if set(own) - PER_FILE:
            raise SourceError(source, f"csv_table file_options for {file.name}: unknown {sorted(set(own) - PER_FILE)}")
        opts = {**options, **own}
        columns, header, id_col = opts["columns"], opts.get("header", True), opts.get("id")
        doc_col = opts.get("document")  # a column naming the record's document, when records share one
        check_mapping(family, columns, constants, source)
        reader = csv.reader(io.StringIO(read_text(file, source), newline=""), delimiter=opts.get("delimiter", ","))
        names: list[str] = next(reader, None) if header else []
        if names is None:
            raise SourceError(source, "empty file: expected a header line", file.name, 1)
        width = len(names) or None
        ended = reader.line_num  # a quoted field may span lines: a record starts after the last one ended

        def col(key, record, line):
            if isinstance(key, str) and key not in names:
                raise SourceError(source, f"no column {key!r} in the header", file.name, 1)
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
            doc = f"{file.name}:{col(doc_col, record, line)}" if doc_col is not None else rid
            row = {"id": rid, "document_id": doc, "split": file.split, "source_file": file.name, "source_line": line}
            for field in FIELDS[family]:
                raw = str(constants[field]) if field in constants else col(columns[field], record, line)
                if marking and field == marking["field"]:
                    try:
                        raw = mark(raw.strip(), col(marking["index"], record, line), marking["template"])
                    except ValueError as e:
                        raise SourceError(source, str(e), file.name, line) from None
                row[field] = field_value(field, raw, sep)
            rows.append(row)
    return family_frame(rows, family)
