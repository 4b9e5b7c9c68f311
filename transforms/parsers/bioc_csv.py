"""BioC texts with their annotations in a CSV file beside them (Bio-ID): one kb record per BioC document.

The release is a folder or archive: a folder of BioC XML files (`texts`) and one CSV file (`annotations`) with a
header row, one mention a row. A row names its document by the values of some columns (`join`: CSV column ->
document infon), its span by character offsets into the document's text (its passages joined by single spaces),
and its concepts in one column: `namespace:id` entries joined by `|`, an entry without a namespace being of
`bare_db`, and a namespace in `unnormalized` being the mention's type with no identifier (`protein:p53`).
"""

import csv
import io

import polars as pl
from lxml import etree

from schemas.errors import SourceError
from schemas.families import empty_kb_lists
from transforms.parsers._common import InputFile, Tree, family_frame

NAME = "bioc_csv_v1"
FAMILY = "kb"
OPTIONS = {"texts": str, "annotations": str, "join": dict[str, str], "start": str, "end": str, "text": str,
           "concept": str, "bare_db": str, "unnormalized": list[str], "db_types": dict[str, str]}
REQUIRED = ("texts", "annotations", "join", "start", "end", "text", "concept")

_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def _concepts(value: str, options: dict) -> tuple[str, list[dict]]:
    """(mention type, identifiers) of a concept column: the type is that of the first entry's namespace."""
    bare, unnormalized, db_types = options.get("bare_db", "unknown"), options.get("unnormalized", []), options.get(
        "db_types", {})
    etype, ids = None, []
    for entry in value.split("|"):
        entry = entry.strip()
        if not entry:
            continue
        db, sep, ident = (part.strip() for part in entry.partition(":"))
        db, ident = (db, ident) if sep else (bare, db)
        etype = etype or db_types.get(db, db)
        if db not in unnormalized and ident:
            ids.append({"db_name": db, "db_id": ident})
    return etype or "unknown", ids


def _documents(tree: Tree, folder: str, keys: list[str], source: str) -> dict[tuple, dict]:
    """Each BioC document of the folder, by the values of its `keys` infons."""
    prefix, docs = folder.strip("/") + "/", {}
    for name in tree.names:
        if not (name.startswith(prefix) and name.lower().endswith(".xml")):
            continue
        where = tree.where(name)
        try:
            root = etree.fromstring(tree.read_bytes(name), _XML)
        except etree.XMLSyntaxError as e:
            raise SourceError(source, f"not well-formed XML: {e.msg}", where, e.lineno) from None
        for doc in root.iterfind("document"):
            infons = {i.get("key"): (i.text or "").strip() for i in doc.iterfind("infon")}
            missing = [k for k in keys if not infons.get(k)]
            if missing:
                raise SourceError(source, f"document without the infons {missing}", where, doc.sourceline)
            key = tuple(infons[k] for k in keys)
            if key in docs:
                raise SourceError(source, f"a second document with infons {dict(zip(keys, key))}", where, doc.sourceline)
            texts = [p.findtext("text") or "" for p in doc.iterfind("passage")]
            docs[key] = {"where": where, "line": doc.sourceline, "texts": texts, "entities": []}
    if not docs:
        raise SourceError(source, f"no BioC document under {folder}", tree.where(folder))
    return docs


def _read_annotations(tree: Tree, docs: dict, options: dict, source: str) -> None:
    """Attach each CSV row to its document (a row whose document the release lacks is not a mention of it)."""
    name = options["annotations"]
    if name not in tree:
        raise SourceError(source, f"the release has no {name}", tree.file.name)
    where = tree.where(name)
    reader = csv.DictReader(io.StringIO(tree.read_text(name), newline=""))
    columns = [*options["join"], options["start"], options["end"], options["text"], options["concept"]]
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise SourceError(source, f"the header lacks the columns {missing}", where, 1)
    try:
        for row in reader:
            line = reader.line_num
            doc = docs.get(tuple((row[c] or "").strip() for c in options["join"]))
            if doc is None:
                continue
            try:
                start, end = int(row[options["start"]]), int(row[options["end"]])
            except (TypeError, ValueError):
                raise SourceError(source, f"offsets must be integers, got {row[options['start']]!r}, "
                                  f"{row[options['end']]!r}", where, line) from None
            length = sum(map(len, doc["texts"])) + len(doc["texts"]) - 1
            if not 0 <= start < end <= length:
                raise SourceError(source, f"span {start}-{end} lies outside its text ({length} characters)", where,
                                  line)
            etype, ids = _concepts(row[options["concept"]] or "", options)
            doc["entities"].append({"type": etype, "text": [row[options["text"]] or ""], "offsets": [[start, end]],
                                    "normalized": ids})
    except csv.Error as e:
        raise SourceError(source, f"malformed CSV: {e}", where, reader.line_num) from None


def _record(key: tuple, doc: dict, split: str | None) -> dict:
    doc_id = "/".join(key)
    passages, pos = [], 0
    for i, text in enumerate(doc["texts"]):
        passages.append({"id": f"{doc_id}-p{i}", "type": "passage", "text": [text], "offsets": [[pos, pos + len(text)]]})
        pos += len(text) + 1
    entities = [{"id": f"{doc_id}-e{i}", **e} for i, e in enumerate(doc["entities"])]
    return {"id": f"{doc['where']}:{doc_id}:{doc['line']}", "document_id": doc_id, "split": split,
            "source_file": doc["where"], "source_line": doc["line"], "passages": passages, **empty_kb_lists(),
            "entities": entities}


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `texts` (the folder of BioC files inside the release), `annotations` (the CSV file), `join` (CSV
    column -> infon naming the document), `start`, `end`, `text`, `concept` (the CSV columns of a mention's
    offsets, text and concepts), `bare_db` (the namespace of an entry without one), `unnormalized` (namespaces
    that are types without identifiers), `db_types` (namespace -> mention type; default the namespace)."""
    missing = [k for k in REQUIRED if not options.get(k)]
    if missing:
        raise SourceError(source, f"bioc_csv options lack {missing}")
    rows = []
    for file in files:
        with Tree(file, source) as tree:
            docs = _documents(tree, options["texts"], list(options["join"].values()), source)
            _read_annotations(tree, docs, options, source)
        rows += [_record(key, doc, file.split) for key, doc in docs.items()]
    return family_frame(rows, FAMILY)
