"""PubMedQA JSON: an object PMID -> {QUESTION, CONTEXTS, final_decision, ...}.

Streamed record by record (ijson): the artificial set PQA-A is one object of 211k records and
about 500 MB, which `json.load` would hold several times over in memory.
"""

from collections.abc import Iterator

import ijson
import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, open_binary, read_json

NAME = "pubmedqa_json_v1"
OPTIONS: dict[str, type] = {}
FAMILY = "qa"
CHOICES = ["yes", "no", "maybe"]
FIELDS = ("QUESTION", "CONTEXTS", "final_decision")
BATCH = 20_000  # records a batch: each carries a whole abstract


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    return pl.concat(list(parse_batches(files, options, source)) or [family_frame([], FAMILY)])


def parse_batches(files: list[InputFile], options: dict, source: str) -> Iterator[pl.DataFrame]:
    for file in files:
        rows = []
        for pmid, rec in _records(file, source):
            missing = [k for k in FIELDS if k not in rec] if isinstance(rec, dict) else list(FIELDS)
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
            if len(rows) == BATCH:
                yield family_frame(rows, FAMILY)
                rows = []
        if rows:
            yield family_frame(rows, FAMILY)


def _records(file: InputFile, source: str) -> Iterator[tuple[str, object]]:
    with open_binary(file, source) as stream:
        start = stream.read(4096).lstrip()[:1]
        if start != b"{":
            if start in (b"[", b""):
                raise SourceError(source, "expected a JSON object keyed by PMID", file.name)
            read_json(file, source)  # not JSON at all: names the line
        stream.seek(0)
        try:
            yield from ijson.kvitems(stream, "", use_float=True)
        except (ijson.JSONError, UnicodeDecodeError):
            read_json(file, source)  # the standard parser names the line and what is wrong
            raise
