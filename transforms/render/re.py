"""RE: one sample per document, its relations in order of appearance as `[arg1 mention <type> arg2 mention]`."""

import polars as pl

from schemas.families import document_text
from transforms.render._common import bracketed, mention, rendered

NAME = "re_v1"
OPTIONS = {"types", "type_map"}
FAMILY = "kb"


def _arguments(doc: dict) -> dict[str, tuple[str, int]]:
    """Every id a relation may name (entities, and events by their trigger): its mention and first offset."""
    args = {e["id"]: (mention(e), e["offsets"][0][0]) for e in doc["entities"]}
    for ev in doc["events"]:
        if ev["trigger"]["offsets"]:
            args[ev["id"]] = (" ".join(ev["trigger"]["text"]), ev["trigger"]["offsets"][0][0])
    return args


def _items(doc: dict, keep, type_map: dict) -> list[str]:
    args = _arguments(doc)
    relations = [r for r in doc["relations"] if keep is None or r["type"] in keep]
    # A relation appears where its earlier argument does (ties: where the other one does); sorted() is
    # stable, so relations over the same pair of places keep the source's order. Repeats are kept, as in NER.
    relations.sort(key=lambda r: sorted((args[r["arg1_id"]][1], args[r["arg2_id"]][1])))
    return [f"{args[r['arg1_id']][0]} <{type_map.get(r['type'], r['type'])}> {args[r['arg2_id']][0]}" for r in relations]


def render(family: pl.DataFrame, options: dict) -> pl.DataFrame:
    """Options: `types` (keep only these relation types), `type_map` (rename types, e.g. CPR:4 -> inhibitor).
    A document without a (kept) relation renders "", which the pipeline drops as nothing to extract."""
    keep, type_map = options.get("types"), options.get("type_map", {})
    docs = family.with_columns(text=document_text()).select("text", "entities", "events", "relations").to_dicts()
    return rendered(family, [d["text"] for d in docs], [bracketed(_items(d, keep, type_map)) for d in docs])
