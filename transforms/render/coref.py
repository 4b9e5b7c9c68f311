"""COREF: one sample per coreference chain of two or more mentions.

Input: the document text, a blank line, then `Entity: <the chain's first mention>`; output: the
chain's other mentions in order of appearance, `[mention] [mention]`. A member that is an event is
named by its trigger text.
"""

import polars as pl

from schemas.families import document_text
from transforms.render._common import bracketed, in_text_order, mention, rendered

NAME = "coref_v1"
OPTIONS = {"label": str}
FAMILY = "kb"


def _members(doc: dict, chain: dict) -> list[dict]:
    """The chain's mentions as {text, offsets}, in order of appearance."""
    spans = {e["id"]: e for e in doc["entities"]}
    spans.update({e["id"]: e["trigger"] for e in doc["events"] if e["trigger"]["offsets"]})
    return in_text_order([spans[i] for i in chain["entity_ids"] if i in spans])


def render(family: pl.DataFrame, options: dict) -> pl.DataFrame:
    """Options: `label`, the word that names the given mention (default `Entity`)."""
    label = options.get("label", "Entity")
    docs = family.with_columns(text=document_text()).select("text", "entities", "events", "coreferences").to_dicts()
    rows, inputs, outputs = [], [], []
    for row, doc in enumerate(docs):
        for chain in doc["coreferences"]:
            members = _members(doc, chain)
            if len(members) < 2:
                continue
            rows.append(row)
            inputs.append(f"{doc['text']}\n\n{label}: {mention(members[0])}")
            outputs.append(bracketed(mention(m) for m in members[1:]))
    return rendered(family[rows], inputs, outputs)
