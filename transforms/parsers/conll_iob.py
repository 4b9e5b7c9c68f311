"""CoNLL-style IOB files: one token and its tag per line, a blank line after each sentence.

Each sentence becomes a kb record whose passage is the tokens joined by single spaces, so the
BIO renderer can split it back losslessly (IOB tokens never hold spaces).
"""

import re

import polars as pl

from schemas.errors import SourceError
from schemas.families import empty_kb_lists
from transforms.parsers._common import InputFile, family_frame, read_text

NAME = "conll_iob_v1"
OPTIONS = {"separator": str, "default_type": str, "entity_type": str}
FAMILY = "kb"
_TAG = re.compile(r"^(O|([BI])(?:-(.+))?)$")


def _sentence_record(file: InputFile, index: int, start_line: int, tokens, tags, default_type: str,
                     entity_type: str | None = None) -> dict:
    offsets, pos = [], 0
    for tok in tokens:
        offsets.append((pos, pos + len(tok)))
        pos += len(tok) + 1
    text = " ".join(tokens)
    entities, current = [], None
    for i, (tag, etype) in enumerate(tags):
        continues = tag == "I" and current is not None and current["type"] == (etype or default_type)
        if tag == "O" or not continues:
            current = None
        if tag in ("B", "I") and not continues:  # an I after O starts a mention, as conlleval reads it
            current = {"type": etype or default_type, "start": offsets[i][0], "end": offsets[i][1]}
            entities.append(current)
        elif continues:
            current["end"] = offsets[i][1]
    rid = f"{file.name}:{index}"
    return {
        "id": rid,
        "document_id": rid,
        "split": file.split,
        "source_file": file.name,
        "source_line": start_line,
        "passages": [{"id": f"{rid}-p0", "type": "sentence", "text": [text], "offsets": [[0, len(text)]]}],
        **empty_kb_lists(),
        "entities": [
            {
                "id": f"{rid}-e{j}",
                "type": entity_type or e["type"],
                "text": [text[e["start"] : e["end"]]],
                "offsets": [[e["start"], e["end"]]],
                "normalized": [],
            }
            for j, e in enumerate(entities)
        ],
    }


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `separator` (default tab), `default_type` for bare B/I tags (default 'Entity'), `entity_type`: the
    one type every mention gets, whatever its tag names (mentions are still cut where the tag's type changes)."""
    sep = options.get("separator", "\t")
    default_type, entity_type = options.get("default_type", "Entity"), options.get("entity_type")
    rows = []
    for file in files:
        tokens, tags, start = [], [], 0
        lines = read_text(file, source).removeprefix("\ufeff").splitlines()  # a byte-order mark is not a token
        for number, line in enumerate(lines + [""], start=1):
            if not line.strip():
                if tokens:
                    rows.append(_sentence_record(file, len(rows), start, tokens, tags, default_type, entity_type))
                tokens, tags = [], []
                continue
            fields = line.split(sep)
            if len(fields) < 2 or not fields[0]:
                raise SourceError(source, f"expected 'token{sep!r}tag', got {line!r}", file.name, number)
            match = _TAG.match(fields[-1].strip())
            if not match:
                raise SourceError(source, f"not an IOB tag: {fields[-1]!r}", file.name, number)
            if not tokens:
                start = number
            tokens.append(fields[0])
            tags.append((match.group(2) or "O", match.group(3)))
    return family_frame(rows, FAMILY)
