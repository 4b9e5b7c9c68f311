"""A source whose declared files come in more than one format: each file is read by the parser named for it.

A mirror may hold a re-release of part of a corpus (say, an IOB conversion) while the rest of the official
release, declared as optional files, has its own format (the original standoff files). Each group of declared
files is read by its own registered parser with its own options, and their records make one family table.
A file named by no group is an error, as is a group's parser that emits another family.
"""

from collections.abc import Iterator
from typing import Any, Literal, TypedDict

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame

NAME = "per_file_v1"
FAMILY = None  # the `family` option
Group = TypedDict("Group", {"files": list[str], "name": str, "options": dict[str, Any]}, total=False)
OPTIONS = {"family": Literal["kb", "qa", "te", "pairs", "text", "t2t"], "parsers": list[Group],
           "superseded": dict[str, list[str]]}


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `family` (the table every group emits) and `parsers`, a list of {files: declared files,
    name: a registered parser, options: its options}. Groups whose files were all left out (optional files
    that could not be had) are skipped. `superseded`: declared file -> declared files that hold its records
    too (the release's own files beside a re-release of them); it is read only when none of them was given."""
    return pl.concat(list(parse_batches(files, options, source)) or [family_frame([], options["family"])])


def parse_batches(files: list[InputFile], options: dict, source: str) -> Iterator[pl.DataFrame]:
    from transforms.parsers import PARSERS, family_of  # the registry imports this module

    groups, owner = options.get("parsers") or [], {}
    for i, group in enumerate(groups):
        name = group.get("name")
        if name not in PARSERS or name == NAME or not group.get("files"):
            raise SourceError(source, f"per_file options: parsers.{i} needs files and a registered parser other "
                                      f"than {NAME}, got {name!r}")
        unknown = sorted(set(group.get("options") or {}) - set(PARSERS[name].OPTIONS))
        if unknown:
            raise SourceError(source, f"per_file options: parsers.{i}.options.{unknown[0]}: unknown option of {name}")
        if family_of(name, group.get("options") or {}) != options["family"]:
            raise SourceError(source, f"per_file options: parsers.{i} ({name}) does not emit {options['family']}")
        for path in group["files"]:
            if owner.setdefault(path, i) != i:
                raise SourceError(source, f"per_file options: {path} is named by two groups")
    for file in files:
        if file.name not in owner:
            raise SourceError(source, "per_file options: no parser group names this declared file", file.name)
    given = {f.name for f in files}
    files = [f for f in files if not given & set((options.get("superseded") or {}).get(f.name, []))]
    for i, group in enumerate(groups):
        mine = [f for f in files if owner[f.name] == i]
        if not mine:
            continue
        parser, opts = PARSERS[group["name"]], group.get("options") or {}
        if hasattr(parser, "parse_batches"):
            yield from parser.parse_batches(mine, opts, source)
        else:
            yield parser.parse(mine, opts, source)
