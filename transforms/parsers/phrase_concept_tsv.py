"""Normalised phrases, one a line: `concept id <TAB> concept name <TAB> phrase` (the AskAPatient and
TwADR-L folds of Limsopatham and Collier 2016), into the kb family.

Each line is one record, as in BigBio's loader: its text is the phrase, and one entity spans the whole
phrase, normalised to the concept id in the database `db_name` (the files do not name it). The concept
name is the database's, not the writer's, so it is not part of the record.
"""

from typing import Literal

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, text_lines

NAME = "phrase_concept_tsv_v1"
OPTIONS = {"db_name": str, "entity_type": str, "encoding": Literal["utf-8", "latin-1"]}
FAMILY = "kb"


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `db_name` (the database the concept ids belong to), `entity_type` (default `phrase`), `encoding`
    (default utf-8; BigBio, and so MedINST, read the Zenodo folds as latin-1)."""
    db_name, kind, encoding = options["db_name"], options.get("entity_type", "phrase"), options.get("encoding", "utf-8")
    rows = []
    for file in files:
        for number, line in enumerate(text_lines(file, source, encoding=encoding), 1):
            if not line.strip():
                continue
            fields = line.split("\t")
            if len(fields) != 3:
                raise SourceError(source, f"expected 3 tab-separated fields, found {len(fields)}", file.name, number)
            concept, phrase = fields[0].strip(), fields[2].strip()
            if not concept or " " in concept or not phrase:
                raise SourceError(source, "a line needs a concept id (no spaces) and a phrase", file.name, number)
            rid = f"{file.name}:{number}"
            span = [[0, len(phrase)]]
            rows.append({
                "id": rid, "document_id": rid, "split": file.split, "source_file": file.name, "source_line": number,
                "passages": [{"id": f"{rid}:p", "type": kind, "text": [phrase], "offsets": span}],
                "entities": [{"id": f"{rid}:e", "type": kind, "text": [phrase], "offsets": span,
                              "normalized": [{"db_name": db_name, "db_id": concept}]}],
                "events": [], "coreferences": [], "relations": [],
            })
    return family_frame(rows, FAMILY)
