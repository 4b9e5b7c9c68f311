"""Word (.docx) tables: text pairs in one table, annotator scores keyed by the same number in another.

The label of a pair is the mean of its scores, kept as a string (the pairs family's convention).
"""

import docx
import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, pick

NAME = "docx_tables_v1"
OPTIONS = {"pairs_file": str, "scores_file": str, "header_rows": int, "score_columns": list[int]}
FAMILY = "pairs"


def _table_rows(file: InputFile, source: str) -> list[tuple[int, list[str]]]:
    """(row number, cell texts) of the first table; the row number stands in for a line."""
    try:
        tables = docx.Document(str(file.path)).tables
    except Exception as e:  # python-docx raises several types for a damaged zip or XML
        raise SourceError(source, f"not a readable .docx file: {e}", file.name) from None
    if not tables:
        raise SourceError(source, "the document has no table", file.name)
    return [(i, [c.text.strip() for c in row.cells]) for i, row in enumerate(tables[0].rows, start=1)]


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `pairs_file` and `scores_file` (declared paths), `header_rows` (default 1),
    `score_columns` (indexes of the annotators' columns). Column 0 of both tables is the pair number."""
    pairs_file, scores_file = pick(files, source, options["pairs_file"]), pick(files, source, options["scores_file"])
    skip, score_cols = options.get("header_rows", 1), options["score_columns"]
    scores = {}
    for number, cells in _table_rows(scores_file, source)[skip:]:
        try:
            values = [float(cells[i]) for i in score_cols]
        except (ValueError, IndexError):
            raise SourceError(source, f"scores are not numbers in table row {number}: {cells}", scores_file.name, number) from None
        scores[cells[0]] = sum(values) / len(values)
    rows = []
    for number, cells in _table_rows(pairs_file, source)[skip:]:
        if len(cells) < 3 or cells[0] not in scores:
            raise SourceError(source, f"pair {cells[:1]} in table row {number} has no scores", pairs_file.name, number)
        rows.append(
            {
                "id": f"{pairs_file.name}:{cells[0]}",
                "document_id": cells[0],
                "split": pairs_file.split,
                "source_file": pairs_file.name,
                "source_line": number,
                "text_1": cells[1],
                "text_2": cells[2],
                "label": repr(round(scores[cells[0]], 4)),
            }
        )
    return family_frame(rows, FAMILY)
