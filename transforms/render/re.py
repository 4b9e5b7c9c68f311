"""RE: one sample per document, its relations in order of appearance as `[arg1 mention <type> arg2 mention]`."""

from typing import Literal

import polars as pl

from schemas.families import document_text
from transforms.render._common import ROW, bracketed_per_record, exploded, mention_text, rendered

NAME = "re_v1"
OPTIONS = {"types": list[str], "type_map": dict[str, str], "arguments": Literal["any", "entities"]}
FAMILY = "kb"


def _arguments(family: pl.DataFrame, entities_only: bool = False) -> pl.DataFrame:
    """Every id a relation may name, per record: entities, and events by their trigger (an event wins
    over an entity of the same id), with its mention and first offset; only entities, if asked."""
    entities = exploded(family.select("entities"), "entities").select(
        ROW, "id", mention=mention_text(), at=pl.col("offsets").list.first().list.first(),
    )
    if entities_only:
        return entities
    events = exploded(family.select("events"), "events").filter(
        pl.col("trigger").struct.field("offsets").list.len() > 0
    ).select(
        ROW, "id", mention=pl.col("trigger").struct.field("text").list.join(" "),
        at=pl.col("trigger").struct.field("offsets").list.first().list.first(),
    )
    return pl.concat([entities, events]).unique([ROW, "id"], keep="last", maintain_order=True)


def render(family: pl.DataFrame, options: dict) -> pl.DataFrame:
    """Options: `types` (keep only these relation types), `type_map` (rename types, e.g. CPR:4 -> inhibitor),
    `arguments` (`any`, the default, or `entities`: a relation naming an event is left out, BigBio's KB rule).
    A document without a (kept) relation renders "", which the pipeline drops as nothing to extract."""
    keep, type_map = options.get("types"), options.get("type_map", {})
    relations = exploded(family.select("relations"), "relations")
    if keep is not None:
        relations = relations.filter(pl.col("type").is_in(keep))
    args = _arguments(family, options.get("arguments", "any") == "entities")
    for side in ("arg1", "arg2"):
        named = args.rename({"id": f"{side}_id", "mention": f"{side}_mention", "at": f"{side}_at"})
        relations = relations.join(named, on=[ROW, f"{side}_id"], how="inner", maintain_order="left")
    # A relation appears where its earlier argument does (ties: where the other one does); the sort is
    # stable, so relations over the same pair of places keep the source's order. Repeats are kept, as in NER.
    items = relations.with_columns(
        _first=pl.min_horizontal("arg1_at", "arg2_at"), _second=pl.max_horizontal("arg1_at", "arg2_at"),
    ).sort(ROW, "_first", "_second", maintain_order=True).select(
        ROW, item=pl.concat_str("arg1_mention", pl.lit(" <"), pl.col("type").replace(type_map), pl.lit("> "),
                                "arg2_mention"),
    )
    return rendered(family, document_text(), bracketed_per_record(family, items))
