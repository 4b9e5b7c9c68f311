"""The Hallmarks of Cancer release: `text/PMID.txt` (a sentence a line) beside `labels/PMID.txt`.

A format of its own, used by this corpus only: the label file holds one `<`-prefixed field per
sentence, each with `AND`-joined label paths (`Hallmark--Sub-class--...`). A sentence's labels
are the top-level hallmarks, lower-cased; a sentence without one is labelled `none` (BigBio's rule).
"""

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, pick, read_text

NAME = "hoc_labels_v1"
OPTIONS = {"text_dir": str, "labels_dir": str, "label_order": list[str]}
FAMILY = "text"


def _sentence_labels(field: str, order: list[str]) -> list[str]:
    found = {part.split("--")[0].strip().lower() for part in field.split("AND")} - {"", "null"}
    known = [label for label in order if label in found]
    return known + sorted(found - set(known)) or ["none"]


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `text_dir`, `labels_dir` (declared folders), `label_order` (the order labels are listed in)."""
    text_dir, labels_dir = pick(files, source, options["text_dir"]), pick(files, source, options["labels_dir"])
    order = options.get("label_order", [])
    rows = []
    for text_path in sorted(text_dir.path.glob("*.txt")):
        label_path = labels_dir.path / text_path.name
        name = f"{text_dir.name}/{text_path.name}"
        if not label_path.exists():
            raise SourceError(source, f"no label file {labels_dir.name}/{text_path.name}", name)
        sentences = read_text(text_dir, source, text_path).rstrip("\n").split("\n")
        fields = read_text(labels_dir, source, label_path).rstrip("\n").split("<")[1:]
        if len(fields) != len(sentences):
            raise SourceError(
                source, f"{len(sentences)} sentences but {len(fields)} label fields in {labels_dir.name}/{text_path.name}", name
            )
        pmid = text_path.stem
        for i, (sentence, field) in enumerate(zip(sentences, fields)):
            rows.append(
                {
                    "id": f"{pmid}_{i}",
                    "document_id": f"{pmid}_{i}",  # a sample is a sentence, as in BigBio
                    "split": text_dir.split,
                    "source_file": name,
                    "source_line": i + 1,
                    "text": sentence.strip(),
                    "labels": _sentence_labels(field, order),
                }
            )
    return family_frame(rows, FAMILY)
