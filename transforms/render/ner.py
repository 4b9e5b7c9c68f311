"""NER: entity lists (`[mention <Type>]`, in order of appearance, repeats kept) or word-level BIO tags."""

from typing import Literal

import polars as pl

from schemas.families import document_text
from transforms.render._common import (
    ROW,
    bracketed_per_record,
    exploded,
    kb_documents,
    mention_text,
    rendered,
    sorted_in_text_order,
)

NAME = "ner_v1"
OPTIONS = {"style": Literal["list", "bio"], "types": list[str], "type_map": dict[str, str]}
FAMILY = "kb"


def _bio(text: str, entities: list[dict]) -> str:
    """Every whitespace token followed by [B], [I] or [O]; a token inside a mention is B at its start."""
    starts, inside = set(), set()
    for e in entities:
        for start, end in e["offsets"]:
            starts.add(start)
            inside.update(range(start, end))
    words, pos = [], 0
    for token in text.split(" "):
        tag = "B" if pos in starts else "I" if pos in inside else "O"
        words.append(f"{token} [{tag}]")
        pos += len(token) + 1
    return " ".join(words)


def render(family: pl.DataFrame, options: dict) -> pl.DataFrame:
    """Options: `style` (`list` or `bio`), `types` (keep only these), `type_map` (rename types)."""
    style, keep, type_map = options.get("style", "list"), options.get("types"), options.get("type_map", {})
    if style == "bio":  # word-level tags: sentence corpora, walked a document at a time
        inputs, outputs = [], []
        for doc in kb_documents(family):
            inputs.append(doc["text"])
            # a sentence without mentions is all [O]
            outputs.append(_bio(doc["text"], [e for e in doc["entities"] if keep is None or e["type"] in keep]))
        return rendered(family, inputs, outputs)
    entities = exploded(family.select("entities"), "entities")
    if keep is not None:
        entities = entities.filter(pl.col("type").is_in(keep))
    items = sorted_in_text_order(entities).select(
        ROW, item=pl.concat_str(mention_text(), pl.lit(" <"), pl.col("type").replace(type_map), pl.lit(">")),
    )
    return rendered(family, document_text(), bracketed_per_record(family, items))
