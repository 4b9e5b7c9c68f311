"""QA: question (and context, and lettered options) in; the answer out.

By type: multiple choice -> the gold option (`answer_style`); factoid -> the first answer (the
candidate listed first); summary -> the first ideal answer; list, yesno and the rest ->
the answers joined by ', '. Vectorised: QA sets are among MedINST's largest (BIOMRC, PubMedQA-A).
"""

import string
from typing import Literal

import polars as pl

from transforms.render._common import rendered

NAME = "qa_v1"
OPTIONS = {"answer_style": Literal["text", "letter", "letter_text"]}
FAMILY = "qa"

LETTERS = string.ascii_uppercase


def _letter(index: pl.Expr) -> pl.Expr:
    return index.replace_strict(list(range(len(LETTERS))), list(LETTERS), return_dtype=pl.Utf8)


def _input() -> pl.Expr:
    context = pl.col("context")
    options = pl.col("choices").list.eval(
        pl.concat_str(_letter(pl.int_range(pl.len())), pl.lit(". "), pl.element())
    ).list.join("\n")
    return pl.concat_str(
        pl.lit("Question: "), pl.col("question"),
        pl.when(context.is_not_null() & (context != "")).then(pl.lit("\nContext: ") + context).otherwise(pl.lit("")),
        pl.when(pl.col("type") == "multiple_choice").then(pl.lit("\nOptions:\n") + options).otherwise(pl.lit("")),
    )


def _gold_letter(family: pl.DataFrame) -> pl.Series:
    """The letter of each multiple-choice answer's option (null for other types)."""
    positions = (
        family.select(pl.col("choices"), gold=pl.col("answer").list.first()).with_row_index("_row")
        .explode("choices").with_columns(pl.int_range(pl.len()).over("_row").alias("_pos"))
        .filter(pl.col("choices") == pl.col("gold")).group_by("_row").agg(pl.col("_pos").first())
    )
    rows = family.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"))
    return rows.join(positions, on="_row", how="left", maintain_order="left").select(_letter(pl.col("_pos")))[:, 0]


def _output(family: pl.DataFrame, answer_style: str) -> pl.Expr:
    kind, first = pl.col("type"), pl.col("answer").list.first()
    if answer_style == "text":
        choice = first
    else:
        letter = pl.lit(_gold_letter(family))
        choice = letter if answer_style == "letter" else pl.concat_str(letter, pl.lit(". "), first)
    joined = pl.col("answer").list.eval(pl.element().str.strip_chars()).list.join(", ")
    return (
        pl.when(kind.is_in(["factoid", "summary"])).then(first.str.strip_chars())
        .when(kind == "multiple_choice").then(choice)
        .otherwise(joined)
    )


def render(family: pl.DataFrame, options: dict) -> pl.DataFrame:
    """Options: `answer_style` for multiple choice: `text` (default), `letter` or `letter_text`."""
    style = options.get("answer_style", "text")
    if style not in ("text", "letter", "letter_text"):
        raise ValueError(f"qa_v1: answer_style must be text, letter or letter_text, not {style!r}")
    return rendered(family, _input(), _output(family, style))
