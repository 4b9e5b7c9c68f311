"""MedINST32 from the warehouse: seeded test subsamples, few-shot demonstrations, and training mixtures."""

import polars as pl

from schemas.benchmark import BenchmarkSpec, MixtureSpec
from schemas.instructions import HISTORY
from transforms.sampling import sample_mixture, seeded_order, seeded_rank

BENCHMARK_COLUMNS = [
    "task", "category", "level", "metric", "setting", "instruction", "input", "output", "history", "uid",
]


def draw_test_sets(test_rows: pl.DataFrame, spec: BenchmarkSpec) -> tuple[pl.DataFrame, list[str]]:
    """Each benchmark task's test rows, subsampled where the spec says; and the tasks that are missing."""
    frames, missing = [], []
    for t in spec.tasks:
        rows = test_rows.filter(pl.col("task") == t.task)
        if rows.is_empty():
            missing.append(t.task)
            continue
        rows = seeded_order(rows, spec.seed).head(t.sample) if t.sample else rows.sort("uid")
        frames.append(rows.with_columns(level=pl.lit(t.level), metric=pl.lit(t.metric)))
    # With no task present, an empty frame of the same columns (level and metric too).
    none = test_rows.clear().with_columns(level=pl.lit(None, pl.Int32), metric=pl.lit(None, pl.Utf8))
    return (pl.concat(frames) if frames else none), missing


def _demo_pools(train_rows: pl.DataFrame, spec: BenchmarkSpec) -> dict[str, list[dict]]:
    """Per category, the training rows demonstrations are drawn from, shuffled by the seed.

    Rows of tasks outside the benchmark come first (MedINST's unseen setting); other benchmark tasks'
    training rows are the fallback where a category has nothing else.
    """
    held_out = {t.task for t in spec.tasks}
    short = train_rows.filter(pl.col("input").str.len_chars() + pl.col("instruction").str.len_chars()
                              <= spec.max_demonstration_chars)
    pools = {}
    for (category,), rows in short.group_by("category"):
        unseen = rows.filter(~pl.col("task").is_in(held_out))
        pools[category] = seeded_order(unseen if not unseen.is_empty() else rows, spec.seed).to_dicts()
    return pools


def _demonstrations(row: dict, pool: list[dict], k: int, seed: int) -> list[dict] | None:
    """k demonstrations from other tasks, starting at a seeded place in the pool, preferring distinct tasks."""
    if not pool:
        return None
    start = int(seeded_rank(seed, row["uid"])[:12], 16) % len(pool)
    picked, tasks = [], set()
    for prefer_new_task in (True, False):
        for i in range(len(pool)):
            demo = pool[(start + i) % len(pool)]
            if demo["task"] == row["task"] or demo in picked or (prefer_new_task and demo["task"] in tasks):
                continue
            picked.append(demo)
            tasks.add(demo["task"])
            if len(picked) == k:
                return [{"user": d["instruction"] + "\n" + d["input"], "assistant": d["output"]} for d in picked]
    return None


def benchmark_rows(test: pl.DataFrame, train_rows: pl.DataFrame, spec: BenchmarkSpec) -> tuple[pl.DataFrame, list[str]]:
    """Zero-shot and few-shot rows; and the tasks whose category offers no demonstrations."""
    zero = test.with_columns(setting=pl.lit("zero-shot"), history=pl.lit([], dtype=HISTORY))
    pools = _demo_pools(train_rows, spec)
    histories = [
        _demonstrations(r, pools.get(r["category"], []), spec.demonstrations, spec.seed)
        for r in test.select("uid", "task", "category").to_dicts()
    ]
    few = test.with_columns(setting=pl.lit("few-shot"), history=pl.Series(histories, dtype=HISTORY))
    no_demos = sorted(set(few.filter(pl.col("history").is_null())["task"]))
    few = few.filter(pl.col("history").is_not_null())
    return pl.concat([zero.select(BENCHMARK_COLUMNS), few.select(BENCHMARK_COLUMNS)]), no_demos


def unseen_tasks(tasks: pl.DataFrame, spec: BenchmarkSpec, rule: str) -> list[str]:
    """Training tasks of an unseen mixture. `tasks` has task and source.

    medinst: every task but the benchmark's (MedINST keeps sibling tasks of a test corpus);
    strict: also drops every task sharing a corpus with a benchmark task.
    """
    held_out = {t.task for t in spec.tasks}
    corpora = set(tasks.filter(pl.col("task").is_in(held_out))["source"])
    keep = ~pl.col("task").is_in(held_out)
    if rule == "strict":
        keep &= ~pl.col("source").is_in(corpora)
    return sorted(tasks.filter(keep)["task"])


def mixture(name: str, train_rows: pl.DataFrame, tasks: list[str], settings: MixtureSpec) -> pl.DataFrame:
    """A named training mixture: (mixture, task, uid) rows."""
    pool = train_rows.filter(pl.col("task").is_in(tasks)).select("uid", "task")
    drawn = sample_mixture(pool, settings.size, settings.strategy, settings.seed, settings.temperature, settings.cap)
    return drawn.select(mixture=pl.lit(name), task="task", uid="uid").sort("task", "uid")
