"""What every renderer shares: the provenance it keeps and the bracket notation of MedINST's outputs."""

import polars as pl

from schemas.families import document_text

PROVENANCE = ["id", "document_id", "split", "source_file", "source_line"]


def _column(values: pl.Expr | list[str], name: str) -> pl.Expr | pl.Series:
    return values.alias(name) if isinstance(values, pl.Expr) else pl.Series(name, values, dtype=pl.Utf8)


def rendered(family: pl.DataFrame, inputs: pl.Expr | list[str], outputs: pl.Expr | list[str]) -> pl.DataFrame:
    """Provenance columns plus `input` and `output` (each an expression or a list of strings)."""
    return family.select(*PROVENANCE, _column(inputs, "input"), _column(outputs, "output"))


def kb_documents(family: pl.DataFrame) -> list[dict]:
    """kb records as dicts with their joined `text`, for renderers that walk entities."""
    return family.with_columns(text=document_text()).select("text", "entities").to_dicts()


def mention(entity: dict) -> str:
    """A mention's text; the fragments of a discontinuous one joined by single spaces."""
    return " ".join(fragment.strip() for fragment in entity["text"])


def in_text_order(entities: list[dict]) -> list[dict]:
    """Entities by first offset, then by end: MedINST lists mentions in order of appearance, repeats kept."""
    return sorted(entities, key=lambda e: (e["offsets"][0][0], e["offsets"][-1][1]))


def bracketed(items: list[str]) -> str:
    return " ".join(f"[{item}]" for item in items)
