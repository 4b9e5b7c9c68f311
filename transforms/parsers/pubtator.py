"""PubTator text: `PMID|t|title`, `PMID|a|abstract`, then one tab-separated line per mention
(`PMID start end mention type ids [individual mentions]`) and per relation (`PMID type id1 id2 [flag]`);
blank lines between documents.

Relations are between concept ids (BC5CDR's CID, BioRED's eight types); each argument becomes the first mention,
in text order, of its concept. BioRED's fifth relation field (`Novel` or `No`: is the relation a finding of the
abstract) is read and not kept: the kb schema has no slot for it and MedINST's RE outputs do not carry it.
"""

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NotRequired, TypedDict

import polars as pl

from schemas.errors import SourceError
from schemas.families import empty_kb_lists
from transforms.parsers._common import BATCH_DOCUMENTS, InputFile, family_frame, text_lines

NAME = "pubtator_v1"
LineFix = TypedDict("LineFix", {"file": str, "line": int, "find": str, "replace": NotRequired[str | None]})
OPTIONS = {"default_db": str | dict[str, str], "id_separators": list[str] | dict[str, list[str]],
           "id_rewrites": list[list[str]], "id_columns": list[int], "realign": int, "line_fixes": list[LineFix],
           "type_separator": str}
FAMILY = "kb"
NO_ID = ("", "-", "-1")
FIX_KEYS = {"file", "line", "find", "replace"}


def _split(text: str, separators: tuple[str, ...]) -> list[str]:
    for sep in separators[1:]:
        text = text.replace(sep, separators[0])
    return text.split(separators[0]) if separators else [text]


@functools.lru_cache(maxsize=1 << 16)  # the same ids recur across a corpus: parse each once
def _normalized(ids: str, default_db: str, separators: tuple[str, ...] = ("|", "+"),
                rewrites: tuple[tuple[re.Pattern, str], ...] = ()) -> tuple[dict, ...]:
    """An id column into {db_name, db_id} pairs (`D001|D002`, `D001+D002`, `OMIM:1234` by default). The first
    separator splits entries, the others the ids of an entry, an id without a `DB:` prefix taking the prefix of the
    one before it in its entry (`Gene:1,2`); each id is rewritten (regex, replacement) before its prefix is read; one
    without a prefix is of `default_db`; `-1`, `-` and empty mean none."""
    out = []
    for entry in _split(ids, separators[:1]):
        prefix = ""
        for part in _split(entry, separators[1:]):
            part = part.strip()
            for pattern, replacement in rewrites:
                part = pattern.sub(replacement, part)
            db, _, ident = part.rpartition(":")
            prefix = db.upper() or prefix
            if ident not in NO_ID:
                out.append({"db_name": prefix or default_db, "db_id": ident})
    return tuple(out)


@dataclass(frozen=True)
class _Reading:
    """How a source writes its lines: the parser's options, checked once."""

    default_db: str | dict  # the database of ids without a prefix, or {mention type: database}
    separators: tuple[str, ...] | dict  # or {mention type: separators}
    rewrites: tuple[tuple[re.Pattern, str], ...]
    columns: tuple[int, ...]  # 1-based columns of a mention line that hold ids
    realign: int
    fixes: tuple[dict, ...]
    type_separator: str = ""  # between several types of one mention (MedMentions' `T047,T048`)

    @classmethod
    def of(cls, options: dict, source: str) -> "_Reading":
        fixes = tuple(options.get("line_fixes", ()))
        for fix in fixes:
            if not isinstance(fix, dict) or not {"file", "line", "find"} <= fix.keys() <= FIX_KEYS:
                raise SourceError(source, f"line_fixes: each fix takes file, line, find and replace, got {fix!r}")
        if len({(fix["file"], fix["line"]) for fix in fixes}) < len(fixes):
            raise SourceError(source, "line_fixes: two fixes for one line")
        separators = options.get("id_separators", ("|", "+"))
        try:
            rewrites = tuple((re.compile(p), r) for p, r in options.get("id_rewrites", ()))
        except (re.error, TypeError, ValueError) as e:
            raise SourceError(source, f"id_rewrites: each is [regex, replacement]: {e}") from None
        return cls(
            options.get("default_db", "MESH"),
            {t: tuple(s) for t, s in separators.items()} if isinstance(separators, dict) else tuple(separators),
            rewrites, tuple(options.get("id_columns", (6,))), int(options.get("realign", 0)), fixes,
            options.get("type_separator", ""),
        )

    def ids(self, column: str, etype: str, where: tuple[str, InputFile, int]) -> tuple[dict, ...]:
        """An id column of a mention of type `etype` (or a relation's concept read as that type reads it)."""
        db = self._of_type(self.default_db, etype, "default_db", where)
        return _normalized(column, db, self._of_type(self.separators, etype, "id_separators", where), self.rewrites)

    @staticmethod
    def _of_type(value, etype: str, option: str, where: tuple[str, InputFile, int]):
        if not isinstance(value, dict):
            return value
        if etype not in value:
            source, file, line = where
            raise SourceError(source, f"{option} says nothing for mention type {etype!r}", file.name, line)
        return value[etype]


class _Document:
    def __init__(self, pmid: str, line: int):
        self.pmid, self.line = pmid, line
        self.title: str | None = None
        self.abstract: str | None = None
        self.entities: list[dict] = []
        self.relations: list[tuple[int, str, str, str]] = []  # (line, type, concept 1, concept 2)


def _first_mention(concept: str, in_order: list[dict], reading: _Reading, where: tuple) -> tuple[dict | None, tuple]:
    """The first mention of a concept, with the concept's id read as that mention's type reads an unprefixed id
    (under a default_db per type, a gene's `672` is NCBIGene 672 and an organism's `9606` NCBITaxon 9606)."""
    for e in in_order:
        if e["normalized"]:
            ids = reading.ids(concept, e["type"], where)
            if len(ids) != 1:
                raise SourceError(where[0], f"relation argument {concept!r} is not one concept id", where[1].name,
                                  where[2])
            if ids[0] in e["normalized"]:
                return e, ids
    return None, ()


def _relations(doc: _Document, file: InputFile, source: str, reading: _Reading) -> list[dict]:
    """Concept-level relations (BC5CDR's CID) pointed at the first mention, in text order, of each concept."""
    # Text order as the renderers see it; sorted() is stable, so a tie keeps the file's order.
    in_order = sorted(doc.entities, key=lambda e: (e["offsets"][0][0], e["offsets"][-1][1]))
    out = []
    for line, rtype, *concepts in doc.relations:
        args, normalized = [], []
        for concept in concepts:
            found, ids = _first_mention(concept, in_order, reading, (source, file, line))
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


def _realign(entities: list[dict], text: str, within: int) -> None:
    """Move a mention whose text is not at its offsets to the nearest place, at most `within` characters away,
    where it is (offsets counted in bytes, or a text that lost characters); one found nowhere near stays, to be
    quarantined by validation, which counts it."""
    for e in entities:
        (start, end), mention = e["offsets"][0], e["text"][0]
        if text[start:end] == mention:
            continue
        near = [at for at in range(max(0, start - within), start + within + 1) if text.startswith(mention, at)]
        if near:
            at = min(near, key=lambda a: abs(a - start))
            e["offsets"] = [[at, at + len(mention)]]


def _finish(doc: _Document, file: InputFile, source: str, reading: _Reading) -> dict:
    if doc.title is None or doc.abstract is None:
        missing = "title" if doc.title is None else "abstract"
        raise SourceError(source, f"document {doc.pmid} has no {missing} line (truncated file?)", file.name, doc.line)
    if reading.realign:
        _realign(doc.entities, f"{doc.title} {doc.abstract}", reading.realign)
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
        "relations": _relations(doc, file, source, reading),
    }


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options (all optional; the defaults read NCBI-disease and BC5CDR):
    `default_db`: the database of ids without a `DB:` prefix, or a mapping {mention type: database} (default 'MESH');
    `id_separators`: separators of several ids in an id column, the first between entries, the others between the
      ids of an entry (default ['|', '+']; [] reads the column as one id, e.g. tmVar's `p|SUB|D|506|G`), or a
      mapping {mention type: separators};
    `id_rewrites`: [regex, replacement] pairs applied in order to each id before its prefix is read
      (e.g. ['^RS#:(\\d+)$', 'DBSNP:rs\\1']; a rewrite to '' drops the id);
    `id_columns`: the 1-based columns of a mention line that hold ids (default [6]; BC5CDR's 7th holds mentions);
    `realign`: move a mention found at most this many characters from its offsets there (default 0: never);
    `line_fixes`: [{file, line, find, replace}] a declared repair of one line of a pinned file: `find` must be on
      that line and is replaced (no `replace`: the line is skipped); a fix that does not apply is an error;
    `type_separator`: the type column may hold several types joined by it (MedMentions' `T047,T048`): one entity
      per type, the ids on the first only."""
    return pl.concat(list(parse_batches(files, options, source)) or [family_frame([], FAMILY)])


def parse_batches(files: list[InputFile], options: dict, source: str) -> Iterator[pl.DataFrame]:
    """`parse`, BATCH_DOCUMENTS documents at a time, reading the file line by line."""
    reading = _Reading.of(options, source)
    unknown = {fix["file"] for fix in reading.fixes} - {file.name for file in files}
    if unknown:
        raise SourceError(source, f"line_fixes name files that are not declared: {sorted(unknown)}")
    for file in files:
        rows = []
        for doc in _documents(file, source, reading):
            rows.append(doc)
            if len(rows) == BATCH_DOCUMENTS:
                yield family_frame(rows, FAMILY)
                rows = []
        if rows:
            yield family_frame(rows, FAMILY)


def _fixed_lines(file: InputFile, source: str, reading: _Reading) -> Iterator[tuple[int, str]]:
    """(number, line) of the file, with the source's declared line fixes applied and checked."""
    fixes = {fix["line"]: fix for fix in reading.fixes if fix["file"] == file.name}
    for number, line in enumerate(text_lines(file, source), start=1):
        fix = fixes.pop(number, None)
        if fix is not None:
            if fix["find"] not in line:
                raise SourceError(source, f"declared line fix: {fix['find']!r} is not on this line", file.name, number)
            if fix.get("replace") is None:  # declared not to be an annotation line
                continue
            line = line.replace(fix["find"], fix["replace"], 1)
        yield number, line
    if fixes:
        raise SourceError(source, "declared line fix after the end of the file", file.name, min(fixes))


def _documents(file: InputFile, source: str, reading: _Reading) -> Iterator[dict]:
    doc: _Document | None = None
    for number, line in _fixed_lines(file, source, reading):
        if not line.strip():
            if doc:
                yield _finish(doc, file, source, reading)
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
        if len(fields) in (4, 5) and not fields[1].isdigit():  # a relation: `PMID type id1 id2 [flag]`
            if not all(f.strip() for f in fields[1:]):
                raise SourceError(source, f"relation with an empty field: {line[:80]!r}", file.name, number)
            doc.relations.append((number, fields[1], fields[2], fields[3]))
            continue
        # A 7th field (BC5CDR) spells out the individual mentions of a composite one, without offsets.
        if len(fields) not in (5, 6, 7) or not (fields[1].isdigit() and fields[2].isdigit()):
            raise SourceError(
                source, f"expected `PMID start end mention type [ids]` or `PMID type id1 id2 [flag]`, "
                f"got {line[:80]!r}", file.name, number,
            )
        start, end = int(fields[1]), int(fields[2])
        columns = [fields[c - 1] for c in reading.columns if c <= len(fields)]
        normalized = [n for c in columns for n in reading.ids(c, fields[4], (source, file, number))]
        types = [t.strip() for t in fields[4].split(reading.type_separator)] if reading.type_separator else [fields[4]]
        # A mention of several types is one entity per type, as BigBio has it (NER lists it once per type); its
        # ids go with the first only, so that NED lists the mention once.
        for i, etype in enumerate(t for t in types if t):
            doc.entities.append(
                {
                    "id": f"{doc.pmid}-e{len(doc.entities)}",
                    "type": etype,
                    "text": [fields[3].strip()],  # one train mention carries trailing spaces
                    "offsets": [[start, end]],
                    "normalized": normalized if i == 0 else [],
                }
            )
    if doc:
        yield _finish(doc, file, source, reading)
