"""Multiple-choice questions as JSON Lines: a question, a mapping of option keys to texts, the gold key.

Read a piece of the file at a time: Polars parses a piece whose lines are all plain records (the
common case, and the only one at MedINST's scale); any other piece is read line by line with the
json module, which names the line that is wrong.
"""

import json
from collections.abc import Iterator

import polars as pl

from schemas.errors import SourceError
from schemas.families import POLARS_SCHEMAS
from transforms.parsers._common import InputFile, decode_chunk, family_frame, line_chunks

NAME = "mcq_jsonl_v1"
OPTIONS = {"id": str, "question": str, "options": str, "answer_key": str}
FAMILY = "qa"


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options name the fields: `id`, `question`, `options` (key -> text) and `answer_key`."""
    return pl.concat(list(parse_batches(files, options, source)) or [family_frame([], FAMILY)])


def parse_batches(files: list[InputFile], options: dict, source: str) -> Iterator[pl.DataFrame]:
    fields = (options.get("id", "id"), options.get("question", "question"), options.get("options", "options"),
              options.get("answer_key", "answer_idx"))
    for file in files:
        for piece, first_line, _ in line_chunks(file, source):
            frame = _fast(piece, first_line, file, fields)
            yield frame if frame is not None else _careful(piece, first_line, file, fields, source)


def _fast(piece: bytes, first_line: int, file: InputFile, fields: tuple[str, ...]) -> pl.DataFrame | None:
    """The piece's records, or None where Polars cannot be trusted to read them as `_careful` would."""
    f_id, f_q, f_opts, f_key = fields
    raw = _read(piece, fields)
    if raw is None:
        return None
    expected = piece.count(b"\n") + (not piece.endswith(b"\n"))
    schema = raw.schema
    if (raw.height != expected  # a blank line
            or schema[f_q] != pl.Utf8 or schema[f_key] != pl.Utf8
            or not isinstance(schema[f_opts], pl.Struct) or any(f.dtype != pl.Utf8 for f in schema[f_opts].fields)):
        return None
    if raw.select(pl.any_horizontal(pl.all().is_null()).any()).item():  # a field missing
        return None
    if raw[f_id].str.contains(r'^(true|false)$|^[\[{"]').any():  # an id the json module would write otherwise
        return None
    keys = sorted(f.name for f in schema[f_opts].fields)
    options = [pl.col(f_opts).struct.field(k) for k in keys]
    answer = pl.coalesce([pl.when(pl.col(f_key) == k).then(o) for k, o in zip(keys, options)])
    record_id = pl.col(f_id).cast(pl.Utf8)
    frame = raw.with_row_index("_line", offset=first_line).select(
        id=pl.lit(f"{file.name}:") + record_id,
        document_id=record_id,
        split=pl.lit(file.split, pl.Utf8),
        source_file=pl.lit(file.name),
        source_line=pl.col("_line").cast(pl.Int64),
        question_id=record_id,
        question=pl.col(f_q),
        type=pl.lit("multiple_choice"),
        choices=pl.concat_list(options).list.drop_nulls(),
        context=pl.lit(""),
        answer=pl.concat_list(answer),
    )
    if frame["answer"].list.get(0).null_count():  # a key that is not among the options: `_careful` says which
        return None
    return frame.cast(POLARS_SCHEMAS[FAMILY])


def _read(piece: bytes, fields: tuple[str, ...]) -> pl.DataFrame | None:
    """The four fields of every line, the options a struct with every key any row has."""
    f_id, f_q, f_opts, f_key = fields
    try:
        # The options as their JSON text first, decoded with every row's keys inferred: twice as fast as
        # inferring the whole record (a struct inferred from a sample would drop a key only later rows have).
        raw = pl.read_ndjson(piece, schema={f_id: pl.Utf8, f_q: pl.Utf8, f_opts: pl.Utf8, f_key: pl.Utf8})
        return raw.with_columns(raw[f_opts].str.json_decode(infer_schema_length=None))
    except (pl.exceptions.PolarsError, ValueError):
        pass
    try:  # Polars does not write every nested object back as JSON text it can read: infer it all
        raw = pl.read_ndjson(piece, infer_schema_length=None)
        return raw.select(fields).with_columns(pl.col(f_id).cast(pl.Utf8)) if set(fields) <= set(raw.columns) else None
    except (pl.exceptions.PolarsError, ValueError):
        return None


def _careful(piece: bytes, first_line: int, file: InputFile, fields: tuple[str, ...], source: str) -> pl.DataFrame:
    f_id, f_q, f_opts, f_key = fields
    rows = []
    text = decode_chunk(piece, file, source, first_line)
    for number, line in enumerate(text.split("\n"), start=first_line):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise SourceError(source, f"not valid JSON: {e.msg}", file.name, number) from None
        if not isinstance(rec, dict):
            raise SourceError(source, f"expected a JSON object, got {type(rec).__name__}", file.name, number)
        missing = [k for k in fields if k not in rec]
        if missing:
            raise SourceError(source, f"record lacks {', '.join(missing)}", file.name, number)
        choices = rec[f_opts]
        if not isinstance(choices, dict) or rec[f_key] not in choices:
            raise SourceError(source, f"answer key {rec[f_key]!r} is not among the options", file.name, number)
        rows.append(
            {
                "id": f"{file.name}:{rec[f_id]}",
                "document_id": str(rec[f_id]),
                "split": file.split,
                "source_file": file.name,
                "source_line": number,
                "question_id": str(rec[f_id]),
                "question": rec[f_q],
                "type": "multiple_choice",
                "choices": [choices[k] for k in sorted(choices)],
                "context": "",
                "answer": [choices[rec[f_key]]],
            }
        )
    return family_frame(rows, FAMILY)
