"""Seeded, reproducible sampling: ordering rows by a keyed hash, and quotas per task for mixtures."""

import hashlib
import math

import polars as pl


def seeded_rank(seed: int, *keys: str) -> str:
    """A stable pseudo-random sort key: the same seed and keys give the same order on any machine."""
    return hashlib.sha256("\x1f".join([str(seed), *keys]).encode()).hexdigest()


def seeded_order(rows: pl.DataFrame, seed: int, key: str = "uid") -> pl.DataFrame:
    ranks = rows[key].map_elements(lambda k: seeded_rank(seed, k), return_dtype=pl.Utf8)
    return rows.with_columns(_rank=ranks).sort("_rank").drop("_rank")


def allocate(sizes: dict[str, int], weights: dict[str, float], total: int) -> dict[str, int]:
    """Split `total` rows over tasks in proportion to `weights`, never more than a task has.

    Water-filling: tasks whose share exceeds their size give all they have and the rest is shared
    again among the others; largest remainders round the shares to whole rows, ties broken by name.
    """
    total = min(total, sum(sizes.values()))
    quota, open_tasks, left = {t: 0 for t in sizes}, {t for t in sizes if sizes[t] > 0}, total
    while open_tasks and left > 0:
        weight = sum(weights[t] for t in open_tasks)
        shares = {t: left * weights[t] / weight for t in open_tasks}
        full = {t for t in open_tasks if shares[t] >= sizes[t] - quota[t]}
        if not full:
            floors = {t: math.floor(shares[t]) for t in open_tasks}
            spare = left - sum(floors.values())
            by_remainder = sorted(open_tasks, key=lambda t: (floors[t] - shares[t], t))
            for i, t in enumerate(by_remainder):
                quota[t] += floors[t] + (1 if i < spare else 0)
            break
        for t in full:
            left -= sizes[t] - quota[t]
            quota[t] = sizes[t]
        open_tasks -= full
    return quota


def sample_mixture(rows: pl.DataFrame, size: int, strategy: str, seed: int, temperature: float = 2.0,
                   cap: int | None = None) -> pl.DataFrame:
    """`size` rows of `rows` (uid, task, ...): proportional to task size, temperature-scaled, or capped per task."""
    sizes = dict(rows.group_by("task").len().iter_rows())
    if strategy == "capped":
        sizes = {t: min(n, cap) for t, n in sizes.items()}
    weights = {t: n ** (1 / temperature) if strategy == "temperature" else float(n) for t, n in sizes.items()}
    quota = allocate(sizes, weights, size)
    ordered = seeded_order(rows, seed).with_columns(_n=pl.int_range(pl.len()).over("task"))
    quotas = pl.DataFrame({"task": list(quota), "_quota": list(quota.values())}, schema={"task": pl.Utf8, "_quota": pl.Int64})
    return ordered.join(quotas, on="task").filter(pl.col("_n") < pl.col("_quota")).drop("_n", "_quota")
