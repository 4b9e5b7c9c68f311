"""Dialogues as one JSON list (MedDialog's processed English release), into the text family.

Each dialogue is an object whose `utterances` is a list of strings `speaker: text` (a `description`, the
patient's, is not an utterance). Each utterance is one record labelled with its speaker (as `speakers`
maps the text before the first colon to a label), BigBio's meddialog text schema; the record's document
is its dialogue.
"""

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, read_json, read_text

NAME = "dialogue_json_v1"
OPTIONS = {"speakers": dict[str, str]}
FAMILY = "text"


def _line_of(text: str, needle: str, start: int) -> tuple[int, int]:
    """(1-based line of the first `needle` at or after `start`, where it ends), for errors and provenance."""
    at = text.find(needle, start)
    return (text.count("\n", 0, at) + 1, at + len(needle)) if at >= 0 else (None, start)


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `speakers` (speaker as written before the colon, e.g. `patient` -> its label)."""
    speakers = options["speakers"]
    rows = []
    for file in files:
        text = read_text(file, source)
        data = read_json(file, source, text=text)
        if not isinstance(data, list):
            raise SourceError(source, "expected a JSON list of dialogues", file.name, 1)
        pos = 0
        for i, dialogue in enumerate(data):
            line, pos = _line_of(text, '"utterances"', pos)
            utterances = dialogue.get("utterances") if isinstance(dialogue, dict) else None
            if not isinstance(utterances, list) or not utterances:
                raise SourceError(source, f"dialogue #{i + 1} has no list of utterances", file.name, line)
            for j, utterance in enumerate(utterances):
                speaker, colon, said = utterance.partition(":") if isinstance(utterance, str) else ("", "", "")
                if not colon or speaker.strip() not in speakers or not said.strip():
                    raise SourceError(source, f"dialogue #{i + 1}, utterance {j + 1}: expected `speaker: text` with a "
                                              f"speaker in {sorted(speakers)}, got {str(utterance)[:60]!r}",
                                      file.name, line)
                rows.append({"id": f"{file.name}:{i}_{j}", "document_id": f"{file.name}:{i}", "split": file.split,
                             "source_file": file.name, "source_line": line, "text": said.strip(),
                             "labels": [speakers[speaker.strip()]]})
    return family_frame(rows, FAMILY)
