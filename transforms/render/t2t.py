"""TRANSL and SUM: the source text (text_1) in, after an optional prefix; the target text (text_2) out."""

import polars as pl

from transforms.render._common import rendered

NAME = "t2t_v1"
OPTIONS = {"prefix": str, "prefix_by_target": dict[str, str]}
FAMILY = "t2t"


def render(family: pl.DataFrame, options: dict) -> pl.DataFrame:
    """Options: `prefix`, written before the source text as is (e.g. 'Abstract: '; default none);
    `prefix_by_target` (text_2_name -> text written after `prefix`: e.g. the target language of a corpus
    that translates into several; every record's text_2_name must be in it)."""
    prefix = pl.lit(options.get("prefix", ""))
    by_target = options.get("prefix_by_target")
    if by_target:
        missing = sorted(str(n) for n in set(family["text_2_name"].unique().to_list()) - set(by_target))
        if missing:
            raise ValueError(f"{NAME} prefix_by_target lacks the target name(s) {missing} ({', '.join(by_target)})")
        prefix = prefix + pl.col("text_2_name").replace_strict(by_target, return_dtype=pl.Utf8)
    return rendered(family, prefix + pl.col("text_1"), pl.col("text_2"))
