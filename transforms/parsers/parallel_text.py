"""Line-aligned text files into the t2t family: line i of the source file pairs with line i of the target file."""

from collections.abc import Iterator
from contextlib import ExitStack, closing
from itertools import islice
from pathlib import PurePosixPath
from typing import NotRequired, TypedDict

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import BATCH_RECORDS, InputFile, Tree, family_frame, pick, text_lines

NAME = "parallel_text_v1"
Pair = TypedDict("Pair", {"text_1": str, "text_2": str, "ids": NotRequired[str], "text_1_name": NotRequired[str],
                          "text_2_name": NotRequired[str], "split": NotRequired[str]})
OPTIONS = {"pairs": list[Pair], "text_1_name": str, "text_2_name": str, "skip_markers": list[str], "archive": str}
FAMILY = "t2t"
PAIR_KEYS = {"text_1", "text_2", "ids", "text_1_name", "text_2_name", "split"}


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `pairs`, a list of {text_1: source file, text_2: target file, ids: optional file of one
    id a line, text_1_name, text_2_name}; the names default to the top-level `text_1_name` and
    `text_2_name`, else to each file's extension (`x.en` -> en). A record's split is its text_1 file's.
    `skip_markers`: lines that mark a document's structure (e.g. `Abstract`, `Title`), skipped where
    both sides hold the same one; the other lines keep their numbers.
    `archive`: a declared zip or tar archive whose members the pairs name (paths inside it; a leading
    './' of the archive's own names does not count), each pair with its own `split` (default: the
    archive's); members are read whole, so this is for releases of modest size."""
    return pl.concat(list(parse_batches(files, options, source)) or [family_frame([], FAMILY)])


def parse_batches(files: list[InputFile], options: dict, source: str) -> Iterator[pl.DataFrame]:
    """`parse`, a bounded number of lines of every file at a time."""
    if options.get("archive"):
        with Tree(pick(files, source, options["archive"]), source) as tree:
            yield from _pair_batches(options, source, lambda name, split: _Member(tree, name, split, source), None)
        return
    yield from _pair_batches(options, source, lambda name, split: pick(files, source, name), {f.name for f in files})


class _Member:
    """An archive member standing in for a declared file: its name in errors and provenance, its split, its lines."""

    def __init__(self, tree: Tree, member: str, split: str | None, source: str):
        found = [n for n in tree.names if n.removeprefix("./") == member.removeprefix("./")]
        if not found:
            raise SourceError(source, f"the archive has no member {member!r}", tree.file.name)
        self.tree, self.member, self.source = tree, found[0], source
        self.name, self.split = tree.where(found[0]), split if split is not None else tree.file.split

    def lines(self) -> Iterator[str]:
        text = self.tree.read_text(self.member)
        yield from text.removesuffix("\n").split("\n") if text else ()


def _pair_batches(options: dict, source: str, side, given: set[str] | None) -> Iterator[pl.DataFrame]:
    """Every pair's records; `side(name, split)` is the declared file (or archive member) a pair names;
    `given`: the declared files at hand (None for an archive's members)."""
    markers = list(options.get("skip_markers", []))
    for pair in options["pairs"]:
        if set(pair) - PAIR_KEYS or not {"text_1", "text_2"} <= set(pair):
            message = f"parallel_text options: a pair needs text_1 and text_2, and only {sorted(PAIR_KEYS)}"
            raise SourceError(source, message)
        if given is not None and not given & {pair[k] for k in ("text_1", "text_2", "ids") if pair.get(k)}:
            continue
        first, second = side(pair["text_1"], pair.get("split")), side(pair["text_2"], pair.get("split"))
        names = [
            pair.get(key) or options.get(key) or PurePosixPath(f.name).suffix.lstrip(".")
            for key, f in (("text_1_name", first), ("text_2_name", second))
        ]
        ids_file = side(pair["ids"], pair.get("split")) if pair.get("ids") else None
        sides = [first, second] + ([ids_file] if ids_file else [])
        for number, batch in _aligned_batches(sides, source):
            frame = pl.DataFrame(
                {"text_1": batch[0], "text_2": batch[1], **({"_doc": batch[2]} if ids_file else {})},
                schema={"text_1": pl.Utf8, "text_2": pl.Utf8, **({"_doc": pl.Utf8} if ids_file else {})},
            ).with_row_index("source_line", offset=number)
            record_id = pl.lit(f"{first.name}:") + pl.col("source_line").cast(pl.Utf8)
            frame = frame.filter(~(pl.col("text_1").str.strip_chars().is_in(markers)
                                   & (pl.col("text_1").str.strip_chars() == pl.col("text_2").str.strip_chars())))
            yield frame.select(
                id=record_id,
                document_id=pl.col("_doc").str.strip_chars() if ids_file else record_id,
                split=pl.lit(first.split, pl.Utf8),
                source_file=pl.lit(first.name),
                source_line=pl.col("source_line").cast(pl.Int64),
                text_1=pl.col("text_1").str.strip_chars(),
                text_2=pl.col("text_2").str.strip_chars(),
                text_1_name=pl.lit(names[0]),
                text_2_name=pl.lit(names[1]),
            )


def _aligned_batches(files: list, source: str) -> Iterator[tuple[int, list[list[str]]]]:
    """(number of the first line, the next lines of every file), checking that the files are line-aligned."""
    with ExitStack() as stack:
        # Only \n ends a line: a stray \r or form feed inside a sentence must not shift the alignment.
        readers = [stack.enter_context(closing(f.lines() if isinstance(f, _Member)
                                               else text_lines(f, source, only_newline=True))) for f in files]
        number = 1
        while True:
            batch = [list(islice(r, BATCH_RECORDS)) for r in readers]
            sizes = [len(lines) for lines in batch]
            if len(set(sizes)) > 1:
                totals = [number - 1 + n + sum(1 for _ in r) for n, r in zip(sizes, readers)]
                other = next(i for i in range(1, len(files)) if totals[i] != totals[0])
                longer = files[other] if totals[other] > totals[0] else files[0]
                raise SourceError(
                    source,
                    f"not line-aligned: {files[0].name} has {totals[0]} lines, {files[other].name} {totals[other]}",
                    longer.name,
                    min(totals[0], totals[other]) + 1,  # the first line without a counterpart
                )
            if not sizes[0]:
                return
            yield number, batch
            number += sizes[0]
