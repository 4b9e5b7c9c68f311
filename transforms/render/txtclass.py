"""TXTCLASS: the text in; its label, or labels joined by ', ' (MedINST's multi-label separator), out."""

import polars as pl

from transforms.render._common import LABEL_MAP, rendered

NAME = "txtclass_v1"
OPTIONS = {"label_map": LABEL_MAP}
FAMILY = "text"


def render(family: pl.DataFrame, options: dict) -> pl.DataFrame:
    """Options: `label_map` (source label -> output label, e.g. a release's 0/1 codes to their names; when
    given, every label must be in it, else an error names the record's file and line)."""
    labels = pl.col("labels")
    if options.get("label_map"):
        # YAML reads `0:` and `true:` as an integer and a boolean: compare keys as the text a file holds.
        mapping = {str(k).lower() if isinstance(k, bool) else str(k): str(v) for k, v in options["label_map"].items()}
        unknown = family.select("labels", "source_file", "source_line").explode("labels").filter(
            pl.col("labels").is_not_null() & ~pl.col("labels").is_in(list(mapping)))
        if unknown.height:
            label, file, line = unknown.row(0)
            where = f"{file}, line {line}" if line else file
            raise ValueError(f"{where}: label {label!r} is not in the txtclass_v1 label_map ({', '.join(mapping)})")
        labels = labels.list.eval(pl.element().replace_strict(mapping, return_dtype=pl.Utf8))
    return rendered(family, pl.col("text"), labels.list.join(", "))
