"""The ChemProt (BioCreative VI) TSVs, per split: `*_abstracts*` (PMID, title, abstract), `*_entities*`
(PMID, T#, type, start, end, text), `*_gold_standard*` (PMID, CPR group, Arg1:T#, Arg2:T#) and
`*_relations*` (PMID, CPR group, evaluated Y/N, label, Arg1:T#, Arg2:T#).

Each abstract is a kb record (title and abstract passages; the release's offsets already count the
one character between them). Relations come from the gold standard (the evaluated groups CPR:3, 4,
5, 6 and 9) or, with `relations: all`, from the relations file (every group, evaluated or not).
"""

import polars as pl

from schemas.errors import SourceError
from schemas.families import empty_kb_lists
from transforms.parsers._common import InputFile, family_frame, files_by_split, read_text

NAME = "chemprot_tsv_v1"
OPTIONS = {"relations"}
FAMILY = "kb"
ROLES = ("abstracts", "entities", "gold_standard", "relations")


def _role(file: InputFile, source: str) -> str:
    base = file.name.rsplit("/", 1)[-1]
    for role in ROLES:
        if f"_{role}" in base and base.endswith(".tsv"):
            return role
    raise SourceError(source, f"not a ChemProt file: the name should contain one of {['_' + r for r in ROLES]}",
                      file.name)


def _rows(file: InputFile, source: str, widths: tuple[int, ...], layout: str):
    """(line number, fields) of a TSV whose lines must have one of `widths` fields."""
    for number, line in enumerate(read_text(file, source).splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) not in widths:
            raise SourceError(source, f"expected `{layout}`, got {len(fields)} field(s): {line[:60]!r}", file.name, number)
        yield number, fields  # not stripped: offsets count every character of the title and abstract


def _documents(file: InputFile, source: str) -> dict[str, dict]:
    docs = {}
    for number, (pmid, title, abstract) in _rows(file, source, (3,), "PMID title abstract"):
        if pmid in docs:
            raise SourceError(source, f"abstract {pmid} repeats (first on line {docs[pmid]['source_line']})",
                              file.name, number)
        n = len(title)
        docs[pmid] = {
            "id": f"{file.name}:{pmid}",
            "document_id": pmid,
            "split": file.split,
            "source_file": file.name,
            "source_line": number,
            "passages": [
                {"id": f"{pmid}-title", "type": "title", "text": [title], "offsets": [[0, n]]},
                {"id": f"{pmid}-abstract", "type": "abstract", "text": [abstract],
                 "offsets": [[n + 1, n + 1 + len(abstract)]]},
            ],
            **empty_kb_lists(),
        }
    return docs


def _entities(file: InputFile, source: str, docs: dict[str, dict]) -> None:
    for number, (pmid, tid, etype, start, end, text) in _rows(file, source, (6,), "PMID T# type start end text"):
        if pmid not in docs:
            raise SourceError(source, f"entity of document {pmid}, which has no abstract", file.name, number)
        if not (start.isdigit() and end.isdigit()):
            raise SourceError(source, f"offsets must be integers, got {start!r} {end!r}", file.name, number)
        entities = docs[pmid]["entities"]
        if any(e["id"] == f"{pmid}-{tid}" for e in entities):
            raise SourceError(source, f"entity {tid} repeats in document {pmid}", file.name, number)
        entities.append({"id": f"{pmid}-{tid}", "type": etype, "text": [text],
                         "offsets": [[int(start), int(end)]], "normalized": []})


def _relations(file: InputFile, source: str, docs: dict[str, dict], gold: bool) -> None:
    width, layout = (4, "PMID CPR Arg1:T# Arg2:T#") if gold else (6, "PMID CPR Y/N label Arg1:T# Arg2:T#")
    for number, fields in _rows(file, source, (width,), layout):
        pmid, group, arg1, arg2 = (f.strip() for f in (fields[0], fields[1], fields[-2], fields[-1]))
        if pmid not in docs:
            raise SourceError(source, f"relation of document {pmid}, which has no abstract", file.name, number)
        ids = {e["id"] for e in docs[pmid]["entities"]}
        args = []
        for prefix, arg in (("Arg1:", arg1), ("Arg2:", arg2)):
            ref = f"{pmid}-{arg.removeprefix(prefix)}"
            if not arg.startswith(prefix) or ref not in ids:
                raise SourceError(source, f"{arg!r} is not `{prefix}T#` naming an entity of document {pmid}",
                                  file.name, number)
            args.append(ref)
        relations = docs[pmid]["relations"]
        relations.append({"id": f"{pmid}-r{len(relations)}", "type": group, "arg1_id": args[0],
                          "arg2_id": args[1], "normalized": []})


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `relations`, `gold_standard` (default) or `all`. Files are matched by name within a split."""
    mode = options.get("relations", "gold_standard")
    if mode not in ("gold_standard", "all"):
        raise SourceError(source, f"option relations must be 'gold_standard' or 'all', got {mode!r}")
    relation_role = "gold_standard" if mode == "gold_standard" else "relations"
    by_split = files_by_split(files, source, _role)
    rows = []
    for split, found in by_split.items():
        for role in ("abstracts", "entities", relation_role):
            if role not in found:
                raise SourceError(source, f"split {split!r} has no *_{role}* file", next(iter(found.values())).name)
        docs = _documents(found["abstracts"], source)
        _entities(found["entities"], source, docs)
        _relations(found[relation_role], source, docs, gold=mode == "gold_standard")
        rows += docs.values()
    return family_frame(rows, FAMILY)
