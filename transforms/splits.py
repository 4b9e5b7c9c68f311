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


UNIT = "_unit"


def unit_key(unit: str, group_pattern: str | None = None) -> pl.Expr:
    """The key a seeded split deals out: the record id, or its document (as `group_pattern` derives it)."""
    column = "id" if unit == "record" else "document_id"
    # An id the pattern does not match is a unit of its own.
    key = pl.coalesce(pl.col(column).str.extract(group_pattern, 1), column) if group_pattern else pl.col(column)
    return key.alias(UNIT)


def seeded_assignment(units: pl.DataFrame, seed: int, sizes: dict[str, int]) -> pl.DataFrame:
    """Each unit's split, from `units` (a unit key and its number of records, `len`), as (_unit, _seeded).

    Units are ordered by a seeded hash of their key and dealt out in order until each split holds its
    target number of records; the last split takes the rest.
    """
    ordered = sorted(units.iter_rows(), key=lambda u: _rank(seed, u[0]))
    names = list(sizes)
    assigned, i, filled = {}, 0, 0
    for key, n in ordered:
        while i < len(names) - 1 and filled >= sizes[names[i]]:
            i, filled = i + 1, 0
        assigned[key] = names[i]
        filled += n
    return pl.DataFrame({UNIT: list(assigned), "_seeded": list(assigned.values())},
                        schema={UNIT: pl.Utf8, "_seeded": pl.Utf8})


def apply_seeded(family: pl.DataFrame, assignment: pl.DataFrame, unit: str, group_pattern: str | None = None) -> pl.DataFrame:
    """Records without a split get their unit's seeded one."""
    return (
        family.with_columns(unit_key(unit, group_pattern))
        .join(assignment, on=UNIT, how="left", maintain_order="left")
        .with_columns(split=pl.coalesce("split", "_seeded"))
        .drop("_seeded", UNIT)
    )


def seeded_split(
    family: pl.DataFrame, seed: int, unit: str, sizes: dict[str, int], group_pattern: str | None = None
) -> pl.DataFrame:
    """Give records without a split one of `sizes`' splits, reproducibly (whole units at a time, so that
    e.g. the sentences of one abstract stay together); see `seeded_assignment`."""
    units = family.filter(pl.col("split").is_null()).group_by(unit_key(unit, group_pattern)).len()
    return apply_seeded(family, seeded_assignment(units, seed, sizes), unit, group_pattern)
