"""Multiple-choice questions as JSON Lines: a question, a mapping of option keys to texts, the gold key."""

import json

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, read_text

NAME = "mcq_jsonl_v1"
OPTIONS = {"id", "question", "options", "answer_key"}
FAMILY = "qa"


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options name the fields: `id`, `question`, `options` (key -> text) and `answer_key`."""
    f_id, f_q = options.get("id", "id"), options.get("question", "question")
    f_opts, f_key = options.get("options", "options"), options.get("answer_key", "answer_idx")
    rows = []
    for file in files:
        for number, line in enumerate(read_text(file, source).splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise SourceError(source, f"not valid JSON: {e.msg}", file.name, number) from None
            if not isinstance(rec, dict):
                raise SourceError(source, f"expected a JSON object, got {type(rec).__name__}", file.name, number)
            missing = [k for k in (f_id, f_q, f_opts, f_key) if k not in rec]
            if missing:
                raise SourceError(source, f"record lacks {', '.join(missing)}", file.name, number)
            choices = rec[f_opts]
            if not isinstance(choices, dict) or rec[f_key] not in choices:
                raise SourceError(source, f"answer key {rec[f_key]!r} is not among the options", file.name, number)
            rid = f"{file.name}:{rec[f_id]}"
            rows.append(
                {
                    "id": rid,
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
