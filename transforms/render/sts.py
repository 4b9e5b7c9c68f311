"""STS: two texts in; an integer similarity score out (half up), as MedINST's MSE scorer requires."""

import polars as pl

from transforms.render._common import rendered

NAME = "sts_v1"
OPTIONS = {"text_1_label", "text_2_label"}
FAMILY = "pairs"


def render(family: pl.DataFrame, options: dict) -> pl.DataFrame:
    """Options: `text_1_label`, `text_2_label` (default 'Sentence 1', 'Sentence 2')."""
    first, second = options.get("text_1_label", "Sentence 1"), options.get("text_2_label", "Sentence 2")
    inputs = pl.format(f"{first}: {{}}\n{second}: {{}}", "text_1", "text_2")
    score = (pl.col("label").cast(pl.Float64) + 0.5).floor().cast(pl.Int64).cast(pl.Utf8)
    return rendered(family, inputs, score)
