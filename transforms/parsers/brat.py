"""BRAT / BioNLP-ST standoff: in a declared folder or archive (zip, tar), each document's `.txt` beside
its `.ann`, or beside its `.a1` (given entities) and `.a2` or `.rel` (gold annotation) when it has them.

Read: `T#` text-bound annotations (`Type start end[;start end]`, then the text), `R#` relations
(`Type Arg1:ID Arg2:ID`), `E#` events (`Type:T#` names the trigger; a bare `Type`, as in SeeDev, has
none; then `Role:ID` arguments), `*` equivalences (`Equiv T1 T2 ...`, read as a coreference chain as
BigBio does; another `*` type is not a coreference and is not read) and `N#` normalisations.
Attributes, modifiers and notes (`A#`, `M#`, `#`) are ignored.
A `T#` used as a trigger is part of its event, not an entity. Each line of the `.txt` is a passage,
so the passages joined by single spaces are the text with its newlines read as spaces (and a carriage
return, which brat's offsets count, as a space too).
Where a release keeps its texts elsewhere, `texts_tsv` names a declared file of `id<TAB>text` lines (one
document a line, offsets into the text after the tab) and `annotations` a declared folder or archive
holding each document's `<id>.ann` (or `.a1`/`.a2`/`.rel`), at the same path as its text when texts are files.
"""

import re
from contextlib import nullcontext

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, Tree, family_frame, pick, text_lines

NAME = "brat_v1"
OPTIONS = {"sentences": bool, "events_as_relations": list[str], "texts_tsv": str, "annotations": str,
           "multiline_text": bool, "read_from_offsets": list[str], "ignore": list[str], "drop_trigger_relations": bool,
           "document_splits": dict[str, list[str]], "agreed_with": str}
FAMILY = "kb"
_SPANS = re.compile(r"^\d+ \d+(;\d+ \d+)*$")
_ANNOTATION_LINE = re.compile(r"^\S+\t")  # an id, then a tab
# A sentence ends at . ? or ! (and closing brackets or quotes) before a space and a capital, digit or bracket.
_END = re.compile(r"[.!?][)\]\"']*(\s+)(?=[A-Z0-9(\[])")
_ABBREVIATIONS = {"e.g.", "i.e.", "vs.", "al.", "Fig.", "Figs.", "approx.", "ca.", "cf.", "Dr.", "No.", "no.", "St."}


def line_passages(text: str, prefix: str) -> list[dict]:
    """One passage per line (trailing newlines dropped): joined by single spaces they keep every offset."""
    passages, pos = [], 0
    for i, line in enumerate(text.rstrip("\n").split("\n")):
        passages.append({"id": f"{prefix}-p{i}", "type": "paragraph", "text": [line], "offsets": [[pos, pos + len(line)]]})
        pos += len(line) + 1
    return passages


def _fragments(flat: str, spans: list[list[int]], written: str) -> list[str]:
    """Fragment texts: the document's, when they are what the annotation wrote (up to whitespace);
    else the annotation's own, cut by fragment length, so that the offset check quarantines the record."""
    own = [flat[s:e] for s, e in spans]
    if " ".join(" ".join(own).split()) == " ".join(written.split()):
        return own
    parts, i = [], 0
    for s, e in spans:
        parts.append(written[i : i + e - s])
        i += e - s + 1
    return parts


def _continued(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Option `multiline_text`: brat writes a mention's text as it is, so the text of a mention across a line
    break goes on over the next lines, which have no `ID<TAB>`; they are joined to their `T#` line."""
    joined: list[tuple[int, str]] = []
    for number, line in lines:
        if joined and joined[-1][1].startswith("T") and line.strip() and not _ANNOTATION_LINE.match(line):
            joined[-1] = (joined[-1][0], f"{joined[-1][1]}\n{line}")
        else:
            joined.append((number, line))
    return joined


class _Doc:
    """The annotations of one document, read line by line from its annotation files."""

    def __init__(self, stem: str, flat: str, source: str, relations: bool, options: dict | None = None):
        self.stem, self.flat, self.source, self.as_relations = stem, flat, source, relations
        options = options or {}
        self.multiline, self.ignored = options.get("multiline_text", False), set(options.get("ignore", []))
        self.from_offsets = set(options.get("read_from_offsets", []))
        self.drop_trigger_relations = options.get("drop_trigger_relations", False)
        self.spans: dict[str, dict] = {}
        self.events, self.relations, self.corefs, self.norms, self.triggers = [], [], [], [], set()
        self.seen: set[str] = set()

    def ref(self, ident: str) -> str:
        return f"{self.stem}_{ident}"

    def read(self, text: str, where: str) -> None:
        lines = [(number, raw.rstrip("\r")) for number, raw in enumerate(text.split("\n"), start=1)]
        for number, line in _continued(lines) if self.multiline else lines:
            if line.strip():
                self._line(line, where, number)

    def _fail(self, message: str, where: str, number: int):
        raise SourceError(self.source, message, where, number)

    def _line(self, line: str, where: str, number: int) -> None:
        fields = line.split("\t")
        ident, kind = fields[0], fields[0][:1]
        if kind in ("A", "M", "#") or kind in self.ignored:
            return
        if len(fields) < 2 or not fields[1].strip():
            self._fail(f"expected `ID<TAB>annotation`, got {line[:80]!r}", where, number)
        if kind != "*":
            if ident in self.seen:
                self._fail(f"annotation id {ident} repeats", where, number)
            self.seen.add(ident)
        words = fields[1].split()
        if kind == "T":
            etype, _, spans = fields[1].partition(" ")
            if len(fields) < 3 or not _SPANS.match(spans.strip()):
                self._fail(f"expected `T# Type start end[;start end]<TAB>text`, got {line[:80]!r}", where, number)
            offsets = [[int(n) for n in part.split()] for part in spans.strip().split(";")]
            if any(start > end for start, end in offsets):
                self._fail(f"a span ends before it starts: {line[:80]!r}", where, number)
            text = _fragments(self.flat, offsets, fields[2])
            if f"{self.stem}:{ident}" in self.from_offsets:  # a known slip of the written text: the offsets win
                text = [self.flat[s:e] for s, e in offsets]
            self.spans[ident] = {"id": self.ref(ident), "type": etype, "text": text, "offsets": offsets}
        elif kind in ("R", "E"):
            head, args = words[0], words[1:]
            if any(a.count(":") != 1 or a.startswith(":") or a.endswith(":") for a in args) or head.count(":") > 1:
                self._fail(f"expected `Role:ID` arguments, got {line[:80]!r}", where, number)
            args = [tuple(a.split(":")) for a in args]
            etype, _, trigger = head.partition(":")
            if kind == "R" or self.as_relations:
                if len(args) != 2 or trigger:
                    self._fail(f"a relation needs a type and exactly two arguments, got {line[:80]!r}", where, number)
                self.relations.append({"id": self.ref(ident), "type": etype, "arg1_id": self.ref(args[0][1]),
                                       "arg2_id": self.ref(args[1][1]), "normalized": []})
            else:
                self.events.append((ident, etype, trigger, args, where, number))
                self.triggers.add(trigger)
        elif kind == "*":
            if words[0] == "Equiv":
                self.corefs.append([self.ref(i) for i in words[1:]])
        elif kind == "N":
            # BioNLP-OST Bacteria Biotope writes `N# <DB> Annotation:T# Referent:<ID>`.
            if len(words) == 3 and words[1].startswith("Annotation:") and words[2].startswith("Referent:"):
                words = [words[0], words[1].removeprefix("Annotation:"),
                         f"{words[0]}:{words[2].removeprefix('Referent:')}"]
            if len(words) != 3 or ":" not in words[2]:
                self._fail(f"expected `N# Type T# DB:ID`, got {line[:80]!r}", where, number)
            self.norms.append((words[1], *words[2].split(":", 1), where, number))
        else:
            self._fail(f"not a BRAT annotation line: {line[:80]!r}", where, number)

    def layers(self) -> dict:
        entities = {i: {**t, "normalized": []} for i, t in self.spans.items() if i not in self.triggers}
        for target, db, ident, where, number in self.norms:
            if target not in entities:
                self._fail(f"normalisation of {target}, which is not an entity", where, number)
            entities[target]["normalized"].append({"db_name": db, "db_id": ident})
        events = []
        for ident, etype, trigger, args, where, number in self.events:
            if trigger and trigger not in self.spans:
                self._fail(f"event {ident} names trigger {trigger}, which is not a text-bound annotation", where, number)
            span = self.spans.get(trigger, {"text": [], "offsets": []})
            events.append({"id": self.ref(ident), "type": etype,
                           "trigger": {"text": span["text"], "offsets": span["offsets"]},
                           "arguments": [{"role": role, "ref_id": self.ref(ref)} for role, ref in args]})
        known = {e["id"] for e in entities.values()}
        # BigBio's rule: an equivalence naming anything but entities (a trigger, say) is no coreference.
        chains = [c for c in self.corefs if set(c) <= known]
        coreferences = [{"id": self.ref(f"*{n}"), "entity_ids": c} for n, c in enumerate(chains, start=1)]
        relations = self.relations
        if self.drop_trigger_relations:  # BigBio's KB rule: a relation naming a trigger (no entity) is left out
            on_triggers = {self.ref(t) for t in self.triggers}
            relations = [r for r in relations if not {r["arg1_id"], r["arg2_id"]} & on_triggers]
        return {"entities": list(entities.values()), "events": events, "coreferences": coreferences,
                "relations": relations}


def _sentences(raw: str, entities: list[dict]) -> list[tuple[int, int]]:
    """Sentence spans: each line, cut after sentence-final punctuation unless inside a mention or after an abbreviation."""
    inside = set()
    for e in entities:
        inside.update(range(e["offsets"][0][0], e["offsets"][-1][1]))
    spans = []
    for line in re.finditer(r"[^\n]+", raw):
        cur = line.start()
        for m in _END.finditer(raw, line.start(), line.end()):
            words = raw[cur : m.start(1)].split()
            if inside.intersection(range(m.start(), m.end())) or (words and words[-1] in _ABBREVIATIONS):
                continue
            spans.append((cur, m.start(1)))
            cur = m.end()
        spans.append((cur, line.end()))
    trimmed = [(s + len(raw[s:e]) - len(raw[s:e].lstrip()), e - len(raw[s:e]) + len(raw[s:e].rstrip())) for s, e in spans]
    return [(s, e) for s, e in trimmed if e > s]


def _record(rid: str, doc_id: str, split, name: str, line: int, passages: list[dict], layers: dict) -> dict:
    return {"id": rid, "document_id": doc_id, "split": split, "source_file": name, "source_line": line,
            "passages": passages, **layers}


def _split(doc: _Doc, raw: str, layers: dict, file: InputFile, name: str, where: str) -> list[dict]:
    """One record per sentence, its mentions shifted to the sentence's offsets (entity-only documents)."""
    if layers["events"] or layers["relations"] or doc.corefs:
        raise SourceError(doc.source, "`sentences` needs a document with text-bound annotations only", where)
    records = []
    for k, (start, end) in enumerate(_sentences(raw, layers["entities"])):
        rid = f"{file.name}/{doc.stem}:{k}"
        mine = [e for e in layers["entities"] if start <= e["offsets"][0][0] < end]
        shifted = [{**e, "offsets": [[s - start, t - start] for s, t in e["offsets"]]} for e in mine]
        text = doc.flat[start:end]
        passage = {"id": f"{rid}-s", "type": "sentence", "text": [text], "offsets": [[0, len(text)]]}
        records.append(_record(rid, f"{doc.stem}_{k}", file.split, name, raw.count("\n", 0, start) + 1, [passage],
                               {"entities": shifted, "events": [], "coreferences": [], "relations": []}))
    return records


def _overlaps(a: list[list[int]], b: list[list[int]]) -> bool:
    """BigBio's test of PDR's annotators (pdr.py `_overlaps`, kept as it is): a fragment of `a` starts or ends
    within a fragment of `b`, both ends included (so `a` strictly containing `b` is no overlap)."""
    return any(s2 <= s1 <= e2 or s2 <= e1 <= e2 for s1, e1 in a for s2, e2 in b)


def _agreed(stem: str, one: dict, two: dict) -> dict:
    """Option `agreed_with`: what two annotators' layers agree on, as BigBio's KB view of PDR merges them.
    Entities: for each of `one`'s, the first of `two`'s of its type that overlaps, as the longer of the two;
    relations of one type between agreed entities; events of one type with agreed Theme and Cause and
    overlapping triggers (the longer trigger, `one`'s on a tie); equivalences naming the same agreed entities."""
    entities, first, second = [], {}, {}
    for e1 in one["entities"]:
        for e2 in two["entities"]:
            if e1["type"] == e2["type"] and _overlaps(e1["offsets"], e2["offsets"]):
                ident = f"{stem}_E{len(entities) + 1}"
                longer = e1 if len("".join(e1["text"])) > len("".join(e2["text"])) else e2
                entities.append({**longer, "id": ident, "normalized": []})
                first[e1["id"]], second[e2["id"]] = ident, ident
                break
    theirs = {(r["type"], second.get(r["arg1_id"]), second.get(r["arg2_id"])) for r in two["relations"]}
    pairs = [(r["type"], first.get(r["arg1_id"]), first.get(r["arg2_id"])) for r in one["relations"]]
    relations = [{"id": f"{stem}_R{n}", "type": t, "arg1_id": a, "arg2_id": b, "normalized": []}
                 for n, (t, a, b) in enumerate((k for k in pairs if None not in k and k in theirs), start=1)]

    def argument(event: dict, role: str, agreed: dict) -> str | None:
        return agreed.get(next((a["ref_id"] for a in event["arguments"] if a["role"] == role), None))

    events = []
    for ev1 in one["events"]:
        theme, cause = argument(ev1, "Theme", first), argument(ev1, "Cause", first)
        for ev2 in two["events"] if theme and cause else []:
            if (ev2["type"] == ev1["type"] and (argument(ev2, "Theme", second), argument(ev2, "Cause", second))
                    == (theme, cause) and _overlaps(ev1["trigger"]["offsets"], ev2["trigger"]["offsets"])):
                t1, t2 = ev1["trigger"], ev2["trigger"]
                events.append({"id": f"{stem}_T{len(events) + 1}", "type": ev1["type"],
                               "trigger": t1 if len("".join(t1["text"])) >= len("".join(t2["text"])) else t2,
                               "arguments": [{"role": "Theme", "ref_id": theme}, {"role": "Cause", "ref_id": cause}]})
                break

    def chains(layers: dict, agreed: dict) -> list[set]:
        found = ({agreed[i] for i in c["entity_ids"] if i in agreed} for c in layers["coreferences"])
        return [c for c in found if len(c) > 1]

    agreed_chains = [sorted(c1) for c1 in chains(one, first) for c2 in chains(two, second) if c1 == c2]
    return {"entities": entities, "events": events, "relations": relations,
            "coreferences": [{"id": f"{stem}_CO{n}", "entity_ids": c} for n, c in enumerate(agreed_chains, start=1)]}


def _annotation_names(tree: Tree, stem: str) -> list[str]:
    """A document's annotation members: `.ann`, else `.a1` and then `.a2` or `.rel`, as many as exist."""
    if f"{stem}.ann" in tree:
        return [f"{stem}.ann"]
    return [f"{stem}.{ext}" for ext in ("a1", "a2", "rel") if f"{stem}.{ext}" in tree]


def _tsv_records(files: list[InputFile], options: dict, source: str) -> list[dict]:
    """Option `texts_tsv`: one document per `id<TAB>text` line of that file, annotated in `annotations`."""
    texts = pick(files, source, options["texts_tsv"])
    if not options.get("annotations"):
        raise SourceError(source, "`texts_tsv` needs `annotations`, the declared folder of the annotation files")
    if options.get("sentences"):
        raise SourceError(source, "`sentences` is for texts in files, not with `texts_tsv`")
    records, seen = [], set()
    with Tree(pick(files, source, options["annotations"]), source) as tree:
        for number, line in enumerate(text_lines(texts, source, only_newline=True), start=1):
            if not line.strip():
                continue
            stem, tab, raw = line.removesuffix("\r").partition("\t")
            if not tab or not stem.strip():
                raise SourceError(source, f"expected `id<TAB>text`, got {line[:80]!r}", texts.name, number)
            names = _annotation_names(tree, stem)
            if not names:
                raise SourceError(source, f"no {stem}.ann (or .a1/.a2/.rel) in {tree.file.name}", texts.name, number)
            seen.add(stem)
            doc = _Doc(stem, raw.replace("\r", " "), source, tree.file.name in options.get("events_as_relations", []),
                       options)
            for ann in names:
                doc.read(tree.read_text(ann), tree.where(ann))
            rid = f"{texts.name}/{stem}"
            records.append(_record(rid, stem, texts.split, texts.name, number, line_passages(doc.flat, rid),
                                   doc.layers()))
        # An annotation file without its text would be lost without a word.
        for name in tree.names:
            if name.rpartition(".")[2] in ("ann", "a1", "a2", "rel") and name.rpartition(".")[0] not in seen:
                raise SourceError(source, f"an annotation file whose document is not in {texts.name}", tree.where(name))
    return records


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `sentences` (one record per sentence, for entity-only corpora), `events_as_relations`
    (declared folders whose trigger-less two-argument events are read as relations, as SeeDev-binary's),
    `texts_tsv` and `annotations` (where texts and annotations are, see above), `multiline_text` (see
    `_continued`), `read_from_offsets` (mentions `<document>:<T#>` whose written text is a known slip: their
    text is read from their offsets rather than quarantined) and `ignore` (annotation kinds not read, e.g.
    `[E]` for a release whose stray `E#` lines are no events), `drop_trigger_relations` (a relation naming
    an event's trigger `T#`, no entity, is left out, as BigBio's KB view does; else its record fails the id check),
    `document_splits` (split name -> document ids, the file stems: for a release that ships its documents in one
    folder and names each split's documents elsewhere, as CellFinder's paper does; a named document that is not in
    the release is an error), `agreed_with` (the extension of a second annotator's file beside each `.ann`, e.g.
    `ann2` for PDR: a record keeps only what both annotators agree on, see `_agreed`)."""
    if options.get("texts_tsv"):
        return family_frame(_tsv_records(files, options, source), FAMILY)
    as_relations = set(options.get("events_as_relations", []))
    notes = pick(files, source, options["annotations"]) if options.get("annotations") else None
    rows, seen = [], set()
    by_doc = {doc: split for split, docs in options.get("document_splits", {}).items() for doc in docs}
    for file in (f for f in files if f is not notes):
        with Tree(file, source) as tree, (Tree(notes, source) if notes else nullcontext(tree)) as held:
            for name in (n for n in tree.names if n.endswith(".txt")):
                path_stem = name.removesuffix(".txt")
                stem = path_stem.rsplit("/", 1)[-1]
                raw = tree.read_text(name).replace("\r", " ")
                annotations = _annotation_names(held, path_stem)
                if not annotations:
                    where = f"in {notes.name}" if notes else "beside the text"
                    raise SourceError(source, f"no {stem}.ann (or .a1/.a2/.rel) {where}", tree.where(name))
                doc = _Doc(stem, raw.rstrip("\n").replace("\n", " "), source, file.name in as_relations, options)
                for ann in annotations:
                    doc.read(held.read_text(ann), held.where(ann))
                layers, first = doc.layers(), len(rows)
                if options.get("agreed_with"):
                    other = f"{path_stem}.{options['agreed_with']}"
                    if other not in held:
                        raise SourceError(source, f"no second annotation {other.rsplit('/', 1)[-1]}", tree.where(name))
                    second = _Doc(stem, doc.flat, source, False, options)
                    second.read(held.read_text(other), held.where(other))
                    layers = _agreed(stem, layers, second.layers())
                if options.get("sentences"):
                    rows.extend(_split(doc, raw, layers, file, tree.where(name), held.where(annotations[-1])))
                else:
                    rid = f"{file.name}/{path_stem}"
                    rows.append(_record(rid, stem, file.split, tree.where(name), 1, line_passages(raw, rid), layers))
                seen.add(stem)
                for row in rows[first:]:
                    row["split"] = by_doc.get(stem, row["split"])
    if set(by_doc) - seen:
        raise SourceError(source, f"document_splits names documents not in the release: {sorted(set(by_doc) - seen)}",
                          next((f.name for f in files if f is not notes), None))
    return family_frame(rows, FAMILY)
