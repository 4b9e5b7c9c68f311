"""TXTCLASS: the text in; its label, or labels joined by ', ' (MedINST's multi-label separator), out."""

import polars as pl

from transforms.render._common import rendered

NAME = "txtclass_v1"
OPTIONS: set[str] = set()
FAMILY = "text"


def render(family: pl.DataFrame, options: dict) -> pl.DataFrame:
    return rendered(family, pl.col("text"), pl.col("labels").list.join(", "))
