"""Consultation dialogues as plain text (the COVID-Dialogue / MedDialog raw release), into the text family.

A dialogue starts with a line `id=N`, then its source URL, a `Description` line and the patient's
description, then a `Dialogue` line followed by turns: a speaker marker line (e.g. `Patient:`) and the
turn's text on the lines after it, until the next marker or the next `id=` line. Each turn is one record
labelled with its speaker (as `speakers` maps markers to labels), BigBio's meddialog text schema. A turn's
lines (a stray carriage return also ends one) are joined by single spaces. The record's document is its
dialogue: the id with the line it starts on, since an id may be reused. A dialogue whose turns repeat an
earlier one's exactly (the same consultation published twice) is left out: its copies would otherwise
be dealt into different splits.
"""

import re

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, text_lines

NAME = "dialogue_txt_v1"
OPTIONS = {"speakers": dict[str, str]}
FAMILY = "text"
DIALOGUE_ID = re.compile(r"id=(\d+)")


class _Dialogue:
    def __init__(self, number: str, line: int):
        self.number, self.line = number, line
        self.section = "url"  # then "head" (before Description), "description", "dialogue"
        self.turns: list[tuple[str, int, list[str]]] = []  # (label, marker line, text lines)


def _records(file: InputFile, dialogue: _Dialogue, source: str, seen: set[tuple]) -> list[dict]:
    """The dialogue's turns as records (none if `seen`, the turns of the dialogues so far, has them)."""
    if dialogue.section != "dialogue" or not dialogue.turns:
        raise SourceError(source, f"dialogue {dialogue.number} has no Dialogue section with turns", file.name,
                          dialogue.line)
    for _, line, text in dialogue.turns:
        if not text:
            raise SourceError(source, "a speaker's turn has no text", file.name, line)
    turns = tuple((label, " ".join(text)) for label, _, text in dialogue.turns)
    if turns in seen:
        return []
    seen.add(turns)
    document = f"{file.name}:id={dialogue.number}@{dialogue.line}"
    return [
        {"id": f"{file.name}:{line}", "document_id": document, "split": file.split, "source_file": file.name,
         "source_line": line, "text": text, "labels": [label]}
        for (label, text), (_, line, _) in zip(turns, dialogue.turns)
    ]


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `speakers` (marker line, e.g. `Patient:` -> the label its turns get, e.g. patient)."""
    speakers = options["speakers"]
    rows, seen = [], set()
    for file in files:
        dialogue = None
        for number, raw in enumerate(text_lines(file, source, only_newline=True), 1):
            line = raw.strip()
            found = DIALOGUE_ID.fullmatch(line)
            if found:
                if dialogue is not None:
                    rows += _records(file, dialogue, source, seen)
                dialogue = _Dialogue(found.group(1), number)
            elif not line:
                continue
            elif dialogue is None:
                raise SourceError(source, "text before the first `id=N` line", file.name, number)
            elif dialogue.section == "url":
                dialogue.section = "head"
            elif dialogue.section == "head":
                if line != "Description":
                    raise SourceError(source, f"expected `Description`, not {line[:40]!r}", file.name, number)
                dialogue.section = "description"
            elif dialogue.section == "description":
                dialogue.section = "dialogue" if line == "Dialogue" else "description"
            elif line in speakers:
                dialogue.turns.append((speakers[line], number, []))
            elif not dialogue.turns:
                raise SourceError(source, f"dialogue text before a speaker marker ({', '.join(speakers)})",
                                  file.name, number)
            else:
                dialogue.turns[-1][2].extend(part.strip() for part in raw.split("\r") if part.strip())
        if dialogue is None:
            raise SourceError(source, "no dialogue (`id=N` line) in the file", file.name, 1)
        rows += _records(file, dialogue, source, seen)
    return family_frame(rows, FAMILY)
