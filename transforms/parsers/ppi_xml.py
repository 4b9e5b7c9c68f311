"""PPI "learning format" XML (Pyysalo et al. 2008): `<document>`s of `<sentence text>`s holding
`<entity charOffset text type>`s and `<interaction e1 e2 type>` (or `<pair e1 e2 interaction="True|False">`).

The unified format of the protein-protein interaction corpora (AIMed, BioInfer, HPRD50, IEPA, LLL).
Entity offsets are relative to their sentence, `start-end` with an exclusive end as in the
metalrt/ppi-dataset release (a copy that ends inclusively, as DDI 2013's XML does, would fail the
family check), a discontinuous mention listing its fragments joined by commas (`65-71,82-87`). Only
positive interactions are relations: a `<pair>` with interaction="False" is an explicit negative.

Options: `unit` (`sentence`, the default, or `document`: one record per sentence, or per document with each
sentence a passage; MedINST counts BioInfer and LLL in sentences, HPRD50 and IEPA in documents),
`entity_type` (the type of every entity, where the `type` attribute is absent or holds something
else, e.g. HPRD50's protein ids), `undirected` (true: an interaction's arguments are given in text
order, earlier first; false: e1 then e2, as LLL's agent -> target), `relation_type` (the type of an
interaction or pair without a `type` attribute, as CPI's pairs are), `orig_id_db` (entity type -> database:
an entity of that type is normalised to the comma-separated ids of its `origId`, as CPI's compounds carry
PubChem CIDs and its proteins UniProt accessions). The SCAI miRNA corpus is in this format too, with
differences its options cover: `inclusive_ends` (true: `a-b` ends at b inclusive), `sentence_order`
(`file`, the default, or `id`: by the number ending each sentence id, `...s3`, as the miRNA XML lists a
document's sentences out of order) and `id_normalization` (a database name: each entity is normalised to
its own id under it, as BigBio's miRNA NED does).
"""

import re
from typing import Literal

import polars as pl

from schemas.errors import SourceError
from schemas.families import empty_kb_lists
from transforms.parsers._common import InputFile, family_frame, fragment_texts, read_xml

NAME = "ppi_xml_v1"
OPTIONS = {"unit": Literal["sentence", "document"], "entity_type": str, "undirected": bool, "relation_type": str,
           "orig_id_db": dict[str, str], "inclusive_ends": bool, "sentence_order": Literal["file", "id"],
           "id_normalization": str}
FAMILY = "kb"
SPAN = re.compile(r"^(\d+)-(\d+)$")
SENTENCE_NUMBER = re.compile(r"\.s(\d+)$")


def _spans(offset: str | None, length: int, fail, inclusive: bool = False) -> list[list[int]]:
    """`a-b` or `a-b,c-d` (exclusive ends unless `inclusive`, within a sentence of `length` characters) into
    [[a, b], ...] with exclusive ends."""
    spans = []
    for part in (offset or "").split(","):
        found = SPAN.match(part.strip())
        end = int(found[2]) + inclusive if found else 0
        if not found or not int(found[1]) <= end <= length:
            fail(f"charOffset {offset!r} is not `a-b` or `a-b,c-d` within the sentence")
        spans.append([int(found[1]), end])
    return spans


def _sentence(sentence, shift: int, options: dict, fail) -> tuple[dict, list[dict], list[dict]]:
    """(passage, entities, relations) of a sentence whose text starts at `shift` in its record."""
    text, sid = sentence.get("text"), sentence.get("id")
    if text is None or not sid:
        fail("sentence without an id or a text attribute", sentence)
    passage = {"id": sid, "type": "sentence", "text": [text], "offsets": [[shift, shift + len(text)]]}
    entities, where = [], {}
    for e in sentence.iter("entity"):
        kind = options.get("entity_type") or e.get("type")
        if not (e.get("id") and kind and e.get("text") is not None):
            fail("entity lacks an id, a type or a text", e)
        if e.get("id") in where:
            fail(f"entity id {e.get('id')} repeats in its sentence", e)
        spans = _spans(e.get("charOffset"), len(text), lambda m, e=e: fail(m, e), options.get("inclusive_ends", False))
        db = options.get("orig_id_db", {}).get(kind)
        ids = [i.strip() for i in (e.get("origId") or "").split(",") if i.strip()] if db else []
        entities.append({"id": e.get("id"), "type": kind, "text": fragment_texts(text, e.get("text"), spans),
                         "offsets": [[shift + a, shift + b] for a, b in spans],
                         "normalized": [{"db_name": db, "db_id": i} for i in ids]
                         + ([{"db_name": options["id_normalization"], "db_id": e.get("id")}]
                            if options.get("id_normalization") else [])})
        where[e.get("id")] = (spans[0][0], spans[-1][1])
    relations = []
    for r in sentence:
        if r.tag not in ("interaction", "pair"):
            continue
        if r.tag == "pair" and r.get("interaction") not in ("True", "False"):
            fail(f"pair {r.get('id')} has interaction={r.get('interaction')!r}, expected True or False", r)
        if r.get("interaction") == "False":
            continue
        args, kind = [r.get("e1"), r.get("e2")], r.get("type") or options.get("relation_type")
        if not r.get("id") or not kind or not all(a in where for a in args):
            fail(f"{r.tag} {r.get('id')} lacks an id or a type, or names an entity outside its sentence", r)
        if options.get("undirected") and where[args[1]] < where[args[0]]:
            args.reverse()
        relations.append({"id": r.get("id"), "type": kind, "arg1_id": args[0], "arg2_id": args[1],
                          "normalized": []})
    return passage, entities, relations


def _record(element, rid: str, sentences: list, file: InputFile, options: dict, fail) -> dict:
    """One record: the `element` (a sentence or a document) with its sentences as passages."""
    passages, entities, relations, pos = [], [], [], 0
    for sentence in sentences:
        passage, found, related = _sentence(sentence, pos, options, fail)
        passages.append(passage)
        entities.extend(found)
        relations.extend(related)
        pos = passage["offsets"][0][1] + 1  # passages are joined by single spaces
    return {"id": f"{file.name}:{rid}", "document_id": rid, "split": file.split, "source_file": file.name,
            "source_line": element.sourceline, "passages": passages, **empty_kb_lists(),
            "entities": entities, "relations": relations}


def _sentence_number(sentence, fail) -> int:
    found = SENTENCE_NUMBER.search(sentence.get("id") or "")
    return int(found[1]) if found else fail("sentence id does not end in `.s<number>`", sentence)


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Each declared file is one corpus XML file (`<corpus>` of `<document>`s)."""
    unit = options.get("unit", "sentence")
    if unit not in ("sentence", "document"):
        raise SourceError(source, f"option unit: {unit!r}, expected sentence or document")
    rows = []
    for file in files:

        def fail(message, element=None, name=file.name):
            raise SourceError(source, message, name, element.sourceline if element is not None else None)

        root = read_xml(file, source)
        documents = [root] if root.tag == "document" else list(root.iter("document"))
        if not documents:
            fail(f"no <document> element (root is <{root.tag}>)", root)
        for doc in documents:
            if not doc.get("id"):
                fail("document without an id", doc)
            sentences = list(doc.iter("sentence"))
            if options.get("sentence_order", "file") == "id":
                sentences.sort(key=lambda s: _sentence_number(s, fail))
            if unit == "document":
                rows.append(_record(doc, doc.get("id"), sentences, file, options, fail))
            else:
                rows.extend(_record(s, s.get("id") or fail("sentence without an id", s), [s], file, options, fail)
                            for s in sentences)
    return family_frame(rows, FAMILY)
