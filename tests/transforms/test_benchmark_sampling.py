import polars as pl

from schemas.benchmark import BenchmarkSpec, MixtureSpec
from transforms.benchmark import benchmark_rows, draw_test_sets, mixture, unseen_tasks
from transforms.sampling import allocate, sample_mixture

SPEC = BenchmarkSpec(
    name="mini", seed=7, demonstrations=2, max_demonstration_chars=200,
    tasks=[
        {"task": "T-NER", "category": "NER", "level": 2, "metric": "Entity-F1", "scorer": "entity", "sample": 3},
        {"task": "T-QA", "category": "QA", "level": 1, "metric": "EM", "scorer": "em"},
        {"task": "T-ABSENT", "category": "RE", "level": 4, "metric": "Entity-F1", "scorer": "entity"},
    ],
)


def rows(task: str, category: str, split: str, n: int, source: str = "src", long: bool = False) -> pl.DataFrame:
    text = "x" * 500 if long else "text"
    return pl.DataFrame({
        "uid": [f"{task}-{split}-{i:03d}" for i in range(n)], "task": task, "category": category, "source": source,
        "split": split, "instruction": f"Do {task}.", "input": [f"{text} {i}" for i in range(n)],
        "output": [f"out {i}" for i in range(n)],
    })


TEST = pl.concat([rows("T-NER", "NER", "test", 10), rows("T-QA", "QA", "test", 4)])
TRAIN = pl.concat([
    rows("A-NER", "NER", "train", 5, source="a"), rows("B-NER", "NER", "train", 5, source="b"),
    rows("LONG-NER", "NER", "train", 5, long=True), rows("T-NER", "NER", "train", 5),
    rows("T-QA", "QA", "train", 5, source="qa"),
])


def test_test_sets_subsample_by_seed_and_report_missing_tasks():
    test, missing = draw_test_sets(TEST, SPEC)
    assert missing == ["T-ABSENT"]
    counts = dict(test.group_by("task").len().iter_rows())
    assert counts == {"T-NER": 3, "T-QA": 4}
    again, _ = draw_test_sets(TEST, SPEC)
    assert again.equals(test)
    other, _ = draw_test_sets(TEST, SPEC.model_copy(update={"seed": 8}))
    assert set(other.filter(pl.col("task") == "T-NER")["uid"]) != set(test.filter(pl.col("task") == "T-NER")["uid"])


def test_few_shot_demonstrations_come_from_other_tasks_of_the_same_category():
    test, _ = draw_test_sets(TEST, SPEC)
    bench, no_demos = benchmark_rows(test, TRAIN, SPEC)
    few = bench.filter(pl.col("setting") == "few-shot", pl.col("task") == "T-NER")
    assert few.height == 3 and no_demos == ["T-QA"]  # QA has no other task to draw from
    for history in few["history"]:
        assert len(history) == 2
        tasks = {turn["user"].split("\n")[0] for turn in history}
        assert tasks == {"Do A-NER.", "Do B-NER."}  # distinct tasks, not the test task, not too long
        assert all(turn["assistant"].startswith("out ") for turn in history)
    zero = bench.filter(pl.col("setting") == "zero-shot")
    assert zero.height == 7 and zero["history"].list.len().sum() == 0
    assert bench_equal(bench, benchmark_rows(test, TRAIN, SPEC)[0])


def bench_equal(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    return a.sort("setting", "uid").equals(b.sort("setting", "uid"))


def test_benchmark_tasks_are_a_fallback_pool_when_a_category_has_nothing_else():
    test, _ = draw_test_sets(TEST, SPEC)
    train = pl.concat([TRAIN, rows("Other-QA", "QA", "train", 0)])
    spec = SPEC.model_copy(update={"tasks": [*SPEC.tasks, SPEC.tasks[1].model_copy(update={"task": "U-QA"})]})
    bench, no_demos = benchmark_rows(test, pl.concat([train, rows("U-QA", "QA", "train", 3)]), spec)
    qa = bench.filter(pl.col("setting") == "few-shot", pl.col("task") == "T-QA")
    assert qa.height == 4 and no_demos == []
    assert {t["user"].split("\n")[0] for h in qa["history"] for t in h} == {"Do U-QA."}


def test_unseen_rules():
    tasks = pl.DataFrame({"task": ["T-NER", "T-NER-RE", "A-NER", "T-QA"], "source": ["src", "src", "a", "qa"]})
    assert unseen_tasks(tasks, SPEC, "medinst") == ["A-NER", "T-NER-RE"]
    assert unseen_tasks(tasks, SPEC, "strict") == ["A-NER"]


def test_allocate_never_gives_a_task_more_than_it_has():
    assert allocate({"a": 1000, "b": 10, "c": 100}, {"a": 1000.0, "b": 10.0, "c": 100.0}, 500) == {"a": 450, "b": 5, "c": 45}
    sqrt = {"a": 1000 ** 0.5, "b": 10 ** 0.5, "c": 100 ** 0.5}
    assert allocate({"a": 1000, "b": 10, "c": 100}, sqrt, 500) == {"a": 390, "b": 10, "c": 100}
    assert allocate({"a": 3, "b": 3}, {"a": 1.0, "b": 1.0}, 100) == {"a": 3, "b": 3}


def test_mixtures_are_seeded_and_follow_the_strategy():
    pool = pl.concat([rows("big", "NER", "train", 90), rows("small", "NER", "train", 10)])
    spec = MixtureSpec(size=20, seed=1)
    first = mixture("m", pool, ["big", "small"], spec)
    assert first.height == 20 and first.equals(mixture("m", pool, ["big", "small"], spec))
    assert dict(first.group_by("task").len().iter_rows()) == {"big": 18, "small": 2}
    assert not first.equals(mixture("m", pool, ["big", "small"], spec.model_copy(update={"seed": 2})))
    capped = sample_mixture(pool, 100, "capped", seed=1, cap=15)
    assert dict(capped.group_by("task").len().iter_rows()) == {"big": 15, "small": 10}
    tempered = sample_mixture(pool, 20, "temperature", seed=1, temperature=1000.0)
    assert dict(tempered.group_by("task").len().iter_rows()) == {"big": 10, "small": 10}


def test_a_warehouse_without_any_benchmark_task_gives_empty_benchmark_rows():
    other = rows("MQP", "STS", "test", 3)
    test, missing = draw_test_sets(other, SPEC)
    assert missing == ["T-NER", "T-QA", "T-ABSENT"] and test.height == 0
    bench, no_demos = benchmark_rows(test, TRAIN, SPEC)
    assert bench.height == 0 and no_demos == []
    assert bench.columns == ["task", "category", "level", "metric", "setting", "instruction", "input", "output",
                             "history", "uid"]
