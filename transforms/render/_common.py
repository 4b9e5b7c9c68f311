"""What every renderer shares: the provenance it keeps and the bracket notation of MedINST's outputs."""

import polars as pl

from schemas.families import document_text

PROVENANCE = ["id", "document_id", "split", "source_file", "source_line"]
# The type of a `label_map` option, source label -> output label: YAML reads `1:` and `true:` as an integer
# and a boolean, which the renderers compare as the text a file holds.
LABEL_MAP = dict[str | int | bool, str | int]


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


# Vectorised forms of the above, for kb layers exploded to one row per entity (or relation, event).

ROW = "_row"  # the record's position in the family frame


def exploded(family: pl.DataFrame, layer: str) -> pl.DataFrame:
    """One row per element of a kb layer (`entities`, `relations`, ...), its fields as columns, with
    `_row` (the record's position); records' order and each layer's order are kept."""
    return (
        family.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias(ROW), layer)
        .explode(layer).filter(pl.col(layer).is_not_null()).unnest(layer)
    )


def mention_text() -> pl.Expr:
    """`mention` as an expression over an exploded entity's `text`."""
    return pl.col("text").list.eval(pl.element().str.strip_chars()).list.join(" ")


def sorted_in_text_order(entities: pl.DataFrame) -> pl.DataFrame:
    """`in_text_order` for exploded entities: by record, then first offset, then end (stable)."""
    return entities.with_columns(
        _start=pl.col("offsets").list.first().list.first(), _end=pl.col("offsets").list.last().list.get(1),
    ).sort(ROW, "_start", "_end", maintain_order=True)


def bracketed_per_record(family: pl.DataFrame, items: pl.DataFrame) -> pl.Series:
    """`bracketed` for each record, from `items` (columns `_row` and `item`, in the order they are listed);
    a record without items gets ""."""
    joined = items.group_by(ROW, maintain_order=True).agg(
        pl.concat_str(pl.lit("["), "item", pl.lit("]")).str.join(" ").alias("output")
    )
    every = family.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias(ROW))
    return every.join(joined, on=ROW, how="left", maintain_order="left")["output"].fill_null("")
