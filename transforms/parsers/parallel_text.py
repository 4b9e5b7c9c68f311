"""Line-aligned text files into the t2t family: line i of the source file pairs with line i of the target file."""

from pathlib import PurePosixPath

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, pick, read_text

NAME = "parallel_text_v1"
OPTIONS = {"pairs", "text_1_name", "text_2_name", "skip_markers"}
FAMILY = "t2t"
PAIR_KEYS = {"text_1", "text_2", "ids", "text_1_name", "text_2_name"}


def _lines(file: InputFile, source: str) -> list[str]:
    # Only \n ends a line: a stray \r or form feed inside a sentence must not shift the alignment.
    text = read_text(file, source)
    return (text[:-1] if text.endswith("\n") else text).split("\n") if text else []


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `pairs`, a list of {text_1: source file, text_2: target file, ids: optional file of one
    id a line, text_1_name, text_2_name}; the names default to the top-level `text_1_name` and
    `text_2_name`, else to each file's extension (`x.en` -> en). A record's split is its text_1 file's.
    `skip_markers`: lines that mark a document's structure (e.g. `Abstract`, `Title`), skipped where
    both sides hold the same one; the other lines keep their numbers."""
    markers = set(options.get("skip_markers", []))
    rows = []
    for pair in options["pairs"]:
        if set(pair) - PAIR_KEYS or not {"text_1", "text_2"} <= set(pair):
            message = f"parallel_text options: a pair needs text_1 and text_2, and only {sorted(PAIR_KEYS)}"
            raise SourceError(source, message)
        first, second = pick(files, source, pair["text_1"]), pick(files, source, pair["text_2"])
        names = [
            pair.get(key) or options.get(key) or PurePosixPath(f.name).suffix.lstrip(".")
            for key, f in (("text_1_name", first), ("text_2_name", second))
        ]
        sides = [_lines(first, source), _lines(second, source)]
        ids_file = pick(files, source, pair["ids"]) if pair.get("ids") else None
        ids = _lines(ids_file, source) if ids_file else None
        for other, lines in [(second, sides[1])] + ([(ids_file, ids)] if ids_file else []):
            if len(lines) != len(sides[0]):
                longer = other if len(lines) > len(sides[0]) else first
                raise SourceError(
                    source,
                    f"not line-aligned: {first.name} has {len(sides[0])} lines, {other.name} {len(lines)}",
                    longer.name,
                    min(len(lines), len(sides[0])) + 1,  # the first line without a counterpart
                )
        for number, (text_1, text_2) in enumerate(zip(*sides), start=1):
            if text_1.strip() in markers and text_1.strip() == text_2.strip():
                continue
            rows.append(
                {
                    "id": f"{first.name}:{number}",
                    "document_id": ids[number - 1].strip() if ids else f"{first.name}:{number}",
                    "split": first.split,
                    "source_file": first.name,
                    "source_line": number,
                    "text_1": text_1.strip(),
                    "text_2": text_2.strip(),
                    "text_1_name": names[0],
                    "text_2_name": names[1],
                }
            )
    return family_frame(rows, FAMILY)
