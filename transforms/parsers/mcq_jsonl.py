"""Multiple-choice questions as JSON Lines: a question, a mapping of option keys to texts, the gold key.

Read a piece of the file at a time: Polars parses a piece whose lines are all plain records (the
common case, and the only one at MedINST's scale); any other piece is read line by line with the
json module, which names the line that is wrong.
"""

import json
from collections.abc import Iterator
from typing import TypedDict

import polars as pl

from schemas.errors import SourceError
from schemas.families import POLARS_SCHEMAS
from transforms.parsers._common import InputFile, decode_chunk, family_frame, line_chunks

NAME = "mcq_jsonl_v1"
# A file laid out otherwise than the source's others (a release's own file beside a re-release of part of it).
FileOptions = TypedDict("FileOptions", {"id": str, "question": str, "options": str, "answer_key": str,
                                        "option_fields": list[str], "answer_base": int}, total=False)
OPTIONS = {"id": str, "question": str, "options": str, "answer_key": str, "line_ids": list[str],
           "file_options": dict[str, FileOptions], "superseded": dict[str, list[str]]}
KEYS = "ABCDEFGHIJ"
FAMILY = "qa"


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options name the fields: `id`, `question`, `options` (key -> text) and `answer_key`; `line_ids`: declared
    files whose records have no id field (a release's own file beside a re-release that added one), each record's
    id then being its line number. `file_options`: a declared file's own field names, and `option_fields`
    (the options as one field each, e.g. [opa, opb, opc, opd], keyed A, B, ... in that order) with
    `answer_base` (the answer field then holds the option's number, counted from answer_base, e.g. 1).
    `superseded`: declared file -> declared files that hold its records too; it is read only when none of
    them was given (a re-released slice beside the optional full release)."""
    return pl.concat(list(parse_batches(files, options, source)) or [family_frame([], FAMILY)])


def parse_batches(files: list[InputFile], options: dict, source: str) -> Iterator[pl.DataFrame]:
    fields = (options.get("id", "id"), options.get("question", "question"), options.get("options", "options"),
              options.get("answer_key", "answer_idx"))
    line_ids = set(options.get("line_ids", []))
    given = {f.name for f in files}
    for file in files:
        if given & set(options.get("superseded", {}).get(file.name, [])):
            continue
        layout = options.get("file_options", {}).get(file.name, {})
        own = tuple(layout.get(k, f) for k, f in zip(("id", "question", "options", "answer_key"), fields))
        own = (None, *own[1:]) if file.name in line_ids else own
        by_field = (layout["option_fields"], layout.get("answer_base", 0)) if layout.get("option_fields") else None
        for piece, first_line, _ in line_chunks(file, source):
            frame = None if by_field else _fast(piece, first_line, file, own)
            yield frame if frame is not None else _careful(piece, first_line, file, own, source, by_field)


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
    if f_id is not None and raw[f_id].str.contains(r'^(true|false)$|^[\[{"]').any():  # an id json writes otherwise
        return None
    keys = sorted(f.name for f in schema[f_opts].fields)
    options = [pl.col(f_opts).struct.field(k) for k in keys]
    answer = pl.coalesce([pl.when(pl.col(f_key) == k).then(o) for k, o in zip(keys, options)])
    raw = raw.with_row_index("_line", offset=first_line)
    record_id = pl.col("_line").cast(pl.Utf8) if f_id is None else pl.col(f_id).cast(pl.Utf8)
    frame = raw.select(
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
    named = [f for f in fields if f is not None]
    try:
        # The options as their JSON text first, decoded with every row's keys inferred: twice as fast as
        # inferring the whole record (a struct inferred from a sample would drop a key only later rows have).
        raw = pl.read_ndjson(piece, schema=dict.fromkeys(named, pl.Utf8))
        return raw.with_columns(raw[f_opts].str.json_decode(infer_schema_length=None))
    except (pl.exceptions.PolarsError, ValueError):
        pass
    try:  # Polars does not write every nested object back as JSON text it can read: infer it all
        raw = pl.read_ndjson(piece, infer_schema_length=None)
        if not set(named) <= set(raw.columns):
            return None
        return raw.select(named).with_columns(pl.col(f_id).cast(pl.Utf8)) if f_id is not None else raw.select(named)
    except (pl.exceptions.PolarsError, ValueError):
        return None


def _careful(piece: bytes, first_line: int, file: InputFile, fields: tuple[str, ...], source: str,
             by_field: tuple[list[str], int] | None = None) -> pl.DataFrame:
    """The piece line by line; `by_field`: (option fields, answer base) for a file with one field per option."""
    f_id, f_q, f_opts, f_key = fields
    if by_field:
        f_opts = None
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
        missing = [k for k in (f_id, f_q, f_opts, f_key, *(by_field[0] if by_field else ())) if k is not None
                   and k not in rec]
        if missing:
            raise SourceError(source, f"record lacks {', '.join(missing)}", file.name, number)
        choices, key = (_numbered(rec, by_field, f_key) if by_field else (rec[f_opts], rec[f_key]))
        if not isinstance(choices, dict) or key not in choices:
            raise SourceError(source, f"answer key {rec[f_key]!r} is not among the options", file.name, number)
        if by_field and not all(isinstance(c, str) for c in (rec[f_q], *choices.values())):
            raise SourceError(source, "the question and every option must be strings", file.name, number)
        rid = number if f_id is None else rec[f_id]
        rows.append(
            {
                "id": f"{file.name}:{rid}",
                "document_id": str(rid),
                "split": file.split,
                "source_file": file.name,
                "source_line": number,
                "question_id": str(rid),
                "question": rec[f_q],
                "type": "multiple_choice",
                "choices": [choices[k] for k in sorted(choices)],
                "context": "",
                "answer": [choices[key]],
            }
        )
    return family_frame(rows, FAMILY)


def _numbered(rec: dict, by_field: tuple[list[str], int], f_key: str) -> tuple[dict, str | None]:
    """Options held one field each, keyed A, B, ...; the answer the key of the option numbered rec[f_key]."""
    names, base = by_field
    choices = {KEYS[i]: rec[name] for i, name in enumerate(names[: len(KEYS)])}
    number = rec[f_key]
    if isinstance(number, str) and number.strip().lstrip("-").isdigit():
        number = int(number)
    valid = isinstance(number, int) and not isinstance(number, bool) and 0 <= number - base < len(choices)
    return choices, KEYS[number - base] if valid else None
