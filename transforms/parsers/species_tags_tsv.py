"""Standoff species mentions: one TSV of tags beside a folder of document texts (the LINNAEUS release).

In a declared folder or archive (zip, tar.gz): `tags` names the TSV (a header row, then one mention a row:
`<type>:<db>:<id>` e.g. species:ncbi:9606, the document, start, end, the mention's text, a comment) and
`texts` the folder of `<document>.txt` files its offsets index. One kb record per document that has tags
(as BigBio's), its text one passage; each mention an entity of its type, normalised to <db>/<id>.
"""

import csv
import io

import polars as pl

from schemas.errors import SourceError
from schemas.families import empty_kb_lists
from transforms.parsers._common import InputFile, Tree, family_frame, fragment_texts

NAME = "species_tags_tsv_v1"
OPTIONS = {"tags": str, "texts": str}
FAMILY = "kb"


def _tags(tree: Tree, name: str, source: str) -> dict[str, list[tuple[int, list[str]]]]:
    """(line, fields) of each tag row, by document, in file order."""
    if name not in tree:
        raise SourceError(source, f"no tags file {name!r}", tree.file.name)
    by_doc: dict[str, list[tuple[int, list[str]]]] = {}
    reader = csv.reader(io.StringIO(tree.read_text(name), newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    try:
        for row in reader:
            line = reader.line_num
            if line == 1 or not any(f.strip() for f in row):
                continue  # the header
            if len(row) < 5:
                raise SourceError(source, f"expected 6 tab-separated fields, got {len(row)}", tree.where(name), line)
            by_doc.setdefault(row[1].strip(), []).append((line, row))
    except csv.Error as e:
        raise SourceError(source, f"not valid TSV: {e}", tree.where(name), reader.line_num) from None
    return by_doc


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `tags` (the TSV's path inside the declared folder or archive, default
    manual-corpus-species-1.0/tags.tsv) and `texts` (the folder of texts, default manual-corpus-species-1.0/txt)."""
    tags_name = options.get("tags", "manual-corpus-species-1.0/tags.tsv")
    texts = options.get("texts", "manual-corpus-species-1.0/txt").strip("/")
    rows = []
    for file in files:
        with Tree(file, source) as tree:
            for doc, tags in _tags(tree, tags_name, source).items():
                member = f"{texts}/{doc}.txt"
                if member not in tree:
                    raise SourceError(source, f"document {doc!r} has no text {member!r}", tree.where(tags_name),
                                      tags[0][0])
                text = tree.read_text(member).rstrip()  # the file's final line end is no part of the text
                entities = []
                for n, (line, row) in enumerate(tags):
                    kind, db, ident = (row[0].strip().split(":", 2) + ["", ""])[:3]
                    start, end = row[2].strip(), row[3].strip()
                    if not (kind and db and ident) or not (start.isdigit() and end.isdigit()):
                        raise SourceError(source, f"expected `type:db:id` and numeric offsets, got {row[:4]!r}",
                                          tree.where(tags_name), line)
                    if not int(start) < int(end) <= len(text):
                        raise SourceError(source, f"span {start}-{end} is not within {doc}'s text",
                                          tree.where(tags_name), line)
                    spans = [[int(start), int(end)]]
                    entities.append({"id": f"{doc}-T{n}", "type": kind, "offsets": spans,
                                     "text": fragment_texts(text, row[4], spans),
                                     "normalized": [{"db_name": db, "db_id": ident}]})
                rows.append({"id": f"{file.name}:{doc}", "document_id": doc, "split": file.split,
                             "source_file": file.name, "source_line": tags[0][0],
                             "passages": [{"id": f"{doc}-text", "type": "article", "text": [text],
                                           "offsets": [[0, len(text)]]}],
                             **empty_kb_lists(), "entities": entities})
    return family_frame(rows, FAMILY)
