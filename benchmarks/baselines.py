"""The usual ways of turning family rows into instruction rows, timed, to compare our pipeline against.

Our render+validate+write stage works on whole Polars frames. Each baseline here takes the same
canonical input (family Parquet shards, see `schemas.families.POLARS_SCHEMAS`) and writes rows
identical to ours (`same_rows` checks it), done the way such scripts are commonly written:

- `datasets_map`: Hugging Face `datasets`: `Dataset.from_parquet`, then either the BigBio
  loading-script way (`.filter`, a Python function per example through `.map`, `.filter`) or, with
  batched=True, one batched `.map` that drops rows itself; then a dedupe and `.to_parquet`.
- `python_loop_jsonl`: a hand-written loop over the rows as dicts, writing JSON Lines.
- `polars_copy`: the floor with no transform at all: the family shards scanned and sunk unchanged.
- `pyarrow_write`: the write floor: the final instruction rows written by `pyarrow.parquet` alone.

Every function returns {"name", "rows", "seconds", "rows_per_s", "peak_rss_mib", "rss_before_mib"}:
`seconds` is wall time (time.perf_counter) around read -> transform -> write (for `pyarrow_write`
the write alone); `rows` are the rows written. `peak_rss_mib` is the process's peak resident set
during the baseline: on Linux the kernel's high-water mark (VmHWM in /proc/self/status), reset just
before the work (writing 5 to /proc/self/clear_refs), so it covers the work and whatever the process
already held; elsewhere getrusage's ru_maxrss, which is process-wide and never goes down. Neither
isolates a baseline from what its process held before, so the honest figure comes from running each
baseline alone in a fresh interpreter: `run_isolated` (and `python -m benchmarks.baselines NAME ...`)
does that and reports the child's figure. (Not the parent's ru_maxrss of its children: Linux carries
ru_maxrss across fork+exec, so a child would inherit the parent's peak.) `rss_before_mib` is the
resident set just before the work (interpreter plus the baseline's own imports), so peak minus
before is what the work itself added. Libraries are imported inside each baseline so that a child
only pays for the library it uses.
"""

import argparse
import hashlib
import json
import os
import resource
import string
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from transforms.clean import repair_text  # html, re and polars only: no weight on the memory figures

REPO = Path(__file__).resolve().parent.parent

# The instruction row's columns, in schemas.instructions.POLARS_SCHEMA's order (not imported from
# there: that module pulls in pandera, which would weigh on every baseline's memory figure).
COLUMNS = [
    "uid", "task", "category", "source", "split", "instruction", "input", "output", "history", "license",
    "source_sha256", "doc_id", "pipeline_version",
]
LETTERS = string.ascii_uppercase


@dataclass(frozen=True)
class TaskContext:
    """What one task needs to turn its source's family rows into instruction rows."""

    source: str
    task: str
    category: str
    instruction: str  # as written in the output: the registry's text, stripped
    license: str
    renderer: str  # registered renderer name: qa_v1, txtclass_v1 or t2t_v1
    options: dict = field(default_factory=dict)
    splits: dict[str, str] = field(default_factory=dict)  # source split -> train/dev/test
    sha_by_file: dict[str, str | None] = field(default_factory=dict)  # declared path -> sha256
    version: str = "bench"

    @classmethod
    def from_spec(cls, spec, task_name: str, version: str = "bench") -> "TaskContext":
        """From a schemas.registry.SourceSpec and the name of one of its tasks."""
        task = next(t for t in spec.tasks if t.name == task_name)
        return cls(
            source=spec.id, task=task.name, category=task.category, instruction=task.instruction.strip(),
            license=spec.license, renderer=task.renderer.name, options=dict(task.renderer.options),
            splits=dict(task.splits), sha_by_file={f.path: f.sha256 for f in spec.files}, version=version,
        )

    def sha_for(self, source_file: str) -> str | None:
        """The declared sha256 of the file a record came from; a record of a declared folder gets the folder's."""
        if source_file in self.sha_by_file:
            return self.sha_by_file[source_file]
        # Like the pipeline, the last declared folder that holds the file wins.
        for path, sha in reversed(self.sha_by_file.items()):
            if source_file.startswith(path + "/"):
                return sha
        return None


# --- one example at a time: what a loading script writes --------------------------------------------------


def _qa_input(ex: dict) -> str:
    text = f"Question: {ex['question']}"
    if ex["context"]:
        text += f"\nContext: {ex['context']}"
    if ex["type"] == "multiple_choice":
        text += "\nOptions:" + "".join(f"\n{LETTERS[i]}. {choice}" for i, choice in enumerate(ex["choices"]))
    return text


def _qa_output(ex: dict, answer_style: str) -> str:
    answers = ex["answer"]
    if ex["type"] == "multiple_choice":
        gold = answers[0]
        letter = LETTERS[ex["choices"].index(gold)]
        return {"text": gold, "letter": letter, "letter_text": f"{letter}. {gold}"}[answer_style]
    if ex["type"] in ("factoid", "summary"):
        return answers[0].strip()
    return ", ".join(a.strip() for a in answers)


def render_example(ctx: TaskContext, ex: dict) -> tuple[str, str]:
    """(input, output) of one family record, by the task's renderer."""
    if ctx.renderer == "qa_v1":
        return _qa_input(ex), _qa_output(ex, ctx.options.get("answer_style", "text"))
    if ctx.renderer == "txtclass_v1":
        return ex["text"], ", ".join(ex["labels"])
    if ctx.renderer == "t2t_v1":
        return ctx.options.get("prefix", "") + ex["text_1"], ex["text_2"]
    raise ValueError(f"no baseline for renderer {ctx.renderer!r}")


def uid_of(ctx: TaskContext, document_id: str, split: str, input_: str, output: str) -> str:
    key = "\x1f".join([ctx.source, document_id, ctx.task, split, input_, output])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def instruction_row(ctx: TaskContext, ex: dict) -> dict:
    """The instruction row of one family record whose split the task maps (empty outputs included)."""
    split = ctx.splits[ex["split"]]
    input_, output = (repair_text(text) for text in render_example(ctx, ex))  # the pipeline's text repairs
    return {
        "uid": uid_of(ctx, ex["document_id"], split, input_, output),
        "task": ctx.task,
        "category": ctx.category,
        "source": ctx.source,
        "split": split,
        "instruction": ctx.instruction,
        "input": input_,
        "output": output,
        "history": [],
        "license": ctx.license,
        "source_sha256": ctx.sha_for(ex["source_file"]),
        "doc_id": ex["document_id"],
        "pipeline_version": ctx.version,
    }


# --- measuring --------------------------------------------------------------------------------------------


def _status_mib(field: str) -> float | None:
    """A memory line of /proc/self/status (Linux), in MiB; None where there is none."""
    try:
        with open("/proc/self/status") as status:
            line = next(x for x in status if x.startswith(field + ":"))
    except (OSError, StopIteration):
        return None
    return round(int(line.split()[1]) / 1024, 1)  # the kernel writes kB


def _reset_peak() -> float:
    """Start a new peak-RSS window; returns the resident set now."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
    except OSError:
        pass
    return _status_mib("VmRSS") or _maxrss_mib()


def _maxrss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


def _peak_mib() -> float:
    return _status_mib("VmHWM") or _maxrss_mib()


def _result(name: str, rows: int, seconds: float, rss_before: float, out: Path) -> dict:
    return {
        "name": name, "rows": rows, "seconds": round(seconds, 4),
        "rows_per_s": round(rows / seconds) if seconds > 0 else None,
        # The kernel may reclaim a few mapped pages between reading `rss_before` and resetting the
        # high-water mark (seen once in CI: 579.4 < 579.7 MiB): the peak is at least what was held before.
        "peak_rss_mib": max(_peak_mib(), rss_before), "rss_before_mib": rss_before, "out": str(out),
    }


def _paths(files) -> list[str]:
    return [str(f) for f in ([files] if isinstance(files, (str, Path)) else files)]


# --- the baselines ----------------------------------------------------------------------------------------


def datasets_map(shards: list[Path], ctx: TaskContext, out: Path, batched: bool = False) -> dict:
    """Hugging Face `datasets` in one process (num_proc=None), two ways.

    batched=False, the BigBio loading-script way: `.filter` of the mapped splits, `.map` of a function
    per example, `.filter` of blank outputs. batched=True, the library used well: one `.map` of a
    function per batch of 1000 that keeps only mapped splits and non-blank outputs itself (a batched
    map may return fewer rows), so that no `.filter` is needed. The difference matters: `.filter` (and
    `.select`) leave an indices mapping, and whatever reads through one afterwards (`.map`,
    `to_parquet`, `flatten_indices`) gathers the rows one by one (about 0.1 ms a row here).
    Then, both: the first row of each uid is kept (`datasets` has no row-wise dedupe: the uid column
    is walked with a set and `.select` keeps those indices, only when some uid repeats), and
    `to_parquet(out)`.

    Settings, the library's defaults but for features: `from_parquet` converts the shards into its
    Arrow cache and every `.map`/`.filter` writes its own cache file, as a first run does, in a fresh
    temporary cache folder (no earlier run's cache is reused; removed after the timing);
    keep_in_memory=False (memory-mapped Arrow). `to_parquet` writes snappy, not zstd like ours:
    datasets 5.2 sets a per-column compression itself and refuses a `compression` argument. `features`
    are given to `.map` so that `history` is typed list<struct<user, assistant>> rather than
    inferred from []. Progress bars are off. The result also has `stages`: seconds per step.
    """
    import datasets

    datasets.disable_progress_bars()
    turn = {"user": datasets.Value("string"), "assistant": datasets.Value("string")}
    features = datasets.Features(
        {c: datasets.List(turn) if c == "history" else datasets.Value("string") for c in COLUMNS}
    )
    stages: dict[str, float] = {}
    rss_before = _reset_peak()
    with tempfile.TemporaryDirectory(prefix="hf-cache-") as cache:
        start = lap = time.perf_counter()

        def step(name: str) -> None:
            nonlocal lap
            now = time.perf_counter()
            stages[name] = round(now - lap, 4)
            lap = now

        ds = datasets.Dataset.from_parquet(_paths(shards), cache_dir=cache)
        step("from_parquet")
        if batched:
            ds = ds.map(lambda b: _instruction_batch(ctx, b), batched=True, remove_columns=ds.column_names,
                        features=features)
            step("map")
        else:
            ds = ds.filter(lambda ex: ex["split"] in ctx.splits)
            step("filter_split")
            ds = ds.map(lambda ex: instruction_row(ctx, ex), remove_columns=ds.column_names, features=features)
            step("map")
            ds = ds.filter(lambda ex: ex["output"].strip() != "")
            step("filter_blank")
        seen: set[str] = set()
        first = [i for i, uid in enumerate(ds["uid"]) if not (uid in seen or seen.add(uid))]
        if len(first) < len(ds):
            ds = ds.select(first)
        step("dedupe")
        ds.to_parquet(str(out))
        step("to_parquet")
        seconds = time.perf_counter() - start
    result = _result("datasets_map_batched" if batched else "datasets_map", len(ds), seconds, rss_before, out)
    return {**result, "stages": stages}


def _instruction_batch(ctx: TaskContext, batch: dict[str, list]) -> dict[str, list]:
    """A batch of family records (columns of lists) as the instruction rows it keeps: mapped splits,
    non-blank outputs."""
    keys = list(batch)
    rows = []
    for values in zip(*batch.values()):
        ex = dict(zip(keys, values))
        if ex["split"] in ctx.splits:
            row = instruction_row(ctx, ex)
            if row["output"].strip() != "":
                rows.append(row)
    return {c: [r[c] for r in rows] for c in COLUMNS}


def python_loop_jsonl(shards: list[Path], ctx: TaskContext, out: Path) -> dict:
    """A hand-written loop: pyarrow reads record batches of the shards, each row a dict (to_pylist),
    each kept instruction row one `json.dumps` line (UTF-8, ensure_ascii=False); a set drops repeated uids."""
    import pyarrow.parquet as pq

    rss_before = _reset_peak()
    start = time.perf_counter()
    seen: set[str] = set()
    with open(out, "w", encoding="utf-8") as sink:
        for path in _paths(shards):
            for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
                for ex in batch.to_pylist():
                    if ex["split"] not in ctx.splits:
                        continue
                    row = instruction_row(ctx, ex)
                    if row["output"].strip() == "" or row["uid"] in seen:
                        continue
                    seen.add(row["uid"])
                    sink.write(json.dumps(row, ensure_ascii=False) + "\n")
    seconds = time.perf_counter() - start
    return _result("python_loop_jsonl", len(seen), seconds, rss_before, out)


def polars_copy(shards: list[Path], out: Path) -> dict:
    """The floor with no transform: a lazy scan of the family shards streamed to one zstd Parquet file."""
    rss_before = _reset_peak()
    start = time.perf_counter()
    pl.scan_parquet(_paths(shards)).sink_parquet(out, compression="zstd")
    seconds = time.perf_counter() - start
    rows = pl.scan_parquet(out).select(pl.len()).collect().item()  # after the timing: not part of the work
    return _result("polars_copy", rows, seconds, rss_before, out)


def pyarrow_write(instruction_files: list[Path], out: Path) -> dict:
    """The write floor: the final instruction rows, read into one Arrow table first (not timed), then
    written by `pyarrow.parquet.write_table` with zstd (timed). Memory includes the table read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rss_before = _reset_peak()
    table = pa.concat_tables([pq.read_table(p) for p in _paths(instruction_files)])
    start = time.perf_counter()
    pq.write_table(table, out, compression="zstd")
    seconds = time.perf_counter() - start
    return _result("pyarrow_write", table.num_rows, seconds, rss_before, out)


BASELINES = {
    "datasets_map": datasets_map,
    "datasets_map_batched": lambda shards, ctx, out: datasets_map(shards, ctx, out, batched=True),
    "python_loop_jsonl": python_loop_jsonl,
    "polars_copy": lambda shards, ctx, out: polars_copy(shards, out),
    "pyarrow_write": lambda files, ctx, out: pyarrow_write(files, out),
}


def run_isolated(name: str, files: list[Path], out: Path, ctx: TaskContext | None = None,
                 timeout: float | None = None) -> dict:
    """Run one baseline (a key of BASELINES) in a fresh interpreter: its peak RSS is then its own."""
    cmd = [sys.executable, "-m", "benchmarks.baselines", name, "--out", str(out)]
    if ctx is not None:
        cmd += ["--ctx", json.dumps(asdict(ctx))]
    cmd += _paths(files)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
           "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"baseline {name} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_all(shards: list[Path], ctx: TaskContext, workdir: Path, timeout: float | None = None) -> list[dict]:
    """Every baseline on the same shards, each in its own process; pyarrow_write rewrites datasets_map's output."""
    workdir.mkdir(parents=True, exist_ok=True)
    results = [
        run_isolated("datasets_map", shards, workdir / "datasets_map.parquet", ctx, timeout),
        run_isolated("datasets_map_batched", shards, workdir / "datasets_map_batched.parquet", ctx, timeout),
        run_isolated("python_loop_jsonl", shards, workdir / "python_loop.jsonl", ctx, timeout),
        run_isolated("polars_copy", shards, workdir / "polars_copy.parquet", None, timeout),
    ]
    results.append(run_isolated("pyarrow_write", [workdir / "datasets_map.parquet"],
                                workdir / "pyarrow_write.parquet", None, timeout))
    return results


# --- correctness --------------------------------------------------------------------------------------------


def _instruction_files(where) -> list[Path]:
    paths = [Path(p) for p in ([where] if isinstance(where, (str, Path)) else where)]
    files = []
    for p in paths:
        if p.is_dir():
            files += sorted(p.rglob("*.parquet")) + sorted(p.rglob("*.jsonl"))
        else:
            files.append(p)
    return files


def _read_instructions(where) -> pl.DataFrame:
    from schemas.instructions import POLARS_SCHEMA

    frames = []
    for f in _instruction_files(where):
        if f.suffix == ".jsonl":
            frames.append(pl.read_ndjson(f, schema=POLARS_SCHEMA))
        else:
            frame = pl.read_parquet(f, hive_partitioning=False)
            frames.append(frame.select([c for c in COLUMNS if c in frame.columns]))
    if not frames:
        raise FileNotFoundError(f"no .parquet or .jsonl instruction rows in {where}")
    return pl.concat(frames, how="diagonal_relaxed")


def _comparable(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A column as plain strings: `history` by its fields' names (struct field order may differ by writer)."""
    if column != "history":
        return pl.col(column).cast(pl.Utf8)
    turn = pl.concat_str([pl.element().struct.field("user"), pl.element().struct.field("assistant")],
                         separator="\x1f")
    return pl.col("history").list.eval(turn).list.join("\x1e")


def same_rows(a: Path | list[Path], b: Path | list[Path]) -> tuple[bool, str]:
    """Do two sets of instruction rows (Parquet or JSONL files, or folders of them) hold the same rows?

    Same uids, each once, and per uid the same input and output, and the same value in every other
    instruction column both sides have. Returns (verdict, a short explanation of the first difference).
    """
    left, right = _read_instructions(a), _read_instructions(b)
    for side, frame in (("a", left), ("b", right)):
        dupes = frame.height - frame["uid"].n_unique()
        if dupes:
            return False, f"{side} repeats {dupes} uid(s), e.g. {frame.filter(pl.col('uid').is_duplicated())['uid'][0]}"
    only_left = left.join(right, on="uid", how="anti")
    only_right = right.join(left, on="uid", how="anti")
    if only_left.height or only_right.height:
        example = only_left if only_left.height else only_right
        return False, (f"uids differ: {only_left.height} only in a, {only_right.height} only in b "
                       f"(a has {left.height} rows, b {right.height}); e.g. {example['uid'][0]} "
                       f"with input {example['input'][0][:80]!r}")
    shared = ["input", "output"] + [c for c in COLUMNS if c not in ("uid", "input", "output")
                                    and c in left.columns and c in right.columns]
    joined = left.select("uid", *(_comparable(left, c) for c in shared)).join(
        right.select("uid", *(_comparable(right, c) for c in shared)), on="uid", suffix="_b")
    for column in shared:
        differ = joined.filter(pl.col(column).ne_missing(pl.col(f"{column}_b")))
        if differ.height:
            r = differ.row(0, named=True)
            return False, (f"{column} differs for {differ.height} uid(s), e.g. {r['uid']}: "
                           f"{str(r[column])[:80]!r} vs {str(r[column + '_b'])[:80]!r}")
    return True, f"same {left.height} rows (uid, {', '.join(shared)})"


# --- command line: one baseline in this (fresh) process -----------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.baselines",
                                     description="Run one baseline and print its timing as one JSON line.")
    parser.add_argument("name", choices=sorted(BASELINES))
    parser.add_argument("files", nargs="+", type=Path,
                        help="family Parquet shards (pyarrow_write: the final instruction Parquet files)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--ctx", help="the TaskContext as JSON (the baselines that render need it)")
    parser.add_argument("--source", help="instead of --ctx: a source id of the registry (sources/<id>.yaml) ...")
    parser.add_argument("--task", help="... and the name of one of its tasks")
    args = parser.parse_args(argv)
    ctx = None
    if args.ctx:
        ctx = TaskContext(**json.loads(args.ctx))
    elif args.source:
        from schemas.registry import load_source

        spec = load_source(REPO / "sources" / f"{args.source}.yaml")
        ctx = TaskContext.from_spec(spec, args.task or spec.tasks[0].name)
    if ctx is None and args.name not in ("polars_copy", "pyarrow_write"):
        parser.error(f"{args.name} needs --ctx or --source")
    print(json.dumps(BASELINES[args.name](args.files, ctx, args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
