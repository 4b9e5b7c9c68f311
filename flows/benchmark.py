"""The benchmark flow: MedINST32 (zero- and few-shot) and the training mixtures, from the published warehouse."""

from pathlib import Path
from typing import Literal

import polars as pl
from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from flows.interrupt import remember_run
from flows.settings import resolve
from schemas.benchmark import MixtureSpec, load_benchmark
from transforms.benchmark import benchmark_rows, draw_test_sets, mixture, unseen_tasks
from transforms.dedup import decontaminate, drop_exact_duplicates
from warehouse.catalog import read_instructions, write_catalog, write_derived
from warehouse.layout import current_build

MEDINST32 = Path(__file__).resolve().parent.parent / "sources" / "benchmarks" / "medinst32.yaml"


class BenchmarkFailed(Exception):
    """The benchmark could not be built (no published warehouse, a bad spec)."""


def size_label(n: int) -> str:
    """100000 -> '100k', as MedINST names its files (unseen_train_100k)."""
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def prepare_training(rows: pl.DataFrame, test: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Training rows without exact duplicates and without rows overlapping a benchmark test input."""
    train, duplicates = drop_exact_duplicates(rows.filter(pl.col("split") == "train"))
    clean, contamination = decontaminate(train, test.select("uid", "task", "input"))
    return clean, duplicates, contamination


@flow(name="benchmark")
def benchmark(
    home: str | None = None,
    spec: str | None = None,
    mixture_size: int = 100_000,
    strategy: Literal["proportional", "temperature", "capped"] = "proportional",
    temperature: float = 2.0,
    cap: int | None = None,
    unseen_rule: Literal["medinst", "strict"] = "medinst",
    seed: int = 2024,
) -> dict:
    """Build MedINST32's test sets and the unseen/merged training mixtures as views of the current build.

    Args:
        home: Data root: a folder or s3://bucket/prefix. Default: MEDINST_HOME, else ~/.medinst.
        spec: Benchmark spec YAML. Default: sources/benchmarks/medinst32.yaml.
        mixture_size: Rows each training mixture aims at (fewer when the build holds fewer).
        strategy: How tasks share a mixture: in proportion to their rows, by temperature, or capped per task.
        temperature: T of the temperature strategy (1: proportional; larger: flatter).
        cap: Rows per task at most, for the capped strategy.
        unseen_rule: medinst drops MedINST32's test tasks from the unseen mixture; strict drops every task
            sharing a corpus with one.
        seed: Seed of every sample drawn.
    """
    remember_run()  # for Ctrl-C (flows.interrupt)
    settings = resolve(home=home)
    build = current_build(settings.home)
    if build is None:
        raise BenchmarkFailed(f"no published warehouse under {settings.home}: run `medinst build` first")
    result = derive(build, spec=spec, mixture_size=mixture_size, strategy=strategy, temperature=temperature, cap=cap,
                    unseen_rule=unseen_rule, seed=seed)
    write_catalog(build)
    composition = result.pop("composition")
    contamination = result.pop("contamination")
    create_table_artifact(key="medinst-mixtures", table=composition.to_dicts(),
                          description=f"Training mixtures of build {build.name} ({strategy}, seed {seed})")
    if not contamination.is_empty():
        create_table_artifact(key="medinst-contamination", table=contamination.to_dicts(),
                              description="Training rows kept out of the mixtures for overlapping a test input")
    return result


def derive_again(build: Path, parameters: dict) -> None:
    """What a build calls for marts whose rows changed: the same marts, with the parameters they were made with."""
    derive(build, **parameters)


def derive(build: Path, spec: str | None = None, mixture_size: int = 100_000, strategy: str = "proportional",
           temperature: float = 2.0, cap: int | None = None, unseen_rule: str = "medinst", seed: int = 2024) -> dict:
    """Write the benchmark marts of a build (not its catalog), recording the parameters that made them."""
    log = get_run_logger()
    spec = str(Path(spec).resolve()) if spec else None
    bench_spec = load_benchmark(Path(spec) if spec else MEDINST32)
    mix = MixtureSpec(size=mixture_size, strategy=strategy, temperature=temperature, cap=cap,
                      unseen_rule=unseen_rule, seed=seed)
    parameters = {"spec": spec, "mixture_size": mixture_size, "strategy": strategy, "temperature": temperature,
                  "cap": cap, "unseen_rule": unseen_rule, "seed": seed}

    rows = read_instructions(build).select("uid", "task", "category", "source", "split", "instruction", "input", "output")
    test, missing = draw_test_sets(rows.filter(pl.col("split") == "test"), bench_spec)
    log.info("%s: %d of %d tasks present; missing: %s", bench_spec.name, len(bench_spec.tasks) - len(missing),
             len(bench_spec.tasks), ", ".join(missing) or "none")
    train, duplicates, contamination = prepare_training(rows, test)
    log.info("training rows: %d exact duplicates and %d rows overlapping a test input removed",
             duplicates["duplicates_removed"].sum(), contamination["rows_removed"].sum())
    bench, no_demos = benchmark_rows(test, train, bench_spec)

    tasks = rows.select("task", "source").unique()
    label = size_label(mix.size)
    mixtures = pl.concat([
        mixture(f"unseen_train_{label}", train, unseen_tasks(tasks, bench_spec, mix.unseen_rule), mix),
        mixture(f"merged_train_{label}", train, sorted(set(train["task"])), mix),
    ])
    present = pl.DataFrame([t.model_dump() for t in bench_spec.tasks]).with_columns(
        present=~pl.col("task").is_in(missing), few_shot=~pl.col("task").is_in(missing + no_demos)
    )
    for view, frame in [("benchmark", bench), ("benchmark_tasks", present), ("mixtures", mixtures),
                        ("duplicates", duplicates), ("contamination", contamination)]:
        write_derived(build, view, frame, parameters=parameters)

    sizes = dict(mixtures.group_by("mixture").len().iter_rows())
    log.info("benchmark: %d rows; mixtures: %s", bench.height, sizes)
    return {"build_id": build.name, "present": len(bench_spec.tasks) - len(missing), "missing": missing,
            "no_demonstrations": no_demos, "benchmark_rows": bench.height, "mixtures": sizes,
            "composition": mixtures.group_by("mixture", "task").len("rows").sort("mixture", "task"),
            "contamination": contamination}
