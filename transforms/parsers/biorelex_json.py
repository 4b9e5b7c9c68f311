"""BioRelEx JSON: a list of sentences `{id, text, entities[{label, names, grounding}], interactions[]}`.

A format of its own (BioRelEx 1.0 is the only corpus written in it), hence a parser of its own. An
entity holds its surface names, each with its mentions (`[start, end]`, exclusive end); every
mention becomes a kb entity of the entity's `label`, and an entity's mentions (of all its names) one
coreference chain. An interaction (`participants`: two entity indices, `type`) becomes a relation
between every mention of the one and every mention of the other, whatever its `label` (BioRelEx
marks negated and hedged statements there: they are statements about binding all the same).

The grounding (one per entity, or null) becomes the mentions' normalisations: the ids in the fields
that `id_fields` names (field -> database; "NA" or "" means none), then the id a `links` pattern
captures from its `link` (the first of [{match: regex with one group, db: database}] that matches;
a link none matches gives no id). The same database and id is kept once.
"""

import json
import re
from typing import TypedDict

import polars as pl

from schemas.errors import SourceError
from schemas.families import empty_kb_lists
from transforms.parsers._common import InputFile, family_frame, read_text

NAME = "biorelex_json_v1"
Link = TypedDict("Link", {"match": str, "db": str})  # a regex with one group: the id in a grounding's link
OPTIONS = {"id_fields": dict[str, str], "links": list[Link]}
FAMILY = "kb"
NO_ID = ("NA", "")


def _elements(raw: str, fail) -> list[tuple[object, int]]:
    """The top-level list's elements, each with the line it starts on."""
    decoder, pos, out = json.JSONDecoder(), 0, []

    def skip(at: int) -> int:
        while at < len(raw) and raw[at] in " \t\r\n":
            at += 1
        return at

    def decode(at: int):
        try:
            return decoder.raw_decode(raw, at)
        except json.JSONDecodeError as e:
            fail(f"not valid JSON: {e.msg}", e.lineno)

    pos = skip(pos)
    if raw[pos : pos + 1] != "[":
        decode(pos)  # names a syntax error where there is one
        fail("expected a list of sentences", 1)
    pos, line, counted = skip(pos + 1), 1, 0

    def line_at(at: int) -> int:  # lines counted on from the last element: the file is read once
        nonlocal line, counted
        line, counted = line + raw.count("\n", counted, at), at
        return line

    while raw[pos : pos + 1] != "]":
        if pos >= len(raw):
            fail("not valid JSON: the list is not closed", line_at(pos))
        value, end = decode(pos)
        out.append((value, line_at(pos)))
        pos = skip(end)
        if raw[pos : pos + 1] == ",":
            pos = skip(pos + 1)
            if raw[pos : pos + 1] == "]":
                fail("not valid JSON: a comma before ']'", line_at(pos))
        elif raw[pos : pos + 1] != "]":
            fail("not valid JSON: expected ',' or ']'", line_at(pos))
    if skip(pos + 1) != len(raw):
        fail("not valid JSON: extra data after the list", line_at(pos))
    return out


def _normalized(grounding, options: dict, fail) -> list[dict]:
    if grounding is None:
        return []
    if not isinstance(grounding, dict):
        fail("grounding is neither an object nor null")
    found = []
    for field, db in options.get("id_fields", {}).items():
        value = grounding.get(field)
        if isinstance(value, str) and value.strip() not in NO_ID:
            found.append((db, value.strip()))
    link = grounding.get("link")
    for rule in options.get("links", []):
        hit = re.search(rule["match"], link) if isinstance(link, str) else None
        if hit and hit[1]:
            found.append((rule["db"], hit[1]))
            break
    return [{"db_name": db, "db_id": i} for db, i in dict.fromkeys(found)]


def _is_span(m, length: int) -> bool:
    return (isinstance(m, list) and len(m) == 2 and all(type(x) is int for x in m)
            and 0 <= m[0] <= m[1] <= length)


def _sentence(s, line: int, file: InputFile, options: dict, fail) -> dict:
    def bad(message):
        fail(message, line)

    if not (isinstance(s, dict) and isinstance(s.get("id"), str) and s["id"] and isinstance(s.get("text"), str)):
        bad("a sentence needs a string `id` and `text`")
    text, sid = s["text"], s["id"]
    raw_entities, interactions = s.get("entities", []), s.get("interactions", [])
    if not (isinstance(raw_entities, list) and isinstance(interactions, list)):
        bad(f"sentence {sid}: `entities` and `interactions` must be lists")
    entities, chains, mentions_of = [], [], []
    for i, e in enumerate(raw_entities):
        if not (isinstance(e, dict) and isinstance(e.get("label"), str) and isinstance(e.get("names"), dict)):
            bad(f"sentence {sid}: entity {i} needs a string `label` and a `names` object")
        normalized = _normalized(e.get("grounding"), options, bad)
        ids = []
        for name, info in e["names"].items():
            mentions = info.get("mentions") if isinstance(info, dict) else None
            if not isinstance(mentions, list) or not all(_is_span(m, len(text)) for m in mentions):
                bad(f"sentence {sid}: entity {i}, name {name!r}: `mentions` must be [start, end] pairs within the text")
            for start, end in mentions:
                ids.append(f"E{i}.{len(ids)}")
                # the name is the mention's text: the family check catches offsets that do not give it
                entities.append({"id": ids[-1], "type": e["label"], "text": [name], "offsets": [[start, end]],
                                 "normalized": normalized})
        mentions_of.append(ids)
        if ids:
            chains.append({"id": f"C{i}", "entity_ids": ids})
    relations = []
    for k, r in enumerate(interactions):
        pair = r.get("participants") if isinstance(r, dict) else None
        if not (isinstance(pair, list) and len(pair) == 2 and all(type(p) is int and 0 <= p < len(mentions_of)
                                                                  for p in pair) and isinstance(r.get("type"), str)):
            bad(f"sentence {sid}: interaction {k} needs a `type` and two `participants` (entity indices)")
        for a in mentions_of[pair[0]]:
            for b in mentions_of[pair[1]]:
                relations.append({"id": f"R{k}.{len(relations)}", "type": r["type"], "arg1_id": a, "arg2_id": b,
                                  "normalized": []})
    return {"id": f"{file.name}:{sid}", "document_id": sid, "split": file.split, "source_file": file.name,
            "source_line": line, "passages": [{"id": sid, "type": "sentence", "text": [text],
                                                "offsets": [[0, len(text)]]}],
            **empty_kb_lists(), "entities": entities, "coreferences": chains, "relations": relations}


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Each declared file is one JSON list of sentences."""
    for rule in options.get("links", []):
        if not (isinstance(rule, dict) and set(rule) == {"match", "db"} and re.compile(rule["match"]).groups == 1):
            raise SourceError(source, f"option links: {rule!r} is not {{match: <regex with one group>, db: <name>}}")
    rows = []
    for file in files:

        def fail(message, line, name=file.name):
            raise SourceError(source, message, name, line)

        for s, line in _elements(read_text(file, source), fail):
            rows.append(_sentence(s, line, file, options, fail))
    return family_frame(rows, FAMILY)
