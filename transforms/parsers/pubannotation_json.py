"""PubAnnotation JSON: a document (or one section of it) per object, in declared files or folders of `.json`.

An object holds `text`, `denotations` ({id, span: {begin, end}, obj}: a mention and its type),
`relations` ({id, pred, subj, obj}) and `modifications`. The format has no event record: an event
is a denotation (its trigger) that a role relation points at, e.g. `themeOf` from a protein. So
relations whose predicate `roles` maps to a role become arguments of their object, which is then an
event; relations whose predicate `coreference` lists link mentions into coreference chains (the
connected groups of mentions, so a plural anaphor bound to several antecedents joins them in one
chain); any other relation stays a relation (subj -> obj). A denotation repeated with the same id
and span is one mention with several labels, joined by `|`. Modifications (negation, speculation)
are ignored: the kb schema has no place for them. Each line of `text` is a passage, as in brat_v1.
"""

import json
import re
from pathlib import Path

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, read_json, read_text
from transforms.parsers.brat import line_passages

NAME = "pubannotation_json_v1"
OPTIONS = {"roles": dict[str, str], "coreference": list[str]}
FAMILY = "kb"


def _line_of(raw: str, ident) -> int:
    """The line where an annotation's id is written (1 for the one-line files PubAnnotation exports)."""
    found = re.search(r'"id"\s*:\s*' + re.escape(json.dumps(ident)), raw)
    return raw.count("\n", 0, found.start()) + 1 if found else 1


class _Reader:
    def __init__(self, source: str, name: str, raw: str):
        self.source, self.name, self.raw = source, name, raw

    def fail(self, message: str, ident=None):
        raise SourceError(self.source, message, self.name, _line_of(self.raw, ident) if ident is not None else 1)

    def mention(self, d: dict, text: str, prefix: str) -> dict:
        spans = d.get("span")
        spans = spans if isinstance(spans, list) else [spans]
        if not isinstance(d.get("id"), str) or not isinstance(d.get("obj"), str):
            self.fail(f"a denotation needs a string `id` and `obj`, got {str(d)[:80]}", d.get("id"))
        offsets = []
        for s in spans:
            if not (isinstance(s, dict) and isinstance(s.get("begin"), int) and isinstance(s.get("end"), int)):
                self.fail(f"denotation {d['id']} needs a span {{begin, end}}", d["id"])
            if not 0 <= s["begin"] <= s["end"] <= len(text):
                self.fail(f"denotation {d['id']} spans {s['begin']}-{s['end']}, outside the text", d["id"])
            offsets.append([s["begin"], s["end"]])
        return {"id": f"{prefix}_{d['id']}", "type": d["obj"], "text": [text[s:e] for s, e in offsets],
                "offsets": offsets}

    def document(self, doc, stem: str, index: int, split, roles: dict, coreference: set) -> dict:
        if not isinstance(doc, dict) or not isinstance(doc.get("text"), str):
            self.fail("expected an object with a `text` string")
        raw_text = doc["text"]
        flat = raw_text.rstrip("\n").replace("\n", " ")  # the passages joined by spaces
        if doc.get("sourceid") is not None:
            doc_id = f"{doc.get('sourcedb', '')}:{doc['sourceid']}" + (f"-{doc['divid']}" if "divid" in doc else "")
        else:
            doc_id = stem if index == 0 else f"{stem}-{index}"
        prefix = doc_id
        mentions = {}
        for d in doc.get("denotations", []):
            m = self.mention(d if isinstance(d, dict) else {}, flat, prefix)
            seen = mentions.get(d["id"])
            if seen and seen["offsets"] != m["offsets"]:
                self.fail(f"denotation id {d['id']} repeats with another span", d["id"])
            # PubAnnotation gives a mention several labels by repeating it: `Anaphor|Antecedent`.
            mentions[d["id"]] = {**m, "type": f"{seen['type']}|{m['type']}"} if seen else m
        arguments, links, relations = {}, [], []
        for r in doc.get("relations", []):
            if not isinstance(r, dict) or not all(isinstance(r.get(k), str) for k in ("pred", "subj", "obj")):
                self.fail(f"a relation needs string `pred`, `subj` and `obj`, got {str(r)[:80]}", r.get("id") if isinstance(r, dict) else None)
            for end in ("subj", "obj"):
                if r[end] not in mentions:
                    self.fail(f"relation {r.get('id')} names {r[end]}, which is not a denotation", r.get("id"))
            if r["pred"] in roles:
                arguments.setdefault(r["obj"], []).append({"role": roles[r["pred"]], "ref_id": f"{prefix}_{r['subj']}"})
            elif r["pred"] in coreference:
                links.append((r["subj"], r["obj"]))
            else:
                relations.append({"id": f"{prefix}_{r.get('id', len(relations))}", "type": r["pred"],
                                  "arg1_id": f"{prefix}_{r['subj']}", "arg2_id": f"{prefix}_{r['obj']}", "normalized": []})
        events = [{"id": m["id"], "type": m["type"], "trigger": {"text": m["text"], "offsets": m["offsets"]},
                   "arguments": arguments[k]} for k, m in mentions.items() if k in arguments]
        entities = [{**m, "normalized": []} for k, m in mentions.items() if k not in arguments]
        rid = f"{self.name}" if index == 0 else f"{self.name}#{index}"
        return {"id": rid, "document_id": doc_id, "split": split, "source_file": self.name, "source_line": 1,
                "passages": line_passages(raw_text, rid), "entities": entities, "events": events,
                "coreferences": _chains(links, mentions, prefix), "relations": relations}


def _chains(links: list[tuple[str, str]], mentions: dict, prefix: str) -> list[dict]:
    """Connected groups of linked mentions, each in text order; chains in order of their first mention."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for a, b in links:
        parent[root(a)] = root(b)
    groups: dict[str, list[str]] = {}
    for x in parent:
        groups.setdefault(root(x), []).append(x)
    ordered = sorted((sorted(g, key=lambda k: mentions[k]["offsets"][0]) for g in groups.values()),
                     key=lambda g: mentions[g[0]]["offsets"][0])
    return [{"id": f"{prefix}_C{n}", "entity_ids": [mentions[k]["id"] for k in g]} for n, g in enumerate(ordered, 1)]


def _files(file: InputFile) -> list[tuple[Path, str]]:
    if file.path.is_dir():
        return [(p, f"{file.name}/{p.name}") for p in sorted(file.path.glob("*.json"))]
    return [(file.path, file.name)]


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `roles` (relation predicate -> event role; default themeOf: Theme, causeOf: Cause),
    `coreference` (predicates that link coreferent mentions, e.g. boundBy, equivalentTo)."""
    roles = options.get("roles", {"themeOf": "Theme", "causeOf": "Cause"})
    coreference = set(options.get("coreference", []))
    rows = []
    for file in files:
        for path, name in _files(file):
            raw = read_text(file, source, path)
            data = read_json(file, source, path, name, text=raw)
            reader = _Reader(source, name, raw)
            docs = data if isinstance(data, list) else [data]
            rows.extend(reader.document(d, path.stem, i, file.split, roles, coreference) for i, d in enumerate(docs))
    return family_frame(rows, FAMILY)
