"""Per-token label files beside token files (EBM-NLP 2.00), read from the release's archive (or folder):
`<documents>/<PMID>.tokens` holds a document's tokens, one a line (or space-separated on one line), and, for each
facet (participants, interventions, outcomes), `<labels>/<facet>/<split folder>/<PMID>.AGGREGATED.ann` one label
number a token (0: none).

A run of tokens with the same non-zero label is one mention, typed by the `types` option (facet -> label
number -> type name). The text is the tokens joined by single spaces.
"""

import re

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, Tree, family_frame, sentence_record

NAME = "token_labels_v1"
OPTIONS = {"documents": str, "labels": str, "splits": dict[str, str], "types": dict[str, dict[str, str]]}
FAMILY = "kb"
_LABEL = re.compile(r"[^\s,]+")  # one a line in 2.00; the README also speaks of space- or comma-separated lists


def _documents(tree: Tree, labels: str, facets, folder: str) -> dict[str, dict[str, str]]:
    """PMID -> facet -> its label file, for the label files directly in `<labels>/<facet>/<folder>/`."""
    found: dict[str, dict[str, str]] = {}
    for facet in facets:
        prefix = f"{labels}/{facet}/{folder}/"
        for name in tree.names:
            rest = name[len(prefix):]
            if name.startswith(prefix) and "/" not in rest and rest.endswith(".ann"):
                found.setdefault(re.split(r"[._]", rest, maxsplit=1)[0], {})[facet] = name
    return found


def _canonical(label: str) -> str:
    """A label number as the `types` option writes it: a few files write 0 as 00."""
    return label.lstrip("0") or "0" if label.isascii() and label.isdigit() else label


def _mentions(tree: Tree, name: str, data: bytes, decode: dict[str, str], offsets: list, source: str) -> list[tuple]:
    """(start, end, type) of each run of one non-zero label in a label file."""
    text = tree.read_text(name, data)
    labels = [(_canonical(m.group()), text.count("\n", 0, m.start()) + 1) for m in _LABEL.finditer(text)]
    if len(labels) > len(offsets):
        raise SourceError(source, f"{len(labels)} labels for {len(offsets)} tokens", tree.where(name),
                          labels[len(offsets)][1])
    runs, previous = [], "0"
    for i, (label, line) in enumerate(labels):
        if label != "0" and label not in decode:
            raise SourceError(source, f"label {label!r} is not one of {sorted(decode)} (or 0)", tree.where(name), line)
        if label != "0" and label == previous:
            runs[-1][1] = offsets[i][1]
        elif label != "0":
            runs.append([offsets[i][0], offsets[i][1], decode[label]])
        previous = label
    return [tuple(r) for r in runs if r[1] > r[0]]


def _record(file: InputFile, tree: Tree, split: str, pmid: str, by_facet: dict, data: dict, options: dict,
            source: str) -> dict:
    tokens_name = f"{options['documents'].strip('/')}/{pmid}.tokens"
    text = tree.read_text(tokens_name, data[tokens_name])
    lines = text.splitlines()
    tokens = lines if len(lines) > 1 else text.split()  # one a line in 2.00; the README speaks of spaces
    offsets, pos = [], 0
    for token in tokens:
        offsets.append((pos, pos + len(token)))
        pos += len(token) + 1
    text = " ".join(tokens)
    found = sorted(m for facet, name in by_facet.items()
                   for m in _mentions(tree, name, data[name], options["types"][facet], offsets, source))
    sid = f"{split}/{pmid}"
    entities = [{"id": f"{file.name}:{sid}-e{j}", "type": t, "text": [text[a:b]], "offsets": [[a, b]], "normalized": []}
                for j, (a, b, t) in enumerate(found)]
    record = sentence_record(file.name, sid, split, None, text, entities)
    record.update(document_id=pmid, source_file=tree.where(tokens_name))
    record["passages"][0]["type"] = "abstract"
    return record


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `documents` and `labels` (folders inside the archive), `splits` (split name -> its folder under
    each facet, e.g. test: test/gold), `types` (facet -> label number -> type)."""
    documents, labels = options["documents"].strip("/"), options["labels"].strip("/")
    rows = []
    for file in files:
        with Tree(file, source) as tree:
            found = {split: _documents(tree, labels, options["types"], folder.strip("/"))
                     for split, folder in options["splits"].items()}
            needed = set()
            for docs in found.values():
                for pmid, by_facet in docs.items():
                    if f"{documents}/{pmid}.tokens" not in tree:
                        raise SourceError(source, f"no {documents}/{pmid}.tokens for this label file",
                                          tree.where(next(iter(by_facet.values()))))
                    needed.update([f"{documents}/{pmid}.tokens", *by_facet.values()])
            data = dict(tree.read_all(needed))  # one pass through the archive
            for split, docs in found.items():
                rows.extend(_record(file, tree, split, pmid, by_facet, data, options, source)
                            for pmid, by_facet in sorted(docs.items()))
    return family_frame(rows, FAMILY)
