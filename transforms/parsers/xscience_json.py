"""Multi-XScience's JSON (a JSON array of papers, each with its abstract, its related-work paragraph and
the abstracts of the papers it cites by marker) into the t2t family: the paper's abstract followed by
the cited abstracts in, the related-work paragraph out.

A record's source text is `Abstract: <abstract>` and, on the next line, `References: @cite_k: <abstract>
@cite_m: <abstract> ...`, the cited papers in the file's order and one whose abstract is missing left as
an empty `@cite_k:`: MedINST's own inputs for this task read so. The array is read element by element, so
that an error names the line a paper starts on (the release writes each file on one line).
"""

import json
from collections.abc import Iterator

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, in_batches, read_text

NAME = "xscience_json_v1"
FAMILY = "t2t"
OPTIONS = {"text_1_name": str, "text_2_name": str}
_DECODER = json.JSONDecoder()


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `text_1_name` and `text_2_name`, the sides' names (default 'abstract and cited
    abstracts', 'related work')."""
    return pl.concat(list(parse_batches(files, options, source)) or [family_frame([], FAMILY)])


def parse_batches(files: list[InputFile], options: dict, source: str) -> Iterator[pl.DataFrame]:
    """`parse`, BATCH_RECORDS papers at a time."""
    names = options.get("text_1_name", "abstract and cited abstracts"), options.get("text_2_name", "related work")
    yield from in_batches((_row(paper, number, line, file, names, source) for file in files
                           for number, (line, paper) in enumerate(_papers(file, source), start=1)), FAMILY)


def _papers(file: InputFile, source: str) -> Iterator[tuple[int, object]]:
    """(line it starts on, value) for each element of the file's top-level JSON array."""
    text = read_text(file, source)
    pos = _skip(text, 0)
    line, counted = 1, 0  # the line of position `counted`, advanced as the papers are read (never recounted)

    def line_at(at: int) -> int:
        nonlocal line, counted
        line, counted = line + text.count("\n", counted, at), at
        return line

    if not text.startswith("[", pos):
        raise SourceError(source, "expected a JSON array of papers", file.name, line_at(pos))
    pos = _skip(text, pos + 1)
    if text.startswith("]", pos):
        return _end(text, pos + 1, file, source)
    while True:
        start_line = line_at(pos)
        try:
            value, pos = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            raise SourceError(source, f"not valid JSON: {e.msg}", file.name, e.lineno) from None
        yield start_line, value
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
            continue
        if text.startswith("]", pos):
            return _end(text, pos + 1, file, source)
        raise SourceError(source, "not valid JSON: expected ',' or ']' after a paper", file.name, line_at(pos))


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _end(text: str, pos: int, file: InputFile, source: str) -> None:
    pos = _skip(text, pos)
    if pos < len(text):
        raise SourceError(source, "not valid JSON: text after the array", file.name, text.count("\n", 0, pos) + 1)


def _text(paper: dict, key: str, where: str, file: InputFile, line: int, source: str) -> str:
    value = paper.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SourceError(source, f"{where}: {key!r} is a JSON {type(value).__name__}, not a string", file.name, line)
    return value


def _row(paper, number: int, line: int, file: InputFile, names: tuple[str, str], source: str) -> dict:
    where = f"paper {number}"
    if not isinstance(paper, dict):
        raise SourceError(source, f"{where}: expected a JSON object, got {type(paper).__name__}", file.name, line)
    for key in ("aid", "abstract", "related_work", "ref_abstract"):
        if key not in paper:
            raise SourceError(source, f"{where}: the paper has no key {key!r}", file.name, line)
    refs = paper["ref_abstract"]
    if not isinstance(refs, dict):
        raise SourceError(source, f"{where}: 'ref_abstract' is a JSON {type(refs).__name__}, not an object",
                          file.name, line)
    cited = []
    for marker, ref in refs.items():
        if not isinstance(ref, dict):
            raise SourceError(source, f"{where}: reference {marker!r} is a JSON {type(ref).__name__}, not an object",
                              file.name, line)
        cited.append(f"{marker}: {_text(ref, 'abstract', f'{where}, reference {marker}', file, line, source)}")
    abstract = _text(paper, "abstract", where, file, line, source)
    aid = paper["aid"]
    if not isinstance(aid, str | int) or isinstance(aid, bool):
        raise SourceError(source, f"{where}: 'aid' is a JSON {type(aid).__name__}, not an id", file.name, line)
    return {
        "id": f"{file.name}:{number}", "document_id": str(aid), "split": file.split, "source_file": file.name,
        "source_line": line,
        "text_1": f"Abstract: {abstract}\nReferences: {' '.join(cited)}".strip(),
        "text_2": _text(paper, "related_work", where, file, line, source).strip(),
        "text_1_name": names[0], "text_2_name": names[1],
    }
