"""Fraunhofer SCAI's offset IOB files (the SCAI chemical and disease corpora): a `### <document id>` line opens
an abstract, then one token a line as `token <TAB> start <TAB> end <TAB> mention <TAB> |tag`; blank lines (one
after each abstract) carry nothing.

`start`/`end` are the token's character offsets in the abstract, so the text is rebuilt by placing each token at
its start (gaps become spaces; the offsets are taken from the first token's, so the text starts with a token). The tag is IOB2 (`B-<Type>`, `I-<Type>`, `O`) after a `|` (BigBio drops the field's
first character, flair what precedes the `|`), which is skipped here too; the `mention` field repeats a mention's whole text on its
first token and is not needed: mentions are read from the tags, a B and the I tokens of its type after it.
"""

import re
from typing import Literal

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, sentence_record, text_lines

NAME = "scai_iob_v1"
OPTIONS = {"encoding": Literal["utf-8", "latin-1", "mac_roman"]}
FAMILY = "kb"
_TAG = re.compile(r"^(?:[^|]*\|)?(O|([BI])-([^|\s]+))$")
_MAX_GAP = 1000  # characters between two tokens: whitespace in an abstract; more is a broken offset


def _record(file: InputFile, doc_id: str, line: int, tokens: list, seen: dict) -> dict:
    """One abstract: tokens are (text, start, end, B/I/None, type, offset base)."""
    text, mentions, current = "", [], None
    for token, start, _end, tag, etype, _base in tokens:
        text += " " * (start - len(text)) + token
        continues = tag == "I" and current is not None and current["type"] == etype
        if tag is None or not continues:
            current = None
        if tag is not None and not continues:  # an I after O starts a mention, as conlleval reads it
            current = {"type": etype, "start": start, "end": start + len(token)}
            mentions.append(current)
        elif continues:
            current["end"] = start + len(token)
    seen[doc_id] = seen.get(doc_id, 0) + 1
    sid = doc_id if seen[doc_id] == 1 else f"{doc_id}#{seen[doc_id]}"  # a repeated abstract stays its own record
    rid = f"{file.name}:{sid}"
    entities = [{"id": f"{rid}-e{j}", "type": m["type"], "text": [text[m["start"]:m["end"]]],
                 "offsets": [[m["start"], m["end"]]], "normalized": []} for j, m in enumerate(mentions)]
    record = sentence_record(file.name, sid, file.split, line, text, entities)
    record["passages"][0]["type"] = "abstract"
    return record


def _token(fields: list[str], tokens: list, source: str, file: InputFile, number: int) -> tuple:
    try:
        start, end = int(fields[1]), int(fields[2])
    except ValueError:
        raise SourceError(source, f"token offsets are not integers: {fields[1]!r}, {fields[2]!r}",
                          file.name, number) from None
    base = tokens[0][5] if tokens else start
    text_end = tokens[-1][1] + len(tokens[-1][0]) if tokens else 0
    start, end = start - base, end - base
    if not fields[0] or not text_end <= start <= end or start - text_end > _MAX_GAP:
        raise SourceError(source, f"token {fields[0]!r} at {start + base}-{end + base}: empty, overlapping the "
                          f"token before it, or {_MAX_GAP}+ characters after it", file.name, number)
    match = _TAG.match(fields[4].strip())
    if not match:
        raise SourceError(source, f"not an IOB tag: {fields[4]!r}", file.name, number)
    return fields[0], start, end, match.group(2), match.group(3), base


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `encoding` (default utf-8; the chemical corpus is written in mac_roman, as BigBio reads it)."""
    encoding = options.get("encoding", "utf-8")
    rows = []
    for file in files:
        doc_id, doc_line, tokens, seen = None, 0, [], {}
        for number, line in enumerate(text_lines(file, source, encoding=encoding), 1):
            if not line.strip():  # flair skips blank lines; only a '###' line starts another abstract
                continue
            if line.startswith("###"):
                if doc_id is not None and tokens:
                    rows.append(_record(file, doc_id, doc_line, tokens, seen))
                doc_id, doc_line, tokens = line[3:].strip(), number, []
                if not doc_id:
                    raise SourceError(source, "a '###' line without a document id", file.name, number)
                continue
            if doc_id is None:
                raise SourceError(source, "a token line before the first '### <document id>' line", file.name, number)
            fields = line.split("\t")
            if len(fields) != 5:
                raise SourceError(source, f"expected 5 tab-separated fields (token, start, end, mention, tag), "
                                  f"found {len(fields)}", file.name, number)
            tokens.append(_token(fields, tokens, source, file, number))
        if doc_id is not None and tokens:
            rows.append(_record(file, doc_id, doc_line, tokens, seen))
    return family_frame(rows, FAMILY)
