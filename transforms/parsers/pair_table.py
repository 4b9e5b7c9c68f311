"""Delimited tables with one row per entity pair in a sentence: the pair's label, the document id, the
sentence's number in it, each entity's text, sentence-level start and end (end exclusive) and type, and
the sentence itself (as the IBI group's distribution of EU-ADR ships its relations). A header row names
the columns; the registry maps them to fields.

Each sentence is a kb record, gathering its rows from every declared table of a split (a sentence may
have a drug-disorder pair in one table and a drug-target pair in another); an entity named by several
rows is one entity, each row a relation typed with its label, arg1 the row's first entity.
"""

import csv
import io

import polars as pl

from schemas.errors import SourceError
from schemas.families import empty_kb_lists
from transforms.parsers._common import InputFile, family_frame, read_bytes

NAME = "pair_table_v1"
OPTIONS = {"columns": dict[str, str], "delimiter": str, "encoding": str}
FAMILY = "kb"
ENTITY = ("text", "start", "end", "type")
FIELDS = ("label", "document", "sentence_number", "sentence", *(f"arg{i}_{f}" for i in (1, 2) for f in ENTITY))


def _text(file: InputFile, source: str, encoding: str) -> str:
    data = read_bytes(file, source)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise SourceError(source, f"not {encoding} text ({e.reason})", file.name,
                          data[: e.start].count(b"\n") + 1) from None
    except LookupError:
        raise SourceError(source, f"pair_table options: unknown encoding {encoding!r}") from None


def _rows(file: InputFile, source: str, options: dict):
    """(line, {field: value}) for each data row of a table."""
    columns = options["columns"]
    reader = csv.reader(io.StringIO(_text(file, source, options.get("encoding", "utf-8")), newline=""),
                        delimiter=options.get("delimiter", "\t"))
    try:
        header = next(reader, None)
        if header is None:
            raise SourceError(source, "empty table: expected a header row", file.name, 1)
        missing = [c for c in columns.values() if c not in header]
        if missing:
            raise SourceError(source, f"the header lacks column(s) {', '.join(missing)}", file.name, 1)
        at = {field: header.index(column) for field, column in columns.items()}
        line = reader.line_num + 1
        for row in reader:
            if row:
                if len(row) != len(header):
                    raise SourceError(source, f"{len(row)} fields, the header has {len(header)}", file.name, line)
                yield line, {field: row[i] for field, i in at.items()}
            line = reader.line_num + 1
    except csv.Error as e:
        raise SourceError(source, f"not a readable table: {e}", file.name, reader.line_num or 1) from None


def _offset(value: str, fail) -> int:
    if not value.strip().isdigit():
        fail(f"offset {value!r} is not a number")
    return int(value)


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `columns` ({field: header name} for every field of FIELDS), `delimiter` (default tab),
    `encoding` (default utf-8; e.g. latin-1 for a table in ISO 8859-1)."""
    missing = [f for f in FIELDS if f not in options.get("columns", {})]
    if missing:
        raise SourceError(source, f"pair_table options: columns lacks {', '.join(missing)}")
    records: dict[tuple, dict] = {}
    entity_ids: dict[tuple, dict[tuple, str]] = {}  # per record: (start, end, type) -> entity id
    for file in files:
        for line, row in _rows(file, source, options):

            def fail(message, line=line, file=file):
                raise SourceError(source, message, file.name, line)

            doc, number = row["document"].strip(), row["sentence_number"].strip()
            if not doc or not number:
                fail("a row without its document id or sentence number")
            sid = f"{doc}:{number}"
            record = records.setdefault((file.split, sid), {
                "id": f"{file.split}:{sid}" if file.split else sid, "document_id": sid, "split": file.split,
                "source_file": file.name, "source_line": line,
                "passages": [{"id": f"{sid}-s", "type": "sentence", "text": [row["sentence"]],
                              "offsets": [[0, len(row["sentence"])]]}],
                **empty_kb_lists(),
                "entities": [], "relations": [],
            })
            if record["passages"][0]["text"][0] != row["sentence"]:
                fail(f"sentence {sid} differs from its text in {record['source_file']}, line {record['source_line']}")
            ids, known = [], entity_ids.setdefault((file.split, sid), {})
            for side in ("arg1", "arg2"):
                start, end = (_offset(row[f"{side}_{k}"], fail) for k in ("start", "end"))
                key = (start, end, row[f"{side}_type"])
                if key not in known:
                    # the row's own text: where the offsets point elsewhere, the family check quarantines the sentence
                    known[key] = f"{sid}-e{len(record['entities'])}"
                    record["entities"].append({"id": known[key], "type": key[2], "text": [row[f"{side}_text"]],
                                               "offsets": [[start, end]], "normalized": []})
                ids.append(known[key])
            label = row["label"].strip()
            if not label:
                fail("a row without a label")
            record["relations"].append({"id": f"{sid}-r{len(record['relations'])}", "type": label,
                                        "arg1_id": ids[0], "arg2_id": ids[1], "normalized": []})
    return family_frame(list(records.values()), FAMILY)
