"""`medinst score`: MedINST's evaluation metrics for a file of model predictions.

The file is JSON Lines, one row per sample: `{"task": ..., "output": <gold>, "prediction": <model answer>}`, optionally
with `"scorer"` (cls, em, entity, multicls, bio, mse, rouge); other keys are ignored. A task's scorer comes from its rows,
else from the MedINST32 spec (sources/benchmarks/medinst32.yaml), else it gets only Rouge-L and token F1.
"""

import json
from pathlib import Path

from flows.output import as_table
from transforms.scoring import SCORERS, ScoringError, score_task

MEDINST32 = Path(__file__).resolve().parent.parent / "sources" / "benchmarks" / "medinst32.yaml"
FORMATS = ("table", "json")
DIGITS = 4  # in the table; the JSON keeps full precision


def medinst32_scorers(spec: Path = MEDINST32) -> dict[str, str]:
    """Task -> scorer, as the benchmark spec declares it."""
    from schemas.benchmark import load_benchmark

    return {t.task: t.scorer for t in load_benchmark(spec).tasks}


def read_predictions(path: str | Path) -> list[dict]:
    """The rows of a predictions file, checked; blank lines are skipped. A null prediction (a generation that failed)
    is scored as an empty answer."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise ScoringError(f"cannot read {path}: {e}") from None
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise ScoringError(f"{where}: not JSON: {e}") from None
        if not isinstance(row, dict):
            raise ScoringError(f"{where}: expected an object with task, output and prediction")
        for key in ("task", "output"):
            if not isinstance(row.get(key), str):
                raise ScoringError(f"{where}: `{key}` must be a string")
        if not row["task"]:
            raise ScoringError(f"{where}: `task` is empty")
        if "prediction" not in row:
            raise ScoringError(f"{where}: no `prediction`")
        if row["prediction"] is not None and not isinstance(row["prediction"], str):
            raise ScoringError(f"{where}: `prediction` must be a string or null")
        scorer = row.get("scorer")
        if scorer is not None and scorer not in SCORERS:
            raise ScoringError(f"{where}: unknown scorer {scorer!r}: expected one of {', '.join(SCORERS)}")
        rows.append({"task": row["task"], "output": row["output"], "prediction": row["prediction"] or "",
                     "scorer": scorer})
    if not rows:
        raise ScoringError(f"{path}: no rows to score")
    return rows


def score_file(path: str | Path, scorers: dict[str, str] | None = None) -> dict[str, dict[str, float]]:
    """{task: {metric: value, ..., "n": rows}} for every task of a predictions file, in order of first appearance.

    `scorers` maps task -> scorer for tasks whose rows name none (default: MedINST32's); a task in neither gets the
    `rouge` scorer (Rouge-L and token F1 only). Rows of one task naming different scorers are an error."""
    rows = read_predictions(path)
    defaults = medinst32_scorers() if scorers is None else scorers
    by_task: dict[str, list[dict]] = {}
    for row in rows:
        by_task.setdefault(row["task"], []).append(row)
    results = {}
    for task, task_rows in by_task.items():
        named = sorted({r["scorer"] for r in task_rows if r["scorer"] is not None})
        if len(named) > 1:
            raise ScoringError(f"{path}: the rows of task {task!r} name different scorers: {', '.join(named)}")
        scorer = named[0] if named else defaults.get(task, "rouge")
        try:
            results[task] = score_task(scorer, [r["output"] for r in task_rows], [r["prediction"] for r in task_rows])
        except ScoringError as e:
            raise ScoringError(f"task {task!r} ({scorer}): {e}") from None
    return results


def score_command(path: str, fmt: str = "table") -> str:
    """What `medinst score FILE --format table|json` prints: one table row per task and metric (value, rows), or
    JSON {task: {metric: value, "n": rows}}."""
    if fmt not in FORMATS:
        raise ScoringError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    results = score_file(path)
    if fmt == "json":
        return json.dumps(results, ensure_ascii=False, indent=1)
    rows = [(task, metric, round(value, DIGITS), metrics["n"])
            for task, metrics in results.items() for metric, value in metrics.items() if metric != "n"]
    return as_table(["task", "metric", "value", "n"], rows)
