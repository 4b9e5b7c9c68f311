"""JSON Lines (one JSON object a line) into the pairs, te, text or t2t family, by a declared key mapping.

The table reader csv_table is for CSV; this one maps the keys of each line's object onto a family's
fields the same way. Two liberties, both deliberate: a line may end in CRLF (a Windows checkout), and
the bare token NaN, which is not JSON but which pandas writes for a missing value (SciCite's release
has it), reads as a missing value. Infinity and -Infinity stay errors.
"""

import json
from collections.abc import Iterator
from typing import Literal

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import BATCH_RECORDS, InputFile, family_frame, text_lines
from transforms.parsers.csv_table import FIELDS, check_mapping

NAME = "jsonl_table_v1"
OPTIONS = {"family": Literal["pairs", "te", "text", "t2t"], "columns": dict[str, str], "id": str, "document": str,
           "label_separator": str, "constants": dict[str, str | int | float]}


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `family` (pairs, te, text or t2t; default pairs), `columns` (field -> key of the object),
    `id` (a key, else the line number), `document` (a key naming the record's document, else the id),
    `label_separator` (text family: a string label is split on it; default: not split; a JSON array is a
    list of labels), `constants` (field -> a fixed value). A null or NaN value reads as missing: an
    empty text (which the family check quarantines) or no label."""
    family = options.get("family", "pairs")
    return pl.concat(list(parse_batches(files, options, source)) or [family_frame([], family)])


def parse_batches(files: list[InputFile], options: dict, source: str) -> Iterator[pl.DataFrame]:
    """`parse`, BATCH_RECORDS records at a time."""
    family, columns, constants = options.get("family", "pairs"), options.get("columns", {}), options.get("constants", {})
    check_mapping(family, columns, constants, source, parser="jsonl_table")
    rows = []
    for file in files:
        for number, line in enumerate(text_lines(file, source, only_newline=True), start=1):
            line = line.removesuffix("\r")  # CRLF line ends
            if not line.strip():
                continue
            rows.append(_row(_object(line, file, number, source), options, family, file, number, source))
            if len(rows) == BATCH_RECORDS:
                yield family_frame(rows, family)
                rows = []
    if rows:
        yield family_frame(rows, family)


def _nan_only(name: str) -> None:
    if name != "NaN":
        raise ValueError(f"{name} is not a JSON value")
    return None  # a bare NaN: a missing value


def _object(line: str, file: InputFile, number: int, source: str) -> dict:
    try:
        record = json.loads(line, parse_constant=_nan_only)
    except json.JSONDecodeError as e:
        raise SourceError(source, f"not valid JSON: {e.msg} (column {e.colno})", file.name, number) from None
    except ValueError as e:
        raise SourceError(source, f"not valid JSON: {e}", file.name, number) from None
    if not isinstance(record, dict):
        raise SourceError(source, f"expected a JSON object, got {type(record).__name__}", file.name, number)
    return record


def _text(value, key: str, file: InputFile, number: int, source: str) -> str:
    """A scalar as the text a reader sees: strings as they are, numbers and booleans as JSON writes them."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    raise SourceError(source, f"key {key!r} holds a JSON {type(value).__name__}, not a single value", file.name, number)


def _field(record: dict, key: str, file: InputFile, number: int, source: str):
    if key not in record:
        raise SourceError(source, f"the object has no key {key!r}", file.name, number)
    return record[key]


def _row(record: dict, options: dict, family: str, file: InputFile, number: int, source: str) -> dict:
    def text_of(key: str) -> str:
        return _text(_field(record, key, file, number, source), key, file, number, source)

    id_key, doc_key = options.get("id"), options.get("document")
    rid = f"{file.name}:{text_of(id_key) if id_key else number}"
    doc = f"{file.name}:{text_of(doc_key)}" if doc_key else rid
    row = {"id": rid, "document_id": doc, "split": file.split, "source_file": file.name, "source_line": number}
    constants, sep = options.get("constants", {}), options.get("label_separator")
    for field in FIELDS[family]:
        if field in constants:
            row[field] = [str(constants[field])] if field == "labels" else str(constants[field])
        elif field != "labels":
            row[field] = text_of(options["columns"][field])
        else:
            key = options["columns"][field]
            value = _field(record, key, file, number, source)
            if isinstance(value, list):  # a list of labels
                labels = [_text(item, key, file, number, source) for item in value]
            else:
                labels = text_of(key).split(sep) if sep else [text_of(key)]
            row[field] = [label.strip() for label in labels if label.strip()]
    return row
