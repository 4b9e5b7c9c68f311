"""NED: each normalised mention in order of appearance as `[mention <DB/ID>]` (several ids joined by `|`)."""

import polars as pl

from schemas.families import document_text
from transforms.render._common import ROW, bracketed_per_record, exploded, mention_text, rendered, sorted_in_text_order

NAME = "ned_v1"
OPTIONS = {"db_map": dict[str, str], "types": list[str], "dbs": list[str], "fallback_dbs": list[str]}
FAMILY = "kb"


def render(family: pl.DataFrame, options: dict) -> pl.DataFrame:
    """Options: `db_map` renames databases (e.g. MESH -> MeSH); `types` keeps only mentions of these types; `dbs`
    keeps only ids of these databases and `fallback_dbs` writes ids of these databases only for a mention with no
    other id left (tmVar's variant key where there is no dbSNP id), both naming databases as the parser does, before
    `db_map`. A mention left without an id is not listed."""
    db_map, keep, dbs, fallback = (options.get(k) for k in ("db_map", "types", "dbs", "fallback_dbs"))
    entities = exploded(family.select("entities"), "entities")
    if keep is not None:
        entities = entities.filter(pl.col("type").is_in(keep))
    db = pl.element().struct.field("db_name")
    if dbs is not None:
        entities = entities.with_columns(pl.col("normalized").list.eval(pl.element().filter(db.is_in(dbs))))
    if fallback:
        others = pl.col("normalized").list.eval(pl.element().filter(~db.is_in(fallback)))
        entities = entities.with_columns(
            pl.when(others.list.len() > 0).then(others).otherwise(pl.col("normalized")).alias("normalized")
        )
    entities = entities.filter(pl.col("normalized").list.len() > 0)
    ids = pl.col("normalized").list.eval(pl.concat_str(
        db.replace(db_map or {}), pl.lit("/"), pl.element().struct.field("db_id"),
    )).list.join("|")
    items = sorted_in_text_order(entities).select(
        ROW, item=pl.concat_str(mention_text(), pl.lit(" <"), ids, pl.lit(">")),
    )
    return rendered(family, document_text(), bracketed_per_record(family, items))
