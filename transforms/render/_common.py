"""What every renderer shares: the provenance it keeps and the bracket notation of MedINST's outputs."""

import polars as pl

from schemas.families import document_text

PROVENANCE = ["id", "document_id", "split", "source_file", "source_line"]


def rendered(family: pl.DataFrame, inputs, outputs) -> pl.DataFrame:
    """Provenance columns plus `input` and `output` (each an expression or a list of strings)."""
    as_expr = lambda v, name: v.alias(name) if isinstance(v, pl.Expr) else pl.Series(name, v, dtype=pl.Utf8)
    return family.select(*PROVENANCE, as_expr(inputs, "input"), as_expr(outputs, "output"))


def kb_documents(family: pl.DataFrame) -> list[dict]:
    """kb records as dicts with their joined `text`, for renderers that walk entities."""
    return family.with_columns(text=document_text()).select("text", "entities").to_dicts()


def mention(entity: dict) -> str:
    return " ".join(entity["text"])


def in_text_order(entities: list[dict]) -> list[dict]:
    """Entities by first offset, then by end: MedINST lists mentions in order of appearance, repeats kept."""
    return sorted(entities, key=lambda e: (e["offsets"][0][0], e["offsets"][-1][1]))


def bracketed(items: list[str]) -> str:
    return " ".join(f"[{item}]" for item in items)
