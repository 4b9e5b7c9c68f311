"""Splits: ids a release lists per split, and declared, seeded splits for records without one."""

import hashlib
import json
from pathlib import Path

import polars as pl

from schemas.errors import SourceError


def read_split_ids(path: Path, name: str, source: str) -> list[str]:
    """Ids from a JSON object (its keys), a JSON list, or one id per line."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise SourceError(source, f"not valid JSON: {e.msg}", name, e.lineno) from None
        return [str(k) for k in data]
    return [line.strip() for line in text.splitlines() if line.strip()]


def apply_split_ids(family: pl.DataFrame, ids_by_split: dict[str, list[str]]) -> pl.DataFrame:
    """Records whose document id a split's id list names get that split."""
    split = pl.col("split")
    for name, ids in ids_by_split.items():
        split = pl.when(pl.col("document_id").is_in(ids)).then(pl.lit(name)).otherwise(split)
    return family.with_columns(split=split)


def _rank(seed: int, key: str) -> str:
    return hashlib.sha256(f"{seed}\x1f{key}".encode()).hexdigest()


def seeded_split(
    family: pl.DataFrame, seed: int, unit: str, sizes: dict[str, int], group_pattern: str | None = None
) -> pl.DataFrame:
    """Give records without a split one of `sizes`' splits, reproducibly.

    Units (records, or whole documents so that sentences of one abstract stay together) are
    ordered by a seeded hash of their key (`group_pattern` can derive it from the document id) and dealt out in order until each split holds its
    target number of rows; the last split takes the rest.
    """
    column = "id" if unit == "record" else "document_id"
    key = "_unit"
    # An id the pattern does not match is a unit of its own.
    unit_key = pl.coalesce(pl.col(column).str.extract(group_pattern, 1), column) if group_pattern else pl.col(column)
    family = family.with_columns(unit_key.alias(key))
    todo = family.filter(pl.col("split").is_null())
    units = todo.group_by(key).len().to_dicts()
    units.sort(key=lambda u: _rank(seed, u[key]))
    names = list(sizes)
    assigned, i, filled = {}, 0, 0
    for u in units:
        while i < len(names) - 1 and filled >= sizes[names[i]]:
            i, filled = i + 1, 0
        assigned[u[key]] = names[i]
        filled += u["len"]
    mapping = pl.DataFrame({key: list(assigned), "_seeded": list(assigned.values())}, schema={key: pl.Utf8, "_seeded": pl.Utf8})
    return (
        family.join(mapping, on=key, how="left", maintain_order="left")
        .with_columns(split=pl.coalesce("split", "_seeded"))
        .drop("_seeded", key)
    )
