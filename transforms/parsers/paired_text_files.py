"""Parallel documents as one text file per document, in two folders or archives (one per language), into the
t2t family: a file of the first pairs with the file of the second whose name gives the same key.

MuchMore's Springer corpus ships so: springer_english_train_plain.tar.gz holds `<Journal>.<id>.eng.abstr`,
springer_german_train_plain.tar.gz `<Journal>.<id>.ger.abstr`; the key is `<Journal>.<id>`, and only
abstracts present in both languages make a record (6,374 of 7,823 English and 7,808 German ones).
Options: `text_1` and `text_2` (the declared files), `pattern_1` and `pattern_2` (a regex on a member's
path inside its archive whose first group is the key; members that do not match are not documents),
`text_1_name`, `text_2_name` (language names), `encoding` (default utf-8; MuchMore's are iso-8859-1).
"""

import re

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, Tree, family_frame, pick

NAME = "paired_text_files_v1"
FAMILY = "t2t"
REQUIRED = ("text_1", "text_2", "pattern_1", "pattern_2")
OPTIONS = {"text_1": str, "text_2": str, "pattern_1": str, "pattern_2": str, "text_1_name": str,
           "text_2_name": str, "encoding": str}


def _documents(tree: Tree, pattern: re.Pattern, encoding: str, source: str) -> dict[str, tuple[str, str]]:
    """key -> (provenance name, text) of every member whose path matches `pattern`."""
    found: dict[str, tuple[str, str]] = {}
    for member in tree.names:
        match = pattern.search(member)
        if not match:
            continue
        key, name = match[1], tree.where(member)
        if key in found:
            raise SourceError(source, f"key {key!r} repeats (also {found[key][0]})", name)
        try:
            found[key] = (name, tree.read_bytes(member).decode(encoding).strip())
        except UnicodeDecodeError as e:
            raise SourceError(source, f"not {encoding} text ({e.reason})", name,
                              tree.read_bytes(member)[: e.start].count(b"\n") + 1) from None
    if not found:
        raise SourceError(source, f"no file matches {pattern.pattern!r}", tree.file.name)
    return found


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """One record per key found on both sides, in key order; a side's empty text leaves the pair out."""
    missing = [k for k in REQUIRED if not options.get(k)]
    if missing:
        raise SourceError(source, f"paired_text_files options: {missing} required")
    encoding = options.get("encoding", "utf-8")
    try:
        "".encode(encoding)
        patterns = [re.compile(options["pattern_1"]), re.compile(options["pattern_2"])]
    except (LookupError, re.error) as e:
        raise SourceError(source, f"paired_text_files options: {e}") from None
    sides = []
    for key, pattern in (("text_1", patterns[0]), ("text_2", patterns[1])):
        with Tree(pick(files, source, options[key]), source) as tree:
            sides.append(_documents(tree, pattern, encoding, source))
    first = pick(files, source, options["text_1"])
    rows = [
        {"id": f"{first.name}:{key}", "document_id": key, "split": first.split, "source_file": sides[0][key][0],
         "source_line": 1, "text_1": sides[0][key][1], "text_2": sides[1][key][1],
         "text_1_name": options.get("text_1_name", "text_1"), "text_2_name": options.get("text_2_name", "text_2")}
        for key in sorted(sides[0].keys() & sides[1].keys()) if sides[0][key][1] and sides[1][key][1]
    ]
    return family_frame(rows, FAMILY)
