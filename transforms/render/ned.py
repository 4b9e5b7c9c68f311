"""NED: each normalised mention in order of appearance as `[mention <DB/ID>]` (several ids joined by `|`)."""

import polars as pl

from schemas.families import document_text
from transforms.render._common import ROW, bracketed_per_record, exploded, mention_text, rendered, sorted_in_text_order

NAME = "ned_v1"
OPTIONS = {"db_map"}
FAMILY = "kb"


def render(family: pl.DataFrame, options: dict) -> pl.DataFrame:
    """Options: `db_map` renames databases (e.g. MESH -> MeSH)."""
    db_map = options.get("db_map", {})
    entities = exploded(family.select("entities"), "entities").filter(pl.col("normalized").list.len() > 0)
    ids = pl.col("normalized").list.eval(pl.concat_str(
        pl.element().struct.field("db_name").replace(db_map), pl.lit("/"), pl.element().struct.field("db_id"),
    )).list.join("|")
    items = sorted_in_text_order(entities).select(
        ROW, item=pl.concat_str(mention_text(), pl.lit(" <"), ids, pl.lit(">")),
    )
    return rendered(family, document_text(), bracketed_per_record(family, items))
