"""TEXTPAIRCLASS and pair classification: both texts in, each after a fixed label; the mapped label out."""

import polars as pl

from transforms.render._common import LABEL_MAP, rendered
from transforms.render.te import map_labels

NAME = "pairclass_v1"
OPTIONS = {"label_map": LABEL_MAP, "text_1_label": str, "text_2_label": str}
FAMILY = "pairs"


def render(family: pl.DataFrame, options: dict) -> pl.DataFrame:
    """Options: `label_map` (source label -> output word, required, every label must be in it),
    `text_1_label`, `text_2_label` (default 'Text 1', 'Text 2')."""
    first, second = options.get("text_1_label", "Text 1"), options.get("text_2_label", "Text 2")
    inputs = pl.format(f"{first}: {{}}\n{second}: {{}}", "text_1", "text_2")
    return rendered(family, inputs, map_labels(family, options.get("label_map"), NAME))
