"""Question-answering records as JSON (an array of objects, or JSON Lines) into the qa family, by a key mapping.

The records may sit in a declared file (a JSON Lines file read a piece at a time, gunzipped when its name
ends in .gz: BIOMRC runs to GBs) or in members of a declared zip or tar archive, each with its own split
(SciQ's and QAngaroo's releases). Choices come from one key holding a list (MedHop's `candidates`) or from
several keys holding one option each (SciQ's three distractors and its correct answer).
"""

from collections.abc import Iterator

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import (
    InputFile,
    Tree,
    decode_chunk,
    family_frame,
    in_batches,
    json_record,
    line_chunks,
    read_json,
)

NAME = "json_qa_v1"
FAMILY = "qa"
OPTIONS = {
    "lines": bool, "members": dict[str, str], "id": str, "question": str, "context": str | list[str],
    "context_separator": str, "choices": str | list[str], "answer": str, "strip_after": str,
    "sort_choices": bool, "type": str,
}


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `lines` (JSON Lines; default: one JSON array of objects), `members` (member path -> split: the
    declared file is a zip or tar archive holding these JSON files), `id` (a key, else the record's position),
    `question`, `context` (a key, or keys, whose text, or list of texts, is joined by `context_separator`,
    default a newline), `choices` (a key holding a list, or a list of keys holding one option each), `answer`
    (a key holding the gold text, or a list of them), `strip_after` (a choice or answer is cut at the first
    occurrence of this separator: BIOMRC writes '@entity1 :: (id, type) :: [synonyms]'), `sort_choices`
    (choices in alphabetical order rather than the keys' order, which may give the answer away), `type`
    (default multiple_choice when there are choices, else factoid). A gold answer that is not among the
    choices is an error."""
    return pl.concat(list(parse_batches(files, options, source)) or [family_frame([], FAMILY)])


def parse_batches(files: list[InputFile], options: dict, source: str) -> Iterator[pl.DataFrame]:
    """`parse`, BATCH_RECORDS records at a time."""
    if "question" not in options or "answer" not in options:
        raise SourceError(source, "json_qa options: `question` and `answer` name the keys of a record")
    yield from in_batches((_row(record, options, name, split, position, line, source)
                           for name, split, records in _sources(files, options, source)
                           for position, line, record in records), FAMILY)


def _sources(files: list[InputFile], options: dict, source: str):
    """(name, split, records) per JSON document: each record as (position, line or None, object)."""
    for file in files:
        if options.get("members"):
            with Tree(file, source) as tree:
                for member, split in options["members"].items():
                    if member not in tree:
                        raise SourceError(source, f"the archive has no member {member!r}", file.name)
                    name, text = tree.where(member), tree.read_text(member)
                    records = _lines(text, name, 1, source) if options.get("lines") else _array(
                        read_json(file, source, name=name, text=text), name, source)
                    yield name, split, records
        elif options.get("lines"):
            yield file.name, file.split, _chunked_lines(file, source)
        else:
            yield file.name, file.split, _array(read_json(file, source), file.name, source)


def _array(doc, name: str, source: str) -> Iterator[tuple[int, None, dict]]:
    if not isinstance(doc, list):
        raise SourceError(source, f"expected a JSON array of records, got {type(doc).__name__}", name)
    for position, record in enumerate(doc):
        yield position, None, record


def _chunked_lines(file: InputFile, source: str) -> Iterator[tuple[int, int, dict]]:
    for piece, first_line, _ in line_chunks(file, source):
        yield from _lines(decode_chunk(piece, file, source, first_line), file.name, first_line, source)


def _lines(text: str, name: str, first_line: int, source: str) -> Iterator[tuple[int, int, dict]]:
    for number, line in enumerate(text.split("\n"), start=first_line):
        if not line.strip():
            continue
        yield number, number, json_record(line, name, number, source)


def _row(record, options: dict, name: str, split: str | None, position: int, line: int | None, source: str) -> dict:
    where = f"record {position + 1}" if line is None else "the record"

    def fail(message: str):
        return SourceError(source, f"{where}: {message}", name, line)

    if not isinstance(record, dict):
        raise fail(f"expected a JSON object, got {type(record).__name__}")

    def value(key: str):
        if key not in record:
            raise fail(f"no key {key!r}")
        return record[key]

    def text(key: str, item) -> str:
        if type(item) is str:  # the common case first: BIOMRC has 800k records of 20 texts each
            return item.strip()
        if item is None:
            return ""
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise fail(f"key {key!r} holds a JSON {type(item).__name__}, not a text")
        return str(item).strip()

    def texts(key: str) -> list[str]:
        item = value(key)
        return [text(key, x) for x in item] if isinstance(item, list) else [text(key, item)]

    cut = options.get("strip_after")

    def stripped(item: str) -> str:
        return item.partition(cut)[0].strip() if cut else item

    keys = options.get("choices", [])
    choices = texts(keys) if isinstance(keys, str) else [text(k, value(k)) for k in keys]
    choices = [stripped(c) for c in choices]
    if options.get("sort_choices"):
        choices = sorted(choices, key=lambda c: (c.lower(), c))
    answers = [a for a in (stripped(a) for a in texts(options["answer"])) if a]
    if not answers:
        raise fail(f"no answer under {options['answer']!r}")
    if choices and any(a not in choices for a in answers):
        raise fail(f"the answer {answers[0]!r} is not among the choices")
    context_keys = options.get("context", [])
    context_keys = [context_keys] if isinstance(context_keys, str) else context_keys
    context = options.get("context_separator", "\n").join(t for k in context_keys for t in texts(k) if t)
    own = text(options["id"], value(options["id"])) if options.get("id") else str(position if line is None else line)
    rid = f"{name}:{own}"
    return {
        "id": rid, "document_id": own if options.get("id") else rid, "split": split, "source_file": name,
        "source_line": line, "question_id": own, "question": text(options["question"], value(options["question"])),
        "type": options.get("type", "multiple_choice" if choices else "factoid"), "choices": choices,
        "context": context, "answer": answers,
    }
