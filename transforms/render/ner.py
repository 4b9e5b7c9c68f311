"""NER: entity lists (`[mention <Type>]`, in order of appearance, repeats kept) or word-level BIO tags."""

import polars as pl

from transforms.render._common import bracketed, in_text_order, kb_documents, mention, rendered

NAME = "ner_v1"
OPTIONS = {"style", "types", "type_map"}
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
    inputs, outputs = [], []
    for doc in kb_documents(family):
        entities = [e for e in doc["entities"] if keep is None or e["type"] in keep]
        inputs.append(doc["text"])
        if style == "bio":
            outputs.append(_bio(doc["text"], entities))  # a sentence without mentions is all [O]
        else:
            outputs.append(bracketed(f"{mention(e)} <{type_map.get(e['type'], e['type'])}>" for e in in_text_order(entities)))
    return rendered(family, inputs, outputs)
