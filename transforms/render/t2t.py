"""TRANSL and SUM: the source text (text_1) in, after an optional prefix; the target text (text_2) out."""

import polars as pl

from transforms.render._common import rendered

NAME = "t2t_v1"
OPTIONS = {"prefix": str}
FAMILY = "t2t"


def render(family: pl.DataFrame, options: dict) -> pl.DataFrame:
    """Options: `prefix`, written before the source text as is (e.g. 'Abstract: '; default none)."""
    return rendered(family, pl.lit(options.get("prefix", "")) + pl.col("text_1"), pl.col("text_2"))
