"""Tab-separated text without quoting, one record a line, into the te, pairs or text family.

Some releases write TSV with no quoting at all (PUBHEALTH): a quote is text, and a field that held a line
break leaves a broken line behind. Such files are read as their own loaders read them: every line split on
tabs (any line end), columns counted from the end where a file has extra leading columns (0-based, negative
from the end), and rows too short to hold the columns, or whose label is not one of the release's, skipped.
"""

import re
from collections.abc import Iterator
from typing import Literal

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, Tree, family_frame, in_batches, text_lines
from transforms.parsers.csv_table import FIELDS

NAME = "loose_tsv_v1"
_LINE_END = re.compile(r"\r\n|\r|\n")  # the line ends Python's text mode knows, not str.splitlines' dozen
OPTIONS = {"family": Literal["te", "pairs", "text"], "columns": dict[str, int], "id": int, "header": bool,
           "labels": list[str], "members": dict[str, str]}


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `family` (te, pairs or text; default te), `columns` (field -> 0-based column, negative from the
    end), `id` (a column naming the record, else the line number), `header` (default true: the first line is
    skipped), `labels` (only rows with one of these labels are kept; default: every row), `members` (member
    path -> split: the declared file is a zip or tar archive holding these TSV files). A row with fewer fields
    than its columns need is skipped."""
    family = options.get("family", "te")
    return pl.concat(list(parse_batches(files, options, source)) or [family_frame([], family)])


def parse_batches(files: list[InputFile], options: dict, source: str) -> Iterator[pl.DataFrame]:
    """`parse`, BATCH_RECORDS records at a time."""
    family, columns = options.get("family", "te"), options.get("columns", {})
    if family not in ("te", "pairs", "text") or any(f not in columns for f in FIELDS[family]):
        needed = ", ".join(FIELDS.get(family, ()))
        raise SourceError(source, f"loose_tsv options: family te, pairs or text, and columns for {needed}")
    used = [*columns.values(), *([options["id"]] if "id" in options else [])]
    width = max(max(c + 1 if c >= 0 else -c for c in used), 1)
    yield from in_batches(_rows(files, options, source, family, columns, width), family)


def _rows(files: list[InputFile], options: dict, source: str, family: str, columns: dict, width: int):
    for name, split, lines in _sources(files, options, source):
        for number, line in enumerate(lines, start=1):
            if number == 1 and options.get("header", True):
                continue
            fields = [f.strip() for f in line.split("\t")]
            if len(fields) < width or not any(fields):
                continue
            label_field = "labels" if family == "text" else "label"
            if "labels" in options and fields[columns[label_field]] not in options["labels"]:
                continue
            own = fields[options["id"]] if "id" in options else str(number)
            row = {"id": f"{name}:{own}:{number}", "document_id": f"{name}:{own}", "split": split,
                   "source_file": name, "source_line": number}
            for field in FIELDS[family]:
                value = fields[columns[field]]
                row[field] = [value] if field == "labels" else value
            yield row


def _sources(files: list[InputFile], options: dict, source: str):
    """(name, split, lines) per TSV file: lines without their ends, split at any line end."""
    for file in files:
        if not options.get("members"):
            yield file.name, file.split, text_lines(file, source)
            continue
        with Tree(file, source) as tree:
            for member, split in options["members"].items():
                if member not in tree:
                    raise SourceError(source, f"the archive has no member {member!r}", file.name)
                yield tree.where(member), split, _LINE_END.split(tree.read_text(member).removesuffix("\n"))
