"""The ChemProt (BioCreative VI) TSVs, per split: `*_abstracts*` (PMID, title, abstract), `*_entities*`
(PMID, T#, type, start, end, text), `*_gold_standard*` (PMID, CPR group, Arg1:T#, Arg2:T#) and
`*_relations*` (PMID, CPR group, evaluated Y/N, label, Arg1:T#, Arg2:T#).

Each abstract is a kb record (title and abstract passages; the release's offsets already count the
one character between them). Relations come from the gold standard (the evaluated groups CPR:3, 4,
5, 6 and 9) or, with `relations: all`, from the relations file (every group, evaluated or not).
DrugProt (BioCreative VII) ships the same layout with `*_relations*` holding only PMID, label, Arg1:T#,
Arg2:T# (`relations: labelled`), and its abstracts files named `*_abstracs*` (sic).
"""

from collections.abc import Iterator
from typing import Literal

import polars as pl

from schemas.errors import SourceError
from schemas.families import POLARS_SCHEMAS
from transforms.parsers._common import (
    BATCH_DOCUMENTS,
    BATCH_RECORDS,
    InputFile,
    family_frame,
    files_by_split,
    text_lines,
)

NAME = "chemprot_tsv_v1"
OPTIONS = {"relations": Literal["gold_standard", "all", "labelled"]}
FAMILY = "kb"
ROLES = ("abstracts", "entities", "gold_standard", "relations")


def _role(file: InputFile, source: str) -> str:
    base = file.name.rsplit("/", 1)[-1]
    if "_abstracs" in base and base.endswith(".tsv"):  # DrugProt's release spells it so
        return "abstracts"
    for role in ROLES:
        if f"_{role}" in base and base.endswith(".tsv"):
            return role
    raise SourceError(source, f"not a ChemProt file: the name should contain one of {['_' + r for r in ROLES]}",
                      file.name)


def _rows(file: InputFile, source: str, widths: tuple[int, ...], layout: str):
    """(line number, fields) of a TSV whose lines must have one of `widths` fields."""
    for number, line in enumerate(text_lines(file, source), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) not in widths:
            raise SourceError(source, f"expected `{layout}`, got {len(fields)} field(s): {line[:60]!r}", file.name, number)
        yield number, fields  # not stripped: offsets count every character of the title and abstract


class _Columns:
    """Rows gathered as columns and moved into Polars every BATCH_RECORDS rows: a corpus's millions of
    mentions stay a few hundred MB, not a Python object a field."""

    def __init__(self, schema: dict):
        self.schema, self.frames = schema, []
        self.columns: dict[str, list] = {key: [] for key in schema}

    def add(self, *values) -> None:
        for column, value in zip(self.columns.values(), values):
            column.append(value)
        if len(self.columns["line"]) == BATCH_RECORDS:
            self.frames.append(pl.DataFrame(self.columns, schema=self.schema))
            self.columns = {key: [] for key in self.schema}

    def frame(self) -> pl.DataFrame:
        return pl.concat([*self.frames, pl.DataFrame(self.columns, schema=self.schema)])


def _abstracts(file: InputFile, source: str) -> pl.DataFrame:
    rows = _Columns({"pmid": pl.Utf8, "title": pl.Utf8, "abstract": pl.Utf8, "line": pl.Int64})
    first_line: dict[str, int] = {}
    for number, (pmid, title, abstract) in _rows(file, source, (3,), "PMID title abstract"):
        if pmid in first_line:
            raise SourceError(source, f"abstract {pmid} repeats (first on line {first_line[pmid]})", file.name, number)
        first_line[pmid] = number
        rows.add(pmid, title, abstract, number)
    return rows.frame()


def _entities(file: InputFile, source: str, pmids: set[str]) -> pl.DataFrame:
    rows = _Columns({"pmid": pl.Utf8, "id": pl.Utf8, "type": pl.Utf8, "start": pl.Int32, "end": pl.Int32,
                     "text": pl.Utf8, "line": pl.Int64})
    for number, (pmid, tid, etype, start, end, text) in _rows(file, source, (6,), "PMID T# type start end text"):
        if pmid not in pmids:
            raise SourceError(source, f"entity of document {pmid}, which has no abstract", file.name, number)
        if not (start.isdigit() and end.isdigit()):
            raise SourceError(source, f"offsets must be integers, got {start!r} {end!r}", file.name, number)
        rows.add(pmid, f"{pmid}-{tid}", etype, int(start), int(end), text, number)
    entities = rows.frame()
    repeats = entities.filter(~pl.col("id").is_first_distinct())
    if repeats.height:
        pmid, eid, line = repeats.select("pmid", "id", "line").row(0)
        raise SourceError(source, f"entity {eid.removeprefix(pmid + '-')} repeats in document {pmid}", file.name, line)
    return entities


def _relations(file: InputFile, source: str, pmids: set[str], entities: pl.DataFrame, short: bool) -> pl.DataFrame:
    width, layout = (4, "PMID CPR Arg1:T# Arg2:T#") if short else (6, "PMID CPR Y/N label Arg1:T# Arg2:T#")
    rows = _Columns({k: pl.Utf8 for k in ("pmid", "type", "arg1", "arg2", "arg1_id", "arg2_id")} | {"line": pl.Int64})
    for number, fields in _rows(file, source, (width,), layout):
        pmid, group, arg1, arg2 = (f.strip() for f in (fields[0], fields[1], fields[-2], fields[-1]))
        if pmid not in pmids:
            raise SourceError(source, f"relation of document {pmid}, which has no abstract", file.name, number)
        for prefix, arg in (("Arg1:", arg1), ("Arg2:", arg2)):
            if not arg.startswith(prefix):
                raise SourceError(source, f"{arg!r} is not `{prefix}T#` naming an entity of document {pmid}",
                                  file.name, number)
        rows.add(pmid, group, arg1, arg2, f"{pmid}-{arg1[5:]}", f"{pmid}-{arg2[5:]}", number)
    relations = rows.frame()
    known = entities["id"]
    for side, prefix in (("arg1", "Arg1:"), ("arg2", "Arg2:")):
        unknown = relations.filter(~pl.col(f"{side}_id").is_in(known.implode()))
        if unknown.height:
            first = unknown.sort("line").row(0, named=True)
            raise SourceError(source, f"{first[side]!r} is not `{prefix}T#` naming an entity of document {first['pmid']}",
                              file.name, first["line"])
    return relations


def _records(file: InputFile, abstracts: pl.DataFrame, entities: pl.DataFrame, relations: pl.DataFrame) -> pl.DataFrame:
    """The kb records, assembled by Polars: each abstract with its mentions and relations in file order."""
    spans = pl.List(pl.List(pl.Int32))
    no_ids = pl.lit([], dtype=pl.List(pl.Struct({"db_name": pl.Utf8, "db_id": pl.Utf8})))
    # Each mention and relation built as a struct first, then gathered per document (in file order).
    by_doc = entities.select("pmid", entity=pl.struct(
        "id", "type", text=pl.list("text"), offsets=pl.list(pl.concat_list("start", "end")).cast(spans),
        normalized=no_ids,
    )).group_by("pmid", maintain_order=True).agg(entities="entity")
    rels = relations.with_columns(n=pl.int_range(pl.len()).over("pmid")).select("pmid", relation=pl.struct(
        id=pl.format("{}-r{}", "pmid", "n"), type="type", arg1_id="arg1_id", arg2_id="arg2_id", normalized=no_ids,
    )).group_by("pmid", maintain_order=True).agg(relations="relation")
    n = pl.col("title").str.len_chars().cast(pl.Int32)
    passage = lambda kind, text, start, end: pl.struct(  # noqa: E731
        id=pl.format("{}-" + kind, "pmid"), type=pl.lit(kind), text=pl.list(text),
        offsets=pl.list(pl.concat_list(start, end)).cast(spans))
    docs = abstracts.join(by_doc, on="pmid", how="left", maintain_order="left").join(
        rels, on="pmid", how="left", maintain_order="left")
    kb = POLARS_SCHEMAS[FAMILY]
    return docs.select(
        id=pl.lit(f"{file.name}:") + pl.col("pmid"), document_id="pmid", split=pl.lit(file.split, pl.Utf8),
        source_file=pl.lit(file.name), source_line="line",
        passages=pl.concat_list(passage("title", "title", pl.lit(0, pl.Int32), n),
                                passage("abstract", "abstract", n + 1, n + 1 + pl.col("abstract").str.len_chars())),
        entities=pl.col("entities").fill_null(pl.lit([], dtype=kb["entities"])),
        events=pl.lit([], dtype=kb["events"]), coreferences=pl.lit([], dtype=kb["coreferences"]),
        relations=pl.col("relations").fill_null(pl.lit([], dtype=kb["relations"])),
    ).cast(kb)


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `relations`, `gold_standard` (default), `all` or `labelled` (DrugProt). Files are matched by name
    within a split."""
    return pl.concat(list(parse_batches(files, options, source)) or [family_frame([], FAMILY)])


def parse_batches(files: list[InputFile], options: dict, source: str) -> Iterator[pl.DataFrame]:
    """`parse`, BATCH_DOCUMENTS abstracts at a time (the mentions of every abstract are read first)."""
    mode = options.get("relations", "gold_standard")
    if mode not in ("gold_standard", "all", "labelled"):
        raise SourceError(source, f"option relations must be 'gold_standard', 'all' or 'labelled', got {mode!r}")
    relation_role = "gold_standard" if mode == "gold_standard" else "relations"
    by_split = files_by_split(files, source, _role)
    for split, found in by_split.items():
        for role in ("abstracts", "entities", relation_role):
            if role not in found:
                raise SourceError(source, f"split {split!r} has no *_{role}* file", next(iter(found.values())).name)
        abstracts = _abstracts(found["abstracts"], source)
        pmids = set(abstracts["pmid"])
        entities = _entities(found["entities"], source, pmids)
        relations = _relations(found[relation_role], source, pmids, entities, short=mode != "all")
        for start in range(0, abstracts.height, BATCH_DOCUMENTS):
            some = abstracts.slice(start, BATCH_DOCUMENTS)
            yield _records(found["abstracts"], some, entities.join(some.select("pmid"), on="pmid", how="semi"),
                           relations.join(some.select("pmid"), on="pmid", how="semi"))
