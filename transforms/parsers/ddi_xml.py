"""DDI 2013 XML: `<document>` of `<sentence text>`s holding `<entity charOffset type text>` and `<pair e1 e2 ddi type>`.

One record per document (MedINST's DDI sizes are document counts: 673 of the 714 training documents
have an entity, 510 an interaction), each sentence a passage. Offsets are inclusive (`a-b`), a
discontinuous mention lists fragments (`a-b;c-d`); pairs with ddi="true" become relations.
"""

from pathlib import Path

import polars as pl

from schemas.errors import SourceError
from schemas.families import empty_kb_lists
from transforms.parsers._common import InputFile, family_frame, fragment_texts, read_xml

NAME = "ddi_xml_v1"
OPTIONS: dict[str, type] = {}
FAMILY = "kb"
# A few sentences carry CR/LF/TAB (and most a trailing CRLF): replaced one for one by spaces so offsets hold.
CONTROLS = str.maketrans("\r\n\t", "   ")


def _files(file: InputFile) -> list[tuple[Path, str]]:
    """(local path, provenance name) of each XML file of a declared file or folder."""
    if file.path.is_dir():
        return [(p, f"{file.name}/{p.relative_to(file.path).as_posix()}") for p in sorted(file.path.rglob("*.xml"))]
    return [(file.path, file.name)]


def _spans(offset: str | None, fail) -> list[list[int]]:
    """`a-b` or `a-b;c-d` (inclusive ends) into [[a, b + 1], ...]."""
    spans = []
    for part in (offset or "").split(";"):
        start, sep, end = part.strip().partition("-")
        if not (sep and start.isdigit() and end.isdigit()) or int(end) < int(start):
            fail(f"charOffset {offset!r} is not `a-b` or `a-b;c-d`")
        spans.append([int(start), int(end) + 1])
    return spans


def _document(doc, file_name: str, split: str | None, fail) -> dict:
    doc_id = doc.get("id") or fail("document without an id", doc)
    passages, entities, relations, pos = [], [], [], 0
    for sentence in doc.iter("sentence"):
        text = sentence.get("text")
        if text is None or not sentence.get("id"):
            fail("sentence without an id or a text attribute", sentence)
        text = text.translate(CONTROLS).rstrip()
        span = [[pos, pos + len(text)]]
        passages.append({"id": sentence.get("id"), "type": "sentence", "text": [text], "offsets": span})
        known = set()
        for e in sentence.iter("entity"):
            if not (e.get("id") and e.get("type") and e.get("text") is not None):
                fail("entity lacks id, type or text", e)
            spans = _spans(e.get("charOffset"), lambda m, e=e: fail(m, e))
            entities.append(
                {
                    "id": e.get("id"),
                    "type": e.get("type"),
                    "text": fragment_texts(text, e.get("text"), spans, continuous_from_text=False),
                    "offsets": [[pos + a, pos + b] for a, b in spans],
                    "normalized": [],
                }
            )
            known.add(e.get("id"))
        for p in sentence.iter("pair"):
            if p.get("e1") not in known or p.get("e2") not in known:
                fail(f"pair {p.get('id')} names an entity outside its sentence", p)
            if p.get("ddi") == "true":
                # One training pair is ddi="true" without a type: kept, typed null, for the renderer's `types` to drop.
                relations.append(
                    {"id": p.get("id"), "type": p.get("type"), "arg1_id": p.get("e1"), "arg2_id": p.get("e2"),
                     "normalized": []}
                )
            elif p.get("ddi") != "false":
                fail(f"pair {p.get('id')} has ddi={p.get('ddi')!r}, expected true or false", p)
        pos += len(text) + 1
    return {
        "id": f"{file_name}:{doc_id}",
        "document_id": doc_id,
        "split": split,
        "source_file": file_name,
        "source_line": doc.sourceline,
        "passages": passages,
        **empty_kb_lists(),
        "entities": entities,
        "relations": relations,
    }


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Each declared file is one DDI XML file or a folder searched for them recursively."""
    rows = []
    for file in files:
        for path, name in _files(file):

            def fail(message, element=None, name=name):
                raise SourceError(source, message, name, element.sourceline if element is not None else None)

            root = read_xml(file, source, path, name)
            docs = [root] if root.tag == "document" else list(root.iter("document"))
            if not docs:
                fail(f"no <document> element (root is <{root.tag}>)", root)
            rows.extend(_document(doc, name, file.split, fail) for doc in docs)
    return family_frame(rows, FAMILY)
