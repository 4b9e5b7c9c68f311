"""Inline-annotated XML: records whose passages carry their mentions as elements wrapped around the text,
e.g. `<Abstract>... <gene g_id="7040">TGFB1</gene> ...</Abstract>`.

Options say which elements are what: `record` (the tag of a record, e.g. Article), `id` (the tag of
the child holding the record's id, or `@attr` for an attribute of the record), `passages` (tag ->
passage type, e.g. {Title: title, Abstract: abstract}; a record's passages in document order),
`mentions` (tag -> {type: entity type, ids: [[attribute, database], ...]}: the mention's id is the
first listed attribute with a value, e.g. a dbSNP id, else a normalised form) and `no_id` (attribute
values that mean "no id", e.g. No). Offsets are computed from the text as it reads with the markup
removed; a mention's surrounding whitespace is left out of its span. Other elements inside a passage
are transparent (their text is kept), and a mention inside a mention gives both.
"""

from typing import NotRequired, TypedDict

import polars as pl

from schemas.errors import SourceError
from schemas.families import empty_kb_lists
from transforms.parsers._common import InputFile, family_frame, read_xml

NAME = "inline_xml_v1"
Mention = TypedDict("Mention", {"type": str, "ids": NotRequired[list[list[str]]]})  # ids: [[attribute, db], ...]
OPTIONS = {"record": str, "id": str, "passages": dict[str, str], "mentions": dict[str, Mention], "no_id": list[str]}
FAMILY = "kb"


class _Passage:
    """A passage's text with the markup removed, and the mentions found in it (offsets in the record)."""

    def __init__(self, shift: int, mentions: dict, no_id: set, fail):
        self.parts, self.length, self.shift = [], 0, shift
        self.mentions, self.no_id, self.fail, self.found = mentions, no_id, fail, []

    def add(self, text: str | None) -> None:
        if text:
            self.parts.append(text)
            self.length += len(text)

    def walk(self, element) -> None:
        start = self.length
        self.add(element.text)
        for child in element:
            if not isinstance(child.tag, str):  # a comment or processing instruction: no text of the passage
                self.add(child.tail)
                continue
            self.walk(child)
            self.add(child.tail)
        if element.tag in self.mentions:
            self.mention(element, start)

    def mention(self, element, start: int) -> None:
        text = "".join(self.parts)[start:]
        stripped = text.strip()
        if not stripped:
            self.fail(f"<{element.tag}> mention without text", element)
        start += len(text) - len(text.lstrip())
        spec = self.mentions[element.tag]
        ids = [(db, element.get(attr).strip()) for attr, db in spec.get("ids", [])
               if (element.get(attr) or "").strip() not in self.no_id]
        self.found.append({
            "id": None, "type": spec["type"], "text": [stripped],
            "offsets": [[self.shift + start, self.shift + start + len(stripped)]],
            "normalized": [{"db_name": db, "db_id": i} for db, i in ids[:1]],
        })


def _check(options: dict, source: str) -> None:
    for key in ("record", "id", "passages", "mentions"):
        if not options.get(key):
            raise SourceError(source, f"option {key} is required")
    for tag, spec in options["mentions"].items():
        ids = spec.get("ids", []) if isinstance(spec, dict) else None
        if not (isinstance(spec, dict) and isinstance(spec.get("type"), str) and isinstance(ids, list)
                and all(isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in ids)):
            raise SourceError(source, f"option mentions.{tag}: expected {{type: <type>, ids: [[attribute, db], ...]}}")


def _record(element, file: InputFile, options: dict, fail) -> dict:
    key = options["id"]
    if key.startswith("@"):
        rid = element.get(key[1:])
    else:
        holder = element.find(key)
        rid = "".join(holder.itertext()).strip() if holder is not None else None
    if not rid:
        fail(f"<{element.tag}> without its id ({key})", element)
    passages, entities, pos = [], [], 0
    no_id = set(options.get("no_id", []))
    for child in element:
        if child.tag not in options["passages"]:
            continue
        passage = _Passage(pos, options["mentions"], no_id, fail)
        passage.walk(child)
        text = "".join(passage.parts)
        passages.append({"id": f"{rid}.{len(passages)}", "type": options["passages"][child.tag], "text": [text],
                         "offsets": [[pos, pos + len(text)]]})
        entities.extend(sorted(passage.found, key=lambda e: e["offsets"][0]))
        pos += len(text) + 1  # passages are joined by single spaces
    for n, entity in enumerate(entities, 1):
        entity["id"] = f"T{n}"
    return {"id": f"{file.name}:{rid}", "document_id": rid, "split": file.split, "source_file": file.name,
            "source_line": element.sourceline, "passages": passages, **empty_kb_lists(), "entities": entities}


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Each declared file is one XML document holding records (or being one)."""
    _check(options, source)
    rows = []
    for file in files:

        def fail(message, element=None, name=file.name):
            raise SourceError(source, message, name, element.sourceline if element is not None else None)

        root = read_xml(file, source)
        records = [root] if root.tag == options["record"] else list(root.iter(options["record"]))
        if not records:
            fail(f"no <{options['record']}> element (root is <{root.tag}>)", root)
        rows.extend(_record(r, file, options, fail) for r in records)
    return family_frame(rows, FAMILY)
