"""PubMedQA JSON: an object PMID -> {QUESTION, CONTEXTS, final_decision, ...}."""


import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, read_json

NAME = "pubmedqa_json_v1"
OPTIONS: set[str] = set()
FAMILY = "qa"
CHOICES = ["yes", "no", "maybe"]


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    rows = []
    for file in files:
        records = read_json(file, source)
        if not isinstance(records, dict):
            raise SourceError(source, "expected a JSON object keyed by PMID", file.name)
        for pmid, rec in records.items():
            missing = [k for k in ("QUESTION", "CONTEXTS", "final_decision") if k not in rec]
            if missing:
                raise SourceError(source, f"record {pmid} lacks {', '.join(missing)}", file.name)
            rows.append(
                {
                    "id": pmid,
                    "document_id": pmid,
                    "split": file.split,
                    "source_file": file.name,
                    "source_line": None,
                    "question_id": pmid,
                    "question": rec["QUESTION"],
                    "type": "yesno",
                    "choices": CHOICES,
                    "context": " ".join(rec["CONTEXTS"]),
                    "answer": [rec["final_decision"]],
                }
            )
    return family_frame(rows, FAMILY)
