"""The evaluate flow: ask a model MedINST32's questions, score them as MedINST does, report beside the paper.

Backends:
  openai  any OpenAI-compatible Chat Completions endpoint (OpenAI, vLLM, `transformers serve`, SGLang,
          llama.cpp) through the `openai` client: AsyncOpenAI with a semaphore for bounded
          concurrency, the client's retries and timeout, temperature 0. The key comes from the
          environment variable `api_key_env` (a local server without one gets a placeholder).
  hf      in-process greedy generation with transformers (flows.gpu.generate) for a local model or
          LoRA adapter folder, in left-padded batches.

Prompts are MedINST's (`aialt/MedINST` `evaluation.py`): the few-shot demonstrations as user and
assistant turns, then one user message, instruction + "\\n" + input; no system prompt.

Answers are appended, one JSON line each as it arrives, to
MEDINST_HOME/predictions/<model slug>/<build id>.jsonl (setting, uid, task, output, prediction, ...:
`medinst score` reads it as it is), keyed by (setting, uid) and the prompt's sha256. A rerun asks
only for the rows not answered yet (nor answered for a different prompt, e.g. after `medinst
benchmark` drew other demonstrations), so an interrupted evaluation resumes where it stopped.
A request that still fails after the client's retries (server down, 5xx, timeout, auth) stops the
run with EvaluationIncomplete once the requests in flight have finished; a request the server
rejects as invalid (400/422, e.g. a prompt longer than the context window) is recorded as an empty
answer with its error and scored as wrong, as the model gave no answer.

Each task is then scored with transforms.scoring.score_task (Rouge-L, token F1 and the task's own
metric), and the build gets two derived views, replaced per (model, setting, task):
  predictions  model, setting, task, uid, prediction, output
  scores       model, setting, task, category, level, metric, value, n
plus a markdown report and a per-category chart under MEDINST_HOME/reports/<model slug>/<build id>/,
published as Prefect artifacts, with MedINST's own results (paper Table 3,
sources/benchmarks/medinst32_published.yaml) beside ours for the tasks present.
"""

import asyncio
import hashlib
import json
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

import duckdb
import polars as pl
import yaml
from prefect import flow, get_run_logger
from prefect.artifacts import create_image_artifact, create_markdown_artifact, create_table_artifact

from flows.benchmark import MEDINST32
from flows.finetune import read_view
from flows.gpu.data import messages, open_for_append, read_jsonl_tolerant
from flows.interrupt import remember_run
from flows.settings import resolve
from schemas.benchmark import load_benchmark
from transforms.scoring import METRIC, ScoringError, score_task
from warehouse.catalog import query, write_catalog, write_derived
from warehouse.layout import current_build

PUBLISHED = Path(__file__).resolve().parent.parent / "sources" / "benchmarks" / "medinst32_published.yaml"
SETTINGS = ("zero-shot", "few-shot")
PREDICTIONS_SCHEMA = {"model": pl.Utf8, "setting": pl.Utf8, "task": pl.Utf8, "uid": pl.Utf8, "prediction": pl.Utf8,
                      "output": pl.Utf8}
SCORES_SCHEMA = {"model": pl.Utf8, "setting": pl.Utf8, "task": pl.Utf8, "category": pl.Utf8, "level": pl.Int64,
                 "metric": pl.Utf8, "value": pl.Float64, "n": pl.Int64}


class EvaluationFailed(Exception):
    """Nothing to evaluate: no build, no benchmark, an unknown task or setting, no API key."""


class EvaluationIncomplete(EvaluationFailed):
    """Some rows have no answer yet (the endpoint failed); rerun to ask for those only."""


class PromptTooLong(Exception):
    """A prompt that does not fit the context window even without demonstrations: not sent."""


def slug(name: str) -> str:
    """A file-name-safe model name: `meta-llama/Llama-3-8B` -> `meta-llama--Llama-3-8B`."""
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", name.replace("/", "--")).strip("-.")
    return text[:120] or "model"


def headline(scorer: str) -> str:
    """The metric the paper reports for a scorer (rouge for the summarisation and translation tasks)."""
    return METRIC.get(scorer) or "rouge"


def prompt_sha256(turns: list[dict]) -> str:
    """What identifies a question asked: the messages sent."""
    return hashlib.sha256(json.dumps(turns, ensure_ascii=False).encode()).hexdigest()


# --- the rows to ask -------------------------------------------------------------------------------

def benchmark_rows(build: Path, settings: list[str], tasks: list[str] | None, limit: int | None,
                   seed: int | None = None) -> pl.DataFrame:
    """The benchmark rows of the chosen settings and tasks; with `limit`, the first N per (setting, task) by uid,
    or with `seed` too, by sha256(seed || uid): a seeded sample that another seed redraws."""
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown or not settings:
        raise EvaluationFailed(f"unknown setting(s) {unknown}: choose among {', '.join(SETTINGS)}")
    try:
        present = {t for (t,) in query(build, "select distinct task from benchmark")[1]}
    except duckdb.Error as e:
        raise EvaluationFailed(f"build {build.name} has no benchmark: run `medinst benchmark` first ({e})") from None
    if tasks:
        missing = sorted(set(tasks) - present)
        if missing:
            raise EvaluationFailed(f"task(s) not in the benchmark of build {build.name}: {', '.join(missing)}; "
                                   f"present: {', '.join(sorted(present))}")
    where = ["setting in (" + ", ".join(f"'{s}'" for s in settings) + ")"]
    if tasks:
        where.append("task in (" + ", ".join("'" + t.replace("'", "''") + "'" for t in tasks) + ")")
    order = "uid" if seed is None else f"sha256('{int(seed)}' || uid), uid"
    qualify = f"qualify row_number() over (partition by setting, task order by {order}) <= {int(limit)}" if limit else ""
    columns, rows = query(build, f"""
        select setting, task, category, level, uid, instruction, input, output, history from benchmark
        where {' and '.join(where)} {qualify} order by setting desc, task, uid""")
    if not rows:
        raise EvaluationFailed(f"no benchmark rows for settings {settings} and tasks {tasks or 'all'}")
    return pl.DataFrame([dict(zip(columns, r)) for r in rows], infer_schema_length=None)


def generation_caps(rows: pl.DataFrame, max_tokens: int, by_category: dict[str, int] | None) -> pl.DataFrame:
    """Each row's cap on new tokens: its category's in `by_category`, else `max_tokens`."""
    caps = {str(k): int(v) for k, v in (by_category or {}).items()}
    return rows.with_columns(max_tokens=pl.col("category").replace_strict(caps, default=max_tokens,
                                                                          return_dtype=pl.Int64))


def fit_prompts(rows: pl.DataFrame, count_tokens, context_window: int | None) -> pl.DataFrame:
    """The messages each row sends, its prompt_sha256, its number of demonstrations (`shots`) and
    prompt tokens.

    With a context window (and `count_tokens`: messages -> tokens, the chat template applied), a
    prompt that leaves fewer than the row's max_tokens free loses its demonstrations, earliest first,
    until it fits; a row that does not fit even without them keeps its prompt and gets
    `too_long` = True: it is recorded as an empty answer without asking (a model cannot answer it)."""
    sent, shots, lengths, too_long = [], [], [], []
    for row in rows.iter_rows(named=True):
        turns = messages(row)
        n = count_tokens(turns) if count_tokens else None
        if context_window and n is not None:
            budget = context_window - row["max_tokens"]
            while n > budget and len(turns) > 1:
                turns = turns[2:]  # one demonstration: a user turn and its assistant turn
                n = count_tokens(turns)
        sent.append(turns)
        shots.append((len(turns) - 1) // 2)
        lengths.append(n)
        too_long.append(bool(context_window and n is not None and n > context_window - row["max_tokens"]))
    digests = [prompt_sha256(t) for t in sent]
    return rows.with_columns(messages=pl.Series(sent, dtype=pl.List(pl.Struct({"role": pl.Utf8, "content": pl.Utf8}))),
                             prompt_sha256=pl.Series(digests), shots=pl.Series(shots, dtype=pl.Int64),
                             prompt_tokens=pl.Series(lengths, dtype=pl.Int64), too_long=pl.Series(too_long))


def token_counter(tokenizer: str | None):
    """messages -> prompt tokens with a tokenizer's chat template (None without a tokenizer)."""
    if not tokenizer:
        return None
    from transformers import AutoTokenizer

    loaded = AutoTokenizer.from_pretrained(tokenizer)
    return lambda turns: len(loaded.apply_chat_template(turns, tokenize=True, add_generation_prompt=True,
                                                        return_dict=True)["input_ids"])


def answered(path: Path) -> dict[tuple[str, str], dict]:
    """(setting, uid) -> the latest answer recorded in a predictions file."""
    return {(r["setting"], r["uid"]): r for r in read_jsonl_tolerant(path) if "setting" in r and "uid" in r}


def unanswered(rows: pl.DataFrame, answers: dict) -> list[dict]:
    """Rows without an answer to the same prompt under the same cap on new tokens."""
    todo = []
    for r in rows.iter_rows(named=True):
        answer = answers.get((r["setting"], r["uid"]), {})
        if answer.get("prompt_sha256") != r["prompt_sha256"] or answer.get("max_tokens", r["max_tokens"]) != r["max_tokens"]:
            todo.append(r)
    return todo


# --- backends --------------------------------------------------------------------------------------

def _run_async(coroutine):
    """asyncio.run, also from a thread that already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def ask_openai(rows: list[dict], path: Path, *, model: str, base_url: str | None, api_key: str,
                     concurrency: int, timeout: float, retries: int, log) -> dict:
    """Ask an OpenAI-compatible endpoint for each row, appending every answer to `path` as it arrives.

    Each row sends its `messages` with its `max_tokens`; a row marked `too_long` is recorded as an empty
    answer without asking. Returns {answered, rejected, failures, seconds, completion_tokens}; after the
    first request that fails for good, no new request is sent (the ones in flight finish and are kept)."""
    import openai

    client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=retries)
    semaphore = asyncio.Semaphore(max(1, concurrency))
    stop = asyncio.Event()
    counts = {"answered": 0, "rejected": 0, "failures": [], "completion_tokens": 0}
    every = max(1, len(rows) // 20)
    began = time.monotonic()

    async def one(row: dict, f) -> None:
        async with semaphore:
            if stop.is_set():
                return
            started = time.monotonic()
            try:
                if row.get("too_long"):
                    raise PromptTooLong(f"prompt of {row['prompt_tokens']} tokens leaves fewer than max_tokens "
                                        f"{row['max_tokens']} free in the context window")
                response = await client.chat.completions.create(
                    model=model, messages=messages(row), temperature=0, max_tokens=row["max_tokens"])
                choice = response.choices[0]
                usage = response.usage
                answer = {"prediction": choice.message.content or "", "finish_reason": choice.finish_reason,
                          "prompt_tokens": usage.prompt_tokens if usage else None,
                          "completion_tokens": usage.completion_tokens if usage else None}
            except (openai.BadRequestError, openai.UnprocessableEntityError, PromptTooLong) as e:
                answer = {"prediction": "", "finish_reason": "error", "error": f"{type(e).__name__}: {e}"[:1000]}
                counts["rejected"] += 1
            except openai.APIError as e:
                counts["failures"].append(f"{row['setting']}/{row['task']}/{row['uid'][:12]}: {type(e).__name__}: {e}")
                stop.set()
                return
        record = {"setting": row["setting"], "uid": row["uid"], "task": row["task"], "output": row["output"], **answer,
                  "prompt_sha256": row["prompt_sha256"], "model": model, "max_tokens": row["max_tokens"],
                  "shots": row["shots"], "seconds": round(time.monotonic() - started, 3)}
        counts["completion_tokens"] += answer.get("completion_tokens") or 0
        f.write(json.dumps(record, ensure_ascii=False) + "\n")
        f.flush()
        counts["answered"] += 1
        if counts["answered"] % every == 0:
            log.info("%d/%d answered", counts["answered"], len(rows))

    try:
        with open_for_append(path) as f:
            await asyncio.gather(*(one(r, f) for r in rows))
    finally:
        await client.close()
    counts["seconds"] = round(time.monotonic() - began, 3)
    return counts


def ask_hf(rows: list[dict], path: Path, *, model: str, batch_size: int, log) -> dict:
    """Generate in process with transformers (flows.gpu.generate) for a local model or adapter folder, one
    pass per cap on new tokens; rows marked `too_long` are recorded as empty answers without asking."""
    from flows.gpu.generate import generate

    began = time.monotonic()
    rejected = [r for r in rows if r.get("too_long")]
    if rejected:
        with open_for_append(path) as f:
            for r in rejected:
                f.write(json.dumps({**_answer_fields(r), "prediction": "", "finish_reason": "error",
                                    "error": f"PromptTooLong: prompt of {r['prompt_tokens']} tokens"}) + "\n")
    asked = 0
    for cap in sorted({r["max_tokens"] for r in rows if not r.get("too_long")}):
        prompts = [{**_answer_fields(r), "messages": messages(r)}
                   for r in rows if r["max_tokens"] == cap and not r.get("too_long")]
        asked += generate(model, prompts, path, key=("setting", "uid", "prompt_sha256", "max_tokens"),
                          max_new_tokens=cap, batch_size=batch_size, log=log.info)["asked"]
    tokens = sum(a.get("completion_tokens") or 0 for a in read_jsonl_tolerant(path)[-asked:]) if asked else 0
    return {"answered": asked + len(rejected), "rejected": len(rejected), "failures": [],
            "seconds": round(time.monotonic() - began, 3), "completion_tokens": tokens}


def _answer_fields(row: dict) -> dict:
    return {k: row[k] for k in ("setting", "uid", "task", "output", "prompt_sha256", "max_tokens", "shots")}


# --- scoring and views -----------------------------------------------------------------------------

def score(rows: pl.DataFrame, scorers: dict[str, str], model: str, log) -> tuple[pl.DataFrame, dict[str, str]]:
    """One scores row per (setting, task, metric); and the tasks that could not be scored, with the reason."""
    records, unscored = [], {}
    for (setting, task), group in rows.group_by(["setting", "task"], maintain_order=True):
        try:
            metrics = score_task(scorers[task], group["output"].to_list(), group["prediction"].to_list())
        except ScoringError as e:
            log.warning("%s %s: not scored: %s", setting, task, e)
            unscored[f"{setting}/{task}"] = str(e)
            continue
        n = int(metrics.pop("n"))
        records += [{"model": model, "setting": setting, "task": task, "category": group["category"][0],
                     "level": int(group["level"][0]), "metric": metric, "value": float(value), "n": n}
                    for metric, value in metrics.items()]
    scores = pl.DataFrame(records, schema=SCORES_SCHEMA)
    return scores.sort("setting", "task", "metric", descending=[True, False, False]), unscored


def merge_view(build: Path, view: str, schema: dict, new: pl.DataFrame) -> pl.DataFrame:
    """The view's rows for other (model, setting, task) triples, plus `new`."""
    old = read_view(build, view, schema)
    keys = ["model", "setting", "task"]
    return pl.concat([old.join(new.select(keys).unique(), on=keys, how="anti"), new.select(list(schema))])


# --- report ----------------------------------------------------------------------------------------

def load_published(path: Path = PUBLISHED) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def display(value: float, metric: str) -> float:
    """Our fractions as the paper prints them: times 100, except MSE."""
    return value if metric == "mse" else 100 * value


def _table(header: list[str], rows: list[list], numeric_from: int = 1) -> str:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if i >= numeric_from else "---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def headline_table(scores: pl.DataFrame, scorers: dict[str, str]) -> pl.DataFrame:
    """task, category, level, metric, setting, value (as the paper prints it), n: each task's reported metric."""
    wanted = pl.DataFrame({"task": list(scorers), "metric": [headline(s) for s in scorers.values()]})
    return scores.join(wanted, on=["task", "metric"]).with_columns(
        shown=pl.when(pl.col("metric") == "mse").then(pl.col("value")).otherwise(pl.col("value") * 100))


def category_means(heads: pl.DataFrame, published: dict, settings: list[str]) -> list[dict]:
    """Per category: the mean of the reported metric over its tasks present (MSE tasks left out), ours per
    setting and the paper's per model over the same tasks."""
    keys = [m["key"] for m in published["models"]]
    out = []
    f1 = heads.filter(pl.col("metric") != "mse")
    for category in sorted(set(f1["category"])):
        part = f1.filter(pl.col("category") == category)
        tasks = sorted(set(part["task"]))
        row = {"category": category, "tasks": len(tasks)}
        for s in settings:
            values = part.filter(pl.col("setting") == s)["shown"]
            row[s] = float(values.mean()) if len(values) else None
        for k in keys:
            values = [published["results"][t][k] for t in tasks if t in published["results"]]
            row[k] = sum(values) / len(values) if values else None
        out.append(row)
    return out


def report_markdown(info: dict, scores: pl.DataFrame, scorers: dict[str, str], published: dict,
                    settings: list[str], chart_name: str | None) -> str:
    heads = headline_table(scores, scorers)
    models = published["models"]
    labels = [m.get("label", m["key"]) for m in models]
    order = list(published["results"])  # the paper's order
    present = sorted(set(heads["task"]), key=lambda t: (order.index(t) if t in order else len(order), t))
    per_task = []
    for task in present:
        part = heads.filter(pl.col("task") == task)
        metric = part["metric"][0]
        ours = [_fmt(next(iter(part.filter(pl.col("setting") == s)["shown"]), None)) for s in settings]
        n = "/".join(str(next(iter(part.filter(pl.col("setting") == s)["n"]), "–")) for s in settings)
        paper = published["results"].get(task, {})
        per_task.append([task, part["category"][0], part["level"][0], paper.get("metric", metric), n, *ours,
                         *(_fmt(paper.get(m["key"])) for m in models)])
    means = category_means(heads, published, settings)
    per_category = [[m["category"], m["tasks"], *(_fmt(m[s]) for s in settings),
                     *(_fmt(m[k["key"]]) for k in models)] for m in means]
    all_rows = [[r["setting"], r["task"], r["metric"], f"{r['value']:.4f}", r["n"]]
                for r in scores.iter_rows(named=True)]
    model_notes = "\n".join(f"- **{m.get('label', m['key'])}**: {m['name']}, {m['setting']}" for m in models)
    limit = f"at most {info['limit']} rows per task and setting" if info.get("limit") else "every benchmark row"
    if info.get("limit") and info.get("seed") is not None:
        limit += f" (drawn by sha256({info['seed']} || uid))"
    caps = info.get("max_tokens_by_category") or {}
    cap_text = f"at most {info['max_tokens']} new tokens" + (
        " (" + ", ".join(f"{c} {n}" for c, n in sorted(caps.items())) + ", others " + str(info["max_tokens"]) + ")"
        if caps else "")
    speed = info.get("throughput")
    speed_text = (f" This run: {speed['answered']} answers in {speed['seconds']:.0f} s, "
                  f"{speed['questions_per_s']:.2f} questions/s, {speed['tokens_per_s']:.1f} generated tokens/s."
                  if speed else "")
    fit_text = ""
    if info.get("context_window"):
        fit_text = (f"\nContext window {info['context_window']} tokens: {info['demonstrations_dropped']} few-shot "
                    f"prompt(s) lost demonstrations to fit, {info['too_long']} did not fit at all (empty answers).")
    chart = f"\n![Reported metric per category]({chart_name})\n" if chart_name else ""
    return f"""# MedINST32 evaluation: {info['model']}

Build `{info['build_id']}`, backend `{info['backend']}`{f" at `{info['base_url']}`" if info.get('base_url') else ''},
settings {', '.join(settings)}, {limit}; greedy decoding, {cap_text}.
{info['rows']} rows: {info['asked']} asked in this run, {info['reused']} answered earlier
(`{info['predictions']}`).{speed_text}{fit_text}

Scores are MedINST's scorers (`transforms.scoring`), printed as the paper prints them: times 100,
except BIOSSES (MSE, lower is better). The paper's numbers (Table 3) are for the full MedINST32
test sets, its baselines few-shot and its fine-tuned models zero-shot; ours cover the rows above.

## Per category

Mean of each task's reported metric over the tasks present here (MSE left out), ours per setting and
the paper's per model over the same tasks.
{chart}
{_table(['category', 'tasks', *settings, *labels], per_category)}

## Per task, beside MedINST's published results

`n` is the number of rows scored per setting ({'/'.join(settings)}).

{_table(['task', 'category', 'level', 'metric', 'n', *settings, *labels], per_task, numeric_from=4)}

{model_notes}

## Every metric

Fractions as `score_task` returns them (MSE in squared points); `rouge` is Rouge-L F, `f1` token F1.

{_table(['setting', 'task', 'metric', 'value', 'n'], all_rows, numeric_from=3)}
"""


def write_chart(scores: pl.DataFrame, scorers: dict[str, str], published: dict, settings: list[str],
                path: Path, title: str) -> bool:
    """Grouped bars of the reported metric per category (ours per setting), with the paper's L3-MI32 and
    GPT-4o over the same tasks as markers. False when there is nothing to draw (only MSE tasks)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    means = category_means(headline_table(scores, scorers), published, settings)
    if not means:
        return False
    names = [m["category"] for m in means]
    fig = Figure(figsize=(max(6.0, 1.3 * len(names) + 2), 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.8 / len(settings)
    colours = {"zero-shot": "#3b6ea5", "few-shot": "#e0892b"}
    for i, s in enumerate(settings):
        xs = [j - 0.4 + width * (i + 0.5) for j in range(len(names))]
        values = [m[s] if m[s] is not None else 0.0 for m in means]
        bars = ax.bar(xs, values, width=width * 0.95, label=f"{title} ({s})", color=colours.get(s, "#777777"))
        ax.bar_label(bars, labels=[f"{v:.1f}" if m[s] is not None else "" for v, m in zip(values, means)],
                     padding=2, fontsize=8)
    for key, marker, colour in (("L3-MI32", "D", "#2a9d4b"), ("GPT-4o", "*", "#c0392b")):
        points = [(j, m[key]) for j, m in enumerate(means) if m.get(key) is not None]
        if points:
            ax.scatter([p[0] for p in points], [p[1] for p in points], marker=marker, s=60, color=colour, zorder=3,
                       label=f"paper: {key}")
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel("reported metric (x100)")
    ax.set_xlabel("category (mean over its tasks present; MSE tasks not shown)", fontsize=8)
    ax.set_ylim(0, 105)
    ax.set_title(f"MedINST32 per category: {title}", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    fig.savefig(path, format="png", dpi=120, metadata={"Software": None})
    return True


def _throughput(outcome: dict) -> dict | None:
    """Questions and generated tokens per second of wall time, over this run's answers."""
    if not outcome["answered"] or not outcome["seconds"]:
        return None
    return {"answered": outcome["answered"], "seconds": outcome["seconds"],
            "questions_per_s": outcome["answered"] / outcome["seconds"],
            "completion_tokens": outcome["completion_tokens"],
            "tokens_per_s": outcome["completion_tokens"] / outcome["seconds"]}


def _artifact_key(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:80]


# --- the flow --------------------------------------------------------------------------------------

@flow(name="evaluate")
def evaluate(
    model: str,
    base_url: str | None = None,
    backend: Literal["openai", "hf"] = "openai",
    settings: list[str] = ["zero-shot", "few-shot"],  # never mutated
    tasks: list[str] | None = None,
    limit: int | None = None,
    concurrency: int = 4,
    timeout: float = 120,
    retries: int = 3,
    max_tokens: int = 1024,
    max_tokens_by_category: dict[str, int] | None = None,
    seed: int | None = None,
    context_window: int | None = None,
    tokenizer: str | None = None,
    home: str | None = None,
    api_key_env: str = "OPENAI_API_KEY",
    name: str | None = None,
    batch_size: int = 8,
    spec: str | None = None,
) -> dict:
    """Evaluate `model` on the current build's MedINST32 benchmark (see the module's docstring).

    Args:
        model: the model name the endpoint serves (openai) or a local model/adapter folder (hf).
        name: labels the model in the views, files and report (default: `model`).
        limit: at most N rows per (setting, task): the first by uid, or by sha256(seed || uid) with `seed`.
        max_tokens: cap on new tokens per answer; `max_tokens_by_category` overrides it per category
            (e.g. {"QA": 16, "NER": 128}). Each answer records its cap, and a new cap asks again.
        context_window: the model's context in tokens; with `tokenizer` (default for hf: the model),
            a few-shot prompt too long for it loses demonstrations, earliest first, until it fits
            (each answer records its `shots`); a prompt that never fits is an empty answer.
        batch_size: the hf backend's generation batch.
        spec: the benchmark spec the benchmark view was built with (default MedINST32's), for each
            task's scorer.
    """
    remember_run()  # for Ctrl-C (flows.interrupt)
    log = get_run_logger()
    if backend not in ("openai", "hf"):
        raise EvaluationFailed(f"unknown backend {backend!r}: openai or hf")
    settings = list(settings)
    label = name or model
    home_settings = resolve(home=home)
    build = current_build(home_settings.home)
    if build is None:
        raise EvaluationFailed(f"no published warehouse under {home_settings.home}: run `medinst build` first")
    bench_spec = load_benchmark(Path(spec) if spec else MEDINST32)
    scorers = {t.task: t.scorer for t in bench_spec.tasks}

    rows = benchmark_rows(build, settings, tasks, limit, seed)
    rows = generation_caps(rows, max_tokens, max_tokens_by_category)
    if context_window and not (tokenizer or backend == "hf"):
        raise EvaluationFailed("context_window needs a tokenizer (a model folder or id) to count prompt tokens")
    rows = fit_prompts(rows, token_counter(tokenizer or (model if backend == "hf" and context_window else None)),
                       context_window)
    fitted = rows.filter(pl.col("shots") < pl.col("history").list.len().fill_null(0)).height
    if fitted:
        log.info("%d few-shot prompt(s) lost demonstrations to fit the context window of %d tokens", fitted,
                 context_window)
    unknown = sorted(set(rows["task"]) - set(scorers))
    if unknown:
        raise EvaluationFailed(f"task(s) without a scorer in {bench_spec.name}: {', '.join(unknown)}")
    path = home_settings.home / "predictions" / slug(label) / f"{build.name}.jsonl"
    todo = unanswered(rows, answered(path))
    log.info("%s on build %s: %d rows (%d tasks, %s), %d to ask, %d answered earlier in %s", label, build.name,
             rows.height, rows["task"].n_unique(), ", ".join(settings), len(todo), rows.height - len(todo), path)

    outcome = {"answered": 0, "rejected": 0, "failures": [], "seconds": 0.0, "completion_tokens": 0}
    if todo and backend == "openai":
        api_key = os.environ.get(api_key_env)
        if not api_key and base_url is None:
            raise EvaluationFailed(f"no API key: set {api_key_env} (or give base_url for a local server)")
        outcome = _run_async(ask_openai(todo, path, model=model, base_url=base_url, api_key=api_key or "EMPTY",
                                        concurrency=concurrency, timeout=timeout, retries=retries, log=log))
    elif todo:
        if base_url:
            log.warning("backend hf generates in process: base_url %s is not used", base_url)
        outcome = ask_hf(todo, path, model=model, batch_size=batch_size, log=log)
    if outcome["rejected"]:
        log.warning("%d request(s) rejected by the endpoint or too long for the context (recorded as empty answers)",
                    outcome["rejected"])
    throughput = _throughput(outcome)
    if throughput:
        log.info("%d answer(s) in %.1f s: %.3f questions/s, %.1f generated tokens/s", outcome["answered"],
                 outcome["seconds"], throughput["questions_per_s"], throughput["tokens_per_s"])

    answers = answered(path)
    left = unanswered(rows, answers)
    if left:
        reasons = "; ".join(outcome["failures"][:3]) or "no reason recorded"
        raise EvaluationIncomplete(f"{len(left)} of {rows.height} row(s) still unanswered after {outcome['answered']} "
                                   f"new answer(s) ({reasons}); the answers are kept in {path}: run again to resume")

    scored = rows.with_columns(
        prediction=pl.Series([answers[(s, u)]["prediction"] or "" for s, u in zip(rows["setting"], rows["uid"])],
                             dtype=pl.Utf8),
        model=pl.lit(label))
    scores, unscored = score(scored, scorers, label, log)
    write_derived(build, "predictions", merge_view(build, "predictions", PREDICTIONS_SCHEMA, scored))
    write_derived(build, "scores", merge_view(build, "scores", SCORES_SCHEMA, scores))
    write_catalog(build)

    published = load_published()
    folder = home_settings.home / "reports" / slug(label) / build.name
    folder.mkdir(parents=True, exist_ok=True)
    chart = folder / "categories.png"
    drawn = write_chart(scores, scorers, published, settings, chart, label)
    info = {"model": label, "build_id": build.name, "backend": backend, "base_url": base_url if backend == "openai"
            else None, "limit": limit, "seed": seed, "max_tokens": max_tokens,
            "max_tokens_by_category": dict(max_tokens_by_category or {}), "context_window": context_window,
            "demonstrations_dropped": fitted, "too_long": int(rows["too_long"].sum()), "rows": rows.height,
            "asked": outcome["answered"], "reused": rows.height - len(todo), "predictions": str(path),
            "throughput": throughput}
    markdown = report_markdown(info, scores, scorers, published, settings, chart.name if drawn else None)
    report = folder / "report.md"
    report.write_text(markdown, encoding="utf-8")

    key = _artifact_key(f"medinst-eval-{slug(label)}")
    create_markdown_artifact(key=key, markdown=markdown.replace(f"({chart.name})", f"({chart.as_uri()})"),
                             description=f"MedINST32 evaluation of {label} on build {build.name}")
    create_table_artifact(key=f"{key}-scores", table=scores.to_dicts(),
                          description=f"MedINST32 scores of {label} (setting, task, metric)")
    if drawn:
        create_image_artifact(image_url=chart.as_uri(), key=f"{key}-chart",
                              description=f"MedINST32 per category: {label}")
    log.info("%s: %d score(s) over %d task(s); report %s", label, scores.height, scores["task"].n_unique(), report)
    return {**info, "scores": scores.to_dicts(), "unscored": unscored, "report": str(report),
            "chart": str(chart) if drawn else None}
