"""NED: each normalised mention in order of appearance as `[mention <DB/ID>]` (several ids joined by `|`)."""

import polars as pl

from transforms.render._common import bracketed, in_text_order, kb_documents, mention, rendered

NAME = "ned_v1"
OPTIONS = {"db_map"}
FAMILY = "kb"


def render(family: pl.DataFrame, options: dict) -> pl.DataFrame:
    """Options: `db_map` renames databases (e.g. MESH -> MeSH)."""
    db_map = options.get("db_map", {})
    inputs, outputs = [], []
    for doc in kb_documents(family):
        items = []
        for e in in_text_order([e for e in doc["entities"] if e["normalized"]]):
            ids = "|".join(f"{db_map.get(n['db_name'], n['db_name'])}/{n['db_id']}" for n in e["normalized"])
            items.append(f"{mention(e)} <{ids}>")
        inputs.append(doc["text"])
        outputs.append(bracketed(items))
    return rendered(family, inputs, outputs)
