"""PubMedQA JSON: an object PMID -> {QUESTION, CONTEXTS, final_decision, ...}.

Streamed record by record (ijson): the artificial set PQA-A is one object of 211k records and
about 500 MB, which `json.load` would hold several times over in memory.
"""

import random
from collections.abc import Iterator
from typing import TypedDict

import ijson
import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, open_binary, read_json

NAME = "pubmedqa_json_v1"
# The authors' preprocess/split_dataset.py splits PQA-A with random.seed(0) and one random.shuffle of its PMIDs
# in file order, the first 200,000 for training and the rest for dev: replayed here exactly.
ShuffledSplit = TypedDict("ShuffledSplit", {"file": str, "seed": int, "sizes": dict[str, int]})
OPTIONS = {"shuffled_split": ShuffledSplit}
FAMILY = "qa"
CHOICES = ["yes", "no", "maybe"]
FIELDS = ("QUESTION", "CONTEXTS", "final_decision")
BATCH = 20_000  # records a batch: each carries a whole abstract


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Option `shuffled_split` ({file, seed, sizes}): the declared file's PMIDs, in file order, shuffled by
    Python's random.Random(seed).shuffle, are dealt out in that order, sizes[split] to each split in turn,
    the last taking the rest (how the authors split PQA-A); other files' records keep the file's split."""
    return pl.concat(list(parse_batches(files, options, source)) or [family_frame([], FAMILY)])


def parse_batches(files: list[InputFile], options: dict, source: str) -> Iterator[pl.DataFrame]:
    shuffled = options.get("shuffled_split")
    for file in files:
        split_of = _shuffled(file, shuffled, source) if shuffled and shuffled["file"] == file.name else None
        rows = []
        for pmid, rec in _records(file, source):
            missing = [k for k in FIELDS if k not in rec] if isinstance(rec, dict) else list(FIELDS)
            if missing:
                raise SourceError(source, f"record {pmid} lacks {', '.join(missing)}", file.name)
            rows.append(
                {
                    "id": pmid,
                    "document_id": pmid,
                    "split": split_of[pmid] if split_of else file.split,
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


def _shuffled(file: InputFile, option: dict, source: str) -> dict[str, str]:
    """Each PMID's split, as option `shuffled_split` deals them."""
    if not option.get("sizes"):
        raise SourceError(source, "pubmedqa_json options: shuffled_split needs sizes", file.name)
    pmids = [pmid for pmid, _ in _records(file, source)]
    random.Random(option.get("seed", 0)).shuffle(pmids)
    names, split_of, start = list(option["sizes"]), {}, 0
    for i, name in enumerate(names):
        end = len(pmids) if i == len(names) - 1 else start + option["sizes"][name]
        split_of.update(dict.fromkeys(pmids[start:end], name))
        start = end
    return split_of
