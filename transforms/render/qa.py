"""QA: question (and context, and lettered options) in; the answer out.

By type: multiple choice -> the gold option (`answer_style`); factoid -> the first answer (the
candidate listed first); summary -> the first ideal answer; list, yesno and the rest ->
the answers joined by ', '.
"""

import string

import polars as pl

from transforms.render._common import rendered

NAME = "qa_v1"
OPTIONS = {"answer_style"}
FAMILY = "qa"

LETTERS = string.ascii_uppercase


def _input(row: dict) -> str:
    parts = [f"Question: {row['question']}"]
    if row["context"]:
        parts.append(f"Context: {row['context']}")
    if row["type"] == "multiple_choice":
        parts.append("Options:\n" + "\n".join(f"{LETTERS[i]}. {c}" for i, c in enumerate(row["choices"])))
    return "\n".join(parts)


def _output(row: dict, answer_style: str) -> str:
    if row["type"] in ("factoid", "summary"):
        return row["answer"][0].strip()
    if row["type"] != "multiple_choice":
        return ", ".join(a.strip() for a in row["answer"])
    letter = LETTERS[row["choices"].index(row["answer"][0])]
    return {"text": row["answer"][0], "letter": letter, "letter_text": f"{letter}. {row['answer'][0]}"}[answer_style]


def render(family: pl.DataFrame, options: dict) -> pl.DataFrame:
    """Options: `answer_style` for multiple choice: `text` (default), `letter` or `letter_text`."""
    style = options.get("answer_style", "text")
    rows = family.select("question", "context", "type", "choices", "answer").to_dicts()
    return rendered(family, [_input(r) for r in rows], [_output(r, style) for r in rows])
