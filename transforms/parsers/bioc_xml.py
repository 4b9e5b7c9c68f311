"""BioC XML: a collection of documents, each of passages (offset, text, annotations) and relations.

Passages are re-offset to BigBio's convention (their texts joined by single spaces); annotation
locations, document-absolute in BioC, move with their passage. A discontinuous annotation (several
locations) gets one text per fragment, cut from its <text> as BigBio does. A declared folder (or zip/tar
archive) is read as the BioC files in it, one collection per `.xml` file.
"""

from typing import NamedTuple

import polars as pl
from lxml import etree

from schemas.errors import SourceError
from schemas.families import empty_kb_lists
from transforms.parsers._common import InputFile, Tree, family_frame, read_xml

NAME = "bioc_xml_v1"
OPTIONS = {"id_infons": list[str], "concept_args": list[str], "id_separators": list[str], "no_ids": list[str],
           "default_db": str, "skip_types": list[str], "skip_empty_text": bool}
FAMILY = "kb"

# No DTD, no entities, no network: the release's DOCTYPE names a BioC.dtd we do not have.
_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


class _Ids(NamedTuple):
    """How a source writes identifiers: the infons holding them, their separators, the values meaning none, and
    the database of an id without a `DB:` prefix (None: the infon's key)."""

    keys: list[str]
    separators: list[str]
    none: frozenset
    default_db: str | None


def _infons(element) -> dict[str, str]:
    return {i.get("key"): (i.text or "").strip() for i in element.iterfind("infon")}


def _int(value: str | None, what: str, element, file: InputFile, source: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SourceError(source, f"{what} must be an integer, got {value!r}", file.name, element.sourceline) from None


def _normalized(infons: dict, ids: _Ids) -> list[dict]:
    """Identifiers from the infons named in `ids.keys` (`D001|D002`, `MESH:D001`); `-1` (by default) means none."""
    out = []
    for key in ids.keys:
        value = infons.get(key, "")
        for sep in ids.separators[1:]:
            value = value.replace(sep, ids.separators[0])
        for part in value.split(ids.separators[0]):
            part = part.strip()
            if part and part not in ids.none:
                db, _, ident = part.rpartition(":")
                out.append({"db_name": db.upper() if db else ids.default_db or key, "db_id": ident})
    return out


def _fragments(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """One text per location: consecutive slices of the annotation text, spaces between them skipped."""
    if len(spans) == 1:
        return [text]
    pieces, i = [], 0
    for start, end in spans:
        pieces.append(text[i : i + end - start])
        i += end - start
        while i < len(text) and text[i] == " ":
            i += 1
    return pieces


def _entity(ann, aid: str, doc_id: str, shift: int, bounds: tuple[int, int], ids: _Ids, file, source) -> dict:
    infons, line = _infons(ann), ann.sourceline
    if not infons.get("type"):
        raise SourceError(source, f"annotation {aid!r} of document {doc_id} has no type infon", file.name, line)
    spans = []
    for loc in ann.iterfind("location"):
        start = _int(loc.get("offset"), "a location's offset", loc, file, source)
        end = start + _int(loc.get("length"), "a location's length", loc, file, source)
        if start < bounds[0] or end > bounds[1]:
            raise SourceError(source, f"location {start}+{end - start} lies outside its passage", file.name, loc.sourceline)
        spans.append((start + shift, end + shift))
    if not spans:
        raise SourceError(source, f"annotation {aid!r} of document {doc_id} has no <location>", file.name, line)
    return {
        "id": f"{doc_id}-e{aid}",
        "type": infons["type"],
        "text": _fragments(ann.findtext("text") or "", spans),
        "offsets": [list(s) for s in spans],
        "normalized": _normalized(infons, ids),
    }


def _relation(rel, index: int, doc_id: str, entities: list[dict], by_bioc_id: dict, concept_args, file, source):
    infons, line = _infons(rel), rel.sourceline
    rtype = infons.get("relation") or infons.get("type")
    if not rtype:
        raise SourceError(source, f"relation of document {doc_id} has no `relation` or `type` infon", file.name, line)
    nodes = rel.findall("node")
    if nodes:  # mention-level: <node refid=annotation id>, arg1 first
        if len(nodes) != 2 or any(n.get("refid") not in by_bioc_id for n in nodes):
            refs = [n.get("refid") for n in nodes]
            raise SourceError(source, f"relation needs two nodes naming annotations, got {refs}", file.name, line)
        return {"id": f"{doc_id}-r{index}", "type": rtype, "arg1_id": by_bioc_id[nodes[0].get("refid")],
                "arg2_id": by_bioc_id[nodes[1].get("refid")], "normalized": []}
    if not concept_args or any(not infons.get(k) for k in concept_args):
        raise SourceError(source, f"relation has no <node>s and no concept infons {concept_args}", file.name, line)
    # Concept-level (BC5CDR's CID): point each argument at the first mention, in text order, of its concept.
    in_order = sorted(entities, key=lambda e: (e["offsets"][0][0], e["offsets"][-1][1]))  # stable on ties
    args, normalized = [], []
    for key in concept_args:
        concept = infons[key].rpartition(":")[2]
        found = next((e for e in in_order for n in e["normalized"] if n["db_id"] == concept), None)
        # A relation whose concept has no mention cannot be written as a mention-level one, and a parser
        # cannot count what it drops: fail, naming the line, rather than lose gold without a trace.
        if found is None:
            raise SourceError(source, f"relation {rtype} names {key} {concept}, which no mention of document "
                              f"{doc_id} has", file.name, line)
        args.append(found["id"])
        normalized += [n for n in found["normalized"] if n["db_id"] == concept][:1]
    return {"id": f"{doc_id}-r{index}", "type": rtype, "arg1_id": args[0], "arg2_id": args[1],
            "normalized": normalized}


def _document(doc, file: InputFile, source: str, ids: _Ids, concept_args, skip: tuple[set, bool]) -> dict:
    doc_id = (doc.findtext("id") or "").strip()
    if not doc_id:
        raise SourceError(source, "document without an <id>", file.name, doc.sourceline)
    passages, entities, by_bioc_id, pos = [], [], {}, 0
    for p, passage in enumerate(doc.iterfind("passage")):
        text, offset = passage.findtext("text") or "", _int(passage.findtext("offset"), "a passage's <offset>", passage, file, source)
        passages.append({"id": f"{doc_id}-p{p}", "type": _infons(passage).get("type", "passage"), "text": [text],
                         "offsets": [[pos, pos + len(text)]]})
        for ann in passage.iterfind("annotation"):
            # Skipped: annotations not in the text (NLM-Chem's MeSH_Indexing_Chemical index terms, and
            # CHEMDNER's annotations without text, which BigBio drops too).
            if _infons(ann).get("type") in skip[0] or (skip[1] and not (ann.findtext("text") or "").strip()):
                continue
            aid = ann.get("id", str(len(entities)))  # BioC's DTD leaves the id optional
            if aid in by_bioc_id:
                raise SourceError(source, f"annotation id {aid!r} repeats in document {doc_id}", file.name,
                                  ann.sourceline)
            entity = _entity(ann, aid, doc_id, pos - offset, (offset, offset + len(text)), ids, file, source)
            by_bioc_id[aid] = entity["id"]
            entities.append(entity)
        pos += len(text) + 1
    relations = [
        _relation(rel, i, doc_id, entities, by_bioc_id, concept_args, file, source)
        for i, rel in enumerate(doc.iterfind(".//relation"))
    ]
    return {
        "id": f"{file.name}:{doc_id}:{doc.sourceline}",
        "document_id": doc_id,
        "split": file.split,
        "source_file": file.name,
        "source_line": doc.sourceline,
        "passages": passages,
        **empty_kb_lists(),
        "entities": entities,
        "relations": relations,
    }


def _collections(file: InputFile, source: str):
    """(file, root) of each BioC file: the declared file, or each `.xml` file of a declared folder or archive,
    named `<declared>/<path inside>`."""
    if not (file.path.is_dir() or file.name.endswith((".zip", ".tar", ".tar.gz", ".tgz"))):
        yield file, read_xml(file, source, parser=_XML)
        return
    with Tree(file, source) as tree:
        if not any(name.lower().endswith(".xml") for name in tree.names):
            raise SourceError(source, "no BioC .xml file in it", file.name)
        for name in tree.names:
            if name.lower().endswith(".xml"):
                member = InputFile(file.path, tree.where(name), file.split)
                try:
                    yield member, etree.fromstring(tree.read_bytes(name), _XML)
                except etree.XMLSyntaxError as e:
                    raise SourceError(source, f"not well-formed XML: {e.msg}", member.name, e.lineno) from None


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `id_infons` (infon keys holding identifiers, default ['MESH']), `concept_args` (the two
    infon keys naming a relation's concepts when it has no <node>s, e.g. [Chemical, Disease]),
    `id_separators` (between several ids of an infon, default ['|']), `no_ids` (values meaning "no
    identifier", default ['-1']), `default_db` (the database of an id without a `DB:` prefix; default the
    infon's key), `skip_types` (annotation types that are not mentions, e.g. index terms without a location),
    `skip_empty_text` (skip annotations whose <text> is empty)."""
    concept_args = options.get("concept_args")
    ids = _Ids(options.get("id_infons", ["MESH"]), options.get("id_separators") or ["|"],
               frozenset(options.get("no_ids", ["-1"])), options.get("default_db"))
    skip = (set(options.get("skip_types", [])), bool(options.get("skip_empty_text", False)))
    rows = []
    for file in files:
        for named, root in _collections(file, source):
            if root.tag != "collection":
                raise SourceError(source, f"expected a BioC <collection>, got <{root.tag}>", named.name,
                                  root.sourceline)
            rows += [_document(doc, named, source, ids, concept_args, skip) for doc in root.iterfind("document")]
    return family_frame(rows, FAMILY)
