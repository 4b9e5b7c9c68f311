"""MuchMore annotated XML (V4.2, `*.abstr.chunkmorph.annotated.xml`, one abstract a file): the root's children
are sentences, each with `text/token`s (id `w1`...), `umlsterms/umlsterm from to` of `concept id cui`s and
`semrels/semrel term1 term2 reltype` between concepts (`t3.1`), among other layers (chunks, EuroWordNet).

One record per abstract, each sentence a passage whose text is its tokens joined by single spaces (the XML
keeps no original spacing; BigBio rebuilds the text so). A UMLS term is an entity spanning its tokens,
normalised to its concepts' CUIs; a semantic relation links the terms of its two concepts (one between two
concepts of the same term is left out, as BigBio does). The files are Latin-1 (`encoding`); an empty file (the
release has one) is skipped. A declared file is a folder or archive (the release's tar.gz) of them.
"""

import re
from collections.abc import Iterator

import polars as pl
from lxml import etree

from schemas.errors import SourceError
from schemas.families import empty_kb_lists
from transforms.parsers._common import BATCH_DOCUMENTS, InputFile, Tree, family_frame

NAME = "muchmore_xml_v1"
OPTIONS = {"encoding": str}
FAMILY = "kb"
SUFFIX = ".xml"
DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _root(data: bytes, encoding: str, source: str, name: str):
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as e:
        raise SourceError(source, f"not {encoding} text: {e}", name) from None
    # lxml refuses a str that declares an encoding; the declaration sits on line 1, so lines keep their numbers
    text = DECLARATION.sub("", text, count=1)
    try:
        return etree.fromstring(text) if text.strip() else None
    except etree.XMLSyntaxError as e:
        raise SourceError(source, f"not well-formed XML: {e.msg}", name, e.lineno) from None


def _abstract(root, name: str, split: str | None, source: str) -> dict:
    def fail(message, element=root):
        raise SourceError(source, message, name, element.sourceline)

    doc = root.get("id") or name.rsplit("/", 1)[-1].removesuffix(SUFFIX)
    passages, entities, relations, pos = [], [], [], 0
    for sentence in (s for s in root if isinstance(s.tag, str)):
        sid = sentence.get("id") or fail(f"<{sentence.tag}> without an id", sentence)
        tokens = sentence.findall("text/token")
        where, concept_of, start = {}, {}, pos  # token, term and concept ids are the sentence's own
        for token in tokens:
            tid, word = token.get("id"), token.text or ""
            if not tid or tid in where:
                fail(f"sentence {sid}: a token without an id, or with a repeated one ({tid!r})", token)
            where[tid] = (pos, pos + len(word))
            pos += len(word) + 1
        text = " ".join(t.text or "" for t in tokens)
        passages.append({"id": f"{doc}-{sid}", "type": "sentence", "text": [text],
                         "offsets": [[start, start + len(text)]]})
        pos = start + len(text) + 1
        for term in sentence.iterfind("umlsterms/umlsterm"):
            first, last = where.get(term.get("from")), where.get(term.get("to"))
            if not term.get("id") or first is None or last is None or last[1] < first[0]:
                fail(f"sentence {sid}: umlsterm {term.get('id')} lacks an id, or its from/to are not its tokens", term)
            eid, cuis = f"{sid}-{term.get('id')}", []
            for concept in term.iterfind("concept"):
                if not concept.get("id") or not concept.get("cui"):
                    fail(f"sentence {sid}: a concept of umlsterm {term.get('id')} lacks an id or a cui", concept)
                concept_of[concept.get("id")] = eid
                cuis += [concept.get("cui")] if concept.get("cui") not in cuis else []
            entities.append({"id": eid, "type": "umlsterm", "text": [text[first[0] - start:last[1] - start]],
                             "offsets": [[first[0], last[1]]],
                             "normalized": [{"db_name": "UMLS", "db_id": c} for c in cuis]})
        for rel in sentence.iterfind("semrels/semrel"):
            args = [concept_of.get(rel.get("term1")), concept_of.get(rel.get("term2"))]
            if not rel.get("id") or not rel.get("reltype") or None in args:
                fail(f"sentence {sid}: semrel {rel.get('id')} lacks an id or a reltype, or names no concept", rel)
            if args[0] != args[1]:
                relations.append({"id": f"{sid}-{rel.get('id')}-{rel.get('term1')}-{rel.get('term2')}",
                                  "type": rel.get("reltype"), "arg1_id": args[0], "arg2_id": args[1],
                                  "normalized": []})
    return {"id": f"{name}:{doc}", "document_id": doc, "split": split, "source_file": name,
            "source_line": root.sourceline, "passages": passages, **empty_kb_lists(), "entities": entities,
            "relations": relations}


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `encoding` of the XML files (default iso-8859-1)."""
    return pl.concat(list(parse_batches(files, options, source)) or [family_frame([], FAMILY)])


def parse_batches(files: list[InputFile], options: dict, source: str) -> Iterator[pl.DataFrame]:
    """`parse`, BATCH_DOCUMENTS abstracts at a time."""
    encoding = options.get("encoding", "iso-8859-1")
    for file in files:
        with Tree(file, source) as tree:
            members = [n for n in tree.names if n.endswith(SUFFIX)]
            if not members:
                raise SourceError(source, f"no {SUFFIX} files in the folder or archive", file.name)
            rows = []
            for member in members:
                root = _root(tree.read_bytes(member), encoding, source, tree.where(member))
                if root is not None:
                    rows.append(_abstract(root, tree.where(member), file.split, source))
                if len(rows) == BATCH_DOCUMENTS:
                    yield family_frame(rows, FAMILY)
                    rows = []
            if rows:
                yield family_frame(rows, FAMILY)
