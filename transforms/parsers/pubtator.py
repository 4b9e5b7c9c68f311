"""PubTator text: `PMID|t|title`, `PMID|a|abstract`, then one tab-separated line per mention
(`PMID start end mention type ids [individual mentions]`) and per relation (`PMID type id1 id2`);
blank lines between documents.
"""

import functools
from collections.abc import Iterator

import polars as pl

from schemas.errors import SourceError
from schemas.families import empty_kb_lists
from transforms.parsers._common import BATCH_DOCUMENTS, InputFile, family_frame, text_lines

NAME = "pubtator_v1"
OPTIONS = {"default_db"}
FAMILY = "kb"


@functools.lru_cache(maxsize=1 << 16)  # the same ids recur across a corpus: parse each once
def _normalized(ids: str, default_db: str) -> tuple[dict, ...]:
    """`D001|D002`, `D001+D002` and `OMIM:1234` into {db_name, db_id} pairs; `-1` means none."""
    out = []
    for part in ids.replace("+", "|").split("|"):
        part = part.strip()
        if not part or part == "-1":
            continue
        db, _, ident = part.rpartition(":")
        out.append({"db_name": db.upper() if db else default_db, "db_id": ident})
    return tuple(out)


class _Document:
    def __init__(self, pmid: str, line: int):
        self.pmid, self.line = pmid, line
        self.title: str | None = None
        self.abstract: str | None = None
        self.entities: list[dict] = []
        self.relations: list[tuple[int, str, str, str]] = []  # (line, type, concept 1, concept 2)


def _relations(doc: _Document, file: InputFile, source: str, default_db: str) -> list[dict]:
    """Concept-level relations (BC5CDR's CID) pointed at the first mention, in text order, of each concept."""
    # Text order as the renderers see it; sorted() is stable, so a tie keeps the file's order.
    in_order = sorted(doc.entities, key=lambda e: (e["offsets"][0][0], e["offsets"][-1][1]))
    out = []
    for line, rtype, *concepts in doc.relations:
        args, normalized = [], []
        for concept in concepts:
            ids = _normalized(concept, default_db)
            if len(ids) != 1:
                raise SourceError(source, f"relation argument {concept!r} is not one concept id", file.name, line)
            found = next((e for e in in_order if ids[0] in e["normalized"]), None)
            # Every one of BC5CDR's 3,116 CID pairs has a mention of both concepts in its abstract. One
            # without a mention cannot be written as a mention-level relation, and a parser has no channel
            # to count what it drops, so dropping it would lose gold without a trace: fail, naming the line.
            if found is None:
                raise SourceError(
                    source, f"relation {rtype} names concept {concept}, which no mention of document {doc.pmid} has",
                    file.name, line,
                )
            args.append(found["id"])
            normalized += ids
        out.append({"id": f"{doc.pmid}-r{len(out)}", "type": rtype, "arg1_id": args[0], "arg2_id": args[1],
                    "normalized": normalized})
    return out


def _finish(doc: _Document, file: InputFile, source: str, default_db: str) -> dict:
    if doc.title is None or doc.abstract is None:
        missing = "title" if doc.title is None else "abstract"
        raise SourceError(source, f"document {doc.pmid} has no {missing} line (truncated file?)", file.name, doc.line)
    t_len = len(doc.title)
    return {
        "id": f"{file.name}:{doc.pmid}:{doc.line}",
        "document_id": doc.pmid,
        "split": file.split,
        "source_file": file.name,
        "source_line": doc.line,
        "passages": [
            {"id": f"{doc.pmid}-title", "type": "title", "text": [doc.title], "offsets": [[0, t_len]]},
            {
                "id": f"{doc.pmid}-abstract",
                "type": "abstract",
                "text": [doc.abstract],
                "offsets": [[t_len + 1, t_len + 1 + len(doc.abstract)]],
            },
        ],
        **empty_kb_lists(),
        "entities": doc.entities,
        "relations": _relations(doc, file, source, default_db),
    }


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `default_db`, the database of identifiers without a prefix (default 'MESH')."""
    return pl.concat(list(parse_batches(files, options, source)) or [family_frame([], FAMILY)])


def parse_batches(files: list[InputFile], options: dict, source: str) -> Iterator[pl.DataFrame]:
    """`parse`, BATCH_DOCUMENTS documents at a time, reading the file line by line."""
    default_db = options.get("default_db", "MESH")
    for file in files:
        rows = []
        for doc in _documents(file, source, default_db):
            rows.append(doc)
            if len(rows) == BATCH_DOCUMENTS:
                yield family_frame(rows, FAMILY)
                rows = []
        if rows:
            yield family_frame(rows, FAMILY)


def _documents(file: InputFile, source: str, default_db: str) -> Iterator[dict]:
    doc: _Document | None = None
    for number, line in enumerate(text_lines(file, source), start=1):
        if not line.strip():
            if doc:
                yield _finish(doc, file, source, default_db)
            doc = None
            continue
        if "|" in line.split("\t", 1)[0]:
            pmid, kind, text = (line.split("|", 2) + ["", ""])[:3]
            if kind not in ("t", "a"):
                raise SourceError(source, f"expected `PMID|t|` or `PMID|a|`, got {line[:60]!r}", file.name, number)
            if doc is None:
                doc = _Document(pmid, number)
            if pmid != doc.pmid:
                raise SourceError(source, f"PMID {pmid} inside document {doc.pmid}", file.name, number)
            setattr(doc, "title" if kind == "t" else "abstract", text)
            continue
        fields = line.split("\t")
        if doc is None or fields[0] != doc.pmid:
            raise SourceError(source, f"annotation outside its document: {line[:60]!r}", file.name, number)
        if len(fields) == 4 and not fields[1].isdigit():  # a relation: `PMID type id1 id2`
            if not all(f.strip() for f in fields[1:]):
                raise SourceError(source, f"relation with an empty field: {line[:80]!r}", file.name, number)
            doc.relations.append((number, fields[1], fields[2], fields[3]))
            continue
        # A 7th field (BC5CDR) spells out the individual mentions of a composite one, without offsets.
        if len(fields) not in (5, 6, 7) or not (fields[1].isdigit() and fields[2].isdigit()):
            raise SourceError(
                source, f"expected `PMID start end mention type [ids]` or `PMID type id1 id2`, got {line[:80]!r}",
                file.name, number,
            )
        start, end = int(fields[1]), int(fields[2])
        doc.entities.append(
            {
                "id": f"{doc.pmid}-e{len(doc.entities)}",
                "type": fields[4],
                "text": [fields[3].strip()],  # one train mention carries trailing spaces
                "offsets": [[start, end]],
                "normalized": _normalized(fields[5], default_db) if len(fields) >= 6 else [],
            }
        )
    if doc:
        yield _finish(doc, file, source, default_db)
