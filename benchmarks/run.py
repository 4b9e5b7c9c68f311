"""The rebuild benchmark, one command: `python -m benchmarks [--small | --rows N] [--work DIR] [--output FILE]`.

1. Generates raw inputs at MedINST's scale and shape (`benchmarks.generate`: mirror corpora replicated
   in their original formats, with fresh ids, in MedINST's proportions; 7.6M training rows by default).
2. Rebuilds them with `medinst build` in a fresh process from the local mirror (cold: an empty home),
   sampling the process tree's memory, and reads each stage's time from the build's manifest.
3. Runs our render+validate+write on each of the largest sources alone, then the usual ways on the
   same canonical (family) rows (`benchmarks.baselines`), each in its own process, and checks that
   every way wrote the same rows.
4. Times DuckDB over the published warehouse (`benchmarks.queries`) and a no-op rebuild.
5. Writes `results.json` in the work folder and the report (BENCHMARKS.md).

`--small` runs the same steps on a few thousand rows: the tests use it to check the benchmark's
correctness (same rows every way, every source built); its timings mean nothing.
"""

import argparse
import itertools
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import yaml

from benchmarks import baselines, queries
from benchmarks.generate import generate

REPO = Path(__file__).resolve().parent.parent
SMALL_ROWS = 12_000
# The usual ways take minutes a million rows (datasets .map per example: ~4k rows/s): they run on
# each large source's first rows; rates (rows/s) are what is compared.
COMPARE_ROWS = 500_000
# The sources whose render stage is compared with the usual ways: 91% of MedINST's training rows.
COMPARED = ("bench_medal", "bench_scielo", "bench_biomrc", "bench_pqaa")
TARGETS = {"rebuild_seconds": 180, "peak_rss_mib": 2048, "count_seconds": 0.5, "noop_seconds": 15,
           "vs_datasets_map": 5.0, "vs_datasets_map_batched": 2.0, "vs_polars_copy": 1.5}


def _log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --- memory of a running process tree ----------------------------------------------------------------------


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children") if Path(f"/proc/{p}").exists() else []:
            try:
                todo += [int(c) for c in task.read_text().split()]
            except OSError:
                pass
    return pids


class _MemorySampler(threading.Thread):
    """Samples a process every 0.2 s: its own peak (VmHWM) and the peak of its whole tree's resident sets
    summed (the Prefect server it starts included)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.process_peak, self.tree_peak, self.done = pid, 0, 0, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.process_peak = max(self.process_peak, _status_kib(self.pid, "VmHWM"))
            self.tree_peak = max(self.tree_peak, sum(_status_kib(p, "VmRSS") for p in _tree(self.pid)))
            self.done.wait(0.2)


def _timed_process(cmd: list[str], env: dict, log: Path) -> dict:
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = _MemorySampler(proc.pid)
        sampler.start()
        code = proc.wait()
        sampler.done.set()
    seconds = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} ... failed ({code}); see {log}:\n{log.read_text()[-3000:]}")
    return {"seconds": round(seconds, 2), "ended": time.time(), "process_peak_mib": round(sampler.process_peak / 1024),
            "tree_peak_mib": round(sampler.tree_peak / 1024)}


# --- the build ---------------------------------------------------------------------------------------------


def _build(work: Path, ids: list[str], log_name: str) -> dict:
    cmd = [sys.executable, "-m", "flows.cli", "build", "--only", *ids, "--registry", str(work / "registry"),
           "--sources-root", str(work / "mirror"), "--home", str(work / "home")]
    env = {**os.environ, "PREFECT_HOME": str(work / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_LOGGING_LEVEL": "INFO",
           "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    return _timed_process(cmd, env, work / log_name)


def _manifest(home: Path) -> dict:
    build = (home / "warehouse" / "CURRENT").read_text().strip()
    return json.loads((home / "warehouse" / "builds" / build / "manifest.json").read_text())


def _stages(manifest: dict, build: dict) -> list[dict]:
    """Each stage's time summed over sources (two run at a time, so the sum exceeds the wall time)."""
    totals: dict[str, dict] = {}
    for source in manifest["sources"]:
        for t in source["timings"]:
            s = totals.setdefault(t["step"], {"stage": t["step"], "seconds": 0.0, "rows": 0, "peak_rss_mib": 0})
            s["seconds"] += t["seconds"]
            s["rows"] += t.get("rows", 0)
            s["peak_rss_mib"] = max(s["peak_rss_mib"], round(t.get("peak_rss_mib", 0)))
    publish = {"stage": "publish", "seconds": build["ended"] - manifest["publish_started"], "rows": 0,
               "peak_rss_mib": build["process_peak_mib"]}
    stages = [totals[s] for s in ("fetch", "parse", "split", "render", "validate", "write") if s in totals] + [publish]
    for s in stages:
        s["seconds"] = round(s["seconds"], 2)
        s["rows_per_s"] = round(s["rows"] / s["seconds"]) if s["rows"] and s["seconds"] else None
    return stages


# --- our render stage alone, and the usual ways ------------------------------------------------------------


def _spec(work: Path, source: str, mirror: Path):
    """The generated source's spec, with its files' digests in `mirror` (a build records them on first
    fetch; the comparison reads a truncated copy)."""
    from schemas.registry import SourceSpec
    from warehouse.fetch import sha256_file

    spec = SourceSpec.model_validate(yaml.safe_load((work / "registry" / f"{source}.yaml").read_text()))
    files = [f.model_copy(update={"sha256": sha256_file(mirror / source / f.path)}) for f in spec.files]
    return spec.model_copy(update={"files": files})


def _first_rows(work: Path, source: str, rows: int) -> Path:
    """A mirror holding the source's first `rows` records: its line-based files cut after that many lines
    (after the CSV header). The whole source where it has no more rows, or is not line-based."""
    spec = yaml.safe_load((work / "registry" / f"{source}.yaml").read_text())
    header = {"csv_table_v1": 1, "parallel_text_v1": 0, "mcq_jsonl_v1": 0}.get(spec["parser"]["name"])
    generated = json.loads((work / "generated.json").read_text())["sources"][source]["rows"]
    if header is None or generated <= rows:
        return work / "mirror"
    mirror = work / "compare" / source / "mirror"
    for f in spec["files"]:
        target = mirror / source / f["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(work / "mirror" / source / f["path"], "rb") as src, open(target, "wb") as dst:
            dst.writelines(itertools.islice(src, rows + header))
    return mirror


def ours(work: Path, source: str, version: str, mirror: Path) -> dict:
    """Our pipeline on one source in this process: its family shards are kept as the canonical rows."""
    from transforms.pipeline import peak_rss_mib, process_source
    from warehouse.stage import PARQUET

    spec = _spec(work, source, mirror)
    local = {f.path: mirror / source / f.path for f in spec.files}
    scratch, out = work / "compare" / source / "canonical", work / "compare" / source / "ours"
    for folder in (scratch, out):
        shutil.rmtree(folder, ignore_errors=True)
    out.mkdir(parents=True)
    parts = []

    def write_part(frame) -> None:
        parts.append(out / f"part-{len(parts):05d}.parquet")
        frame.write_parquet(parts[-1], **PARQUET)  # as the build's stage writer does

    run = process_source(spec, local, version, scratch, write_part, keep_family=True)
    steps = {t["step"]: t for t in run.timings}
    # After the parse: read the shards (the split step), render, validate, write: what the baselines do.
    seconds = sum(steps[s]["seconds"] for s in ("split", "render", "validate", "write") if s in steps)
    return {"name": "medinst", "rows": run.rows, "seconds": round(seconds, 3),
            "rows_per_s": round(run.rows / seconds) if seconds else None, "peak_rss_mib": round(peak_rss_mib()),
            "parse_seconds": steps["parse"]["seconds"], "shards": [str(p) for p in sorted(scratch.rglob("*.parquet"))],
            "out": str(out)}


def _compare(work: Path, source: str, version: str, rows: int) -> dict:
    shutil.rmtree(work / "compare" / source, ignore_errors=True)
    mirror = _first_rows(work, source, rows)
    cmd = [sys.executable, "-m", "benchmarks.run", "ours", "--work", str(work), "--source", source,
           "--version", version, "--mirror", str(mirror)]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"our render of {source} failed: {done.stderr[-3000:]}")
    mine = json.loads(done.stdout.strip().splitlines()[-1])
    spec = _spec(work, source, mirror)
    ctx = baselines.TaskContext.from_spec(spec, spec.tasks[0].name, version=version)
    results = baselines.run_all([Path(p) for p in mine["shards"]], ctx, work / "compare" / source / "baselines")
    outputs = {"datasets_map": "datasets_map.parquet", "datasets_map_batched": "datasets_map_batched.parquet",
               "python_loop_jsonl": "python_loop.jsonl"}
    for r in results:
        if r["name"] in outputs:
            same, why = baselines.same_rows(Path(mine["out"]), work / "compare" / source / "baselines" / outputs[r["name"]])
            r["same_rows"], r["difference"] = same, why
    if mirror == work / "mirror":  # the whole source: the same rows as the build published
        build = work / "home" / "warehouse" / "builds" / (work / "home" / "warehouse" / "CURRENT").read_text().strip()
        published = sorted((build / "instructions").glob(f"category=*/task={ctx.task}/split=*/{source}-*.parquet"))
        mine["same_rows_as_build"], mine["difference"] = baselines.same_rows(Path(mine["out"]), published)
    shutil.rmtree(work / "compare" / source)  # several GB a source at full size
    return {"source": source, "task": ctx.task, "medinst": mine, "baselines": results}


# --- the report --------------------------------------------------------------------------------------------


def _machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    mem = 0
    try:
        mem = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem / 2**20, 1), "python": platform.python_version(),
            "system": platform.platform()}


def run(work: Path, rows: int, output: Path | None, compare_rows: int | None = COMPARE_ROWS,
        command: str = "python -m benchmarks") -> dict:
    """The whole benchmark; `compare_rows`: how many rows of each large source the usual ways run on
    (None: skip them)."""
    work.mkdir(parents=True, exist_ok=True)
    _log(f"generating {rows:,} training rows under {work}")
    started = time.perf_counter()
    gen = generate(work, rows)
    generate_seconds = time.perf_counter() - started
    ids = sorted(gen["sources"])

    shutil.rmtree(work / "home", ignore_errors=True)  # cold: nothing fetched, staged or cached
    shutil.rmtree(work / "prefect", ignore_errors=True)
    _log(f"building {len(ids)} sources")
    build = _build(work, ids, "build.log")
    manifest = _manifest(work / "home")
    built = {s["source"]: s["rows"] for s in manifest["sources"]}
    _log(f"built {sum(built.values()):,} rows in {build['seconds']} s; no-op rebuild")
    noop = _build(work, ids, "noop.log")
    _log("querying the warehouse")
    query_times = queries.time_queries(work / "home")
    comparisons = []
    if compare_rows:
        for source in (s for s in COMPARED if s in gen["sources"]):
            n = min(compare_rows, gen["sources"][source]["rows"])
            _log(f"render stage and the usual ways on {source} ({n:,} rows)")
            comparisons.append(_compare(work, source, manifest["pipeline_version"], compare_rows))
    results = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": _machine(),
        "command": command,
        "rows_requested": rows, "generated": gen, "generate_seconds": round(generate_seconds, 1),
        "build": {**build, "rows": sum(built.values()), "rows_by_source": built, "stages": _stages(manifest, build)},
        "noop": noop, "queries": query_times, "compare_rows": compare_rows, "comparisons": comparisons,
    }
    results["checks"] = checks(results)
    (work / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    if output:
        output.write_text(report(results))
        _log(f"wrote {output}")
    return results


def checks(r: dict) -> dict:
    """Correctness (every source yields its generated rows; every way writes the same rows) and the targets."""
    expected = {s: v["rows"] for s, v in r["generated"]["sources"].items()}
    count = next((q for q in r["queries"] if q["query"] == "count_by_task"), None)
    out = {
        "rows_as_generated": r["build"]["rows_by_source"] == expected,
        "same_rows_every_way": all(b.get("same_rows", True) for c in r["comparisons"] for b in c["baselines"])
        and all(c["medinst"].get("same_rows_as_build", True) for c in r["comparisons"]),
        "rebuild_seconds": r["build"]["seconds"] <= TARGETS["rebuild_seconds"],
        "peak_rss_mib": r["build"]["tree_peak_mib"] <= TARGETS["peak_rss_mib"],
        "count_seconds": bool(count) and count["process_seconds"] < TARGETS["count_seconds"],
        "noop_seconds": r["noop"]["seconds"] < TARGETS["noop_seconds"],
    }
    for c in r["comparisons"]:
        mine = c["medinst"]["seconds"]
        for b in c["baselines"]:
            key = f"vs_{b['name']}"
            if key in TARGETS:
                ratio = b["seconds"] / mine if key != "vs_polars_copy" else mine / b["seconds"]
                b["ratio"] = round(ratio, 2)
                ok = ratio <= TARGETS[key] if key == "vs_polars_copy" else ratio >= TARGETS[key]
                out[f"{c['source']}:{key}"] = ok
    return out


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join("" if v is None else f"{v:,}" if isinstance(v, int) else str(v) for v in row) + " |"
              for row in rows]
    return "\n".join(lines)


def report(r: dict) -> str:
    m, b, c = r["machine"], r["build"], r["checks"]
    mark = {True: "met", False: "**missed**"}
    gen_rows = [[s, v["template"], v["category"], v["rows"], f"{v['bytes'] / 1e6:,.0f}"]
                for s, v in r["generated"]["sources"].items()]
    stage_rows = [[s["stage"], s["seconds"], s["rows"] or None, s["rows_per_s"], s["peak_rss_mib"]] for s in b["stages"]]
    parts = [
        "# Benchmarks",
        "",
        "Written by `python -m benchmarks` (benchmarks/run.py); regenerate it with the command below. "
        "Timings are from one run on the machine named; the `--small` size that CI runs checks only correctness.",
        "",
        f"- Date: {r['date']}",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {m['python']}; {m['system']}",
        f"- Command: `{r['command']}`",
        f"- Generated inputs: {r['generated']['rows']:,} training rows, "
        f"{sum(v['bytes'] for v in r['generated']['sources'].values()) / 1e9:,.2f} GB of raw files "
        + (f"({r['generate_seconds']} s to generate)" if r["generate_seconds"] >= 1 else
           "(generated by an earlier run for the same size and seed, and reused)"),
        "",
        "## Targets",
        "",
        _table(["target", "measured", "result"], [
            ["full rebuild <= 180 s", f"{b['seconds']} s for {b['rows']:,} rows", mark[c["rebuild_seconds"]]],
            ["peak RSS <= 2 GiB (build process tree)", f"{b['tree_peak_mib']:,} MiB (build process alone "
             f"{b['process_peak_mib']:,} MiB)", mark[c["peak_rss_mib"]]],
            ["count by task < 0.5 s (whole process)",
             f"{next((q['process_seconds'] for q in r['queries'] if q['query'] == 'count_by_task'), '-')} s",
             mark[c["count_seconds"]]],
            ["no-op rebuild < 15 s", f"{r['noop']['seconds']} s", mark[c["noop_seconds"]]],
            ["every source yields the rows generated", "", mark[c["rows_as_generated"]]],
            ["every way writes the same rows", "", mark[c["same_rows_every_way"]]],
        ]),
        "",
        "## Inputs",
        "",
        _table(["source", "replicates", "category", "training rows", "MB"], gen_rows),
        "",
        "## The rebuild, stage by stage",
        "",
        f"Cold build of every source above from the local mirror into an empty home, in one `medinst build` "
        f"process (two sources at a time): **{b['seconds']} s** wall for {b['rows']:,} rows "
        f"({round(b['rows'] / b['seconds']):,} rows/s). Stage times are summed over sources (each source's "
        "own wall time in that stage, so with two sources at a time they can add up to more than the wall "
        "time); peak RSS is the build process's high-water mark when the stage last ended.",
        "",
        _table(["stage", "seconds", "rows", "rows/s", "peak RSS MiB"], stage_rows),
        "",
        "## Render + validate + write against the usual ways",
        "",
        f"Each of the four largest sources alone (its first {r['compare_rows']:,} rows at most), from the "
        "same canonical family rows (Parquet shards) to instruction rows, each way in a fresh process; "
        "ours is timed from reading the shards to the last row written (its parse excluded, as theirs). "
        "`ratio` is the way's time over ours (for the no-transform Polars copy, ours over its time). "
        "Every way's rows were checked equal to ours (uid, input, output and every other column).",
        "",
    ]
    for comp in r["comparisons"]:
        mine = comp["medinst"]
        rows = [["medinst (render+validate+write)", mine["rows"], mine["seconds"], mine["rows_per_s"],
                 mine["peak_rss_mib"], "", ""]]
        for x in comp["baselines"]:
            key = f"vs_{x['name']}"
            target = "" if key not in TARGETS else (mark[c[f"{comp['source']}:{key}"]])
            rows.append([x["name"], x["rows"], round(x["seconds"], 2), x.get("rows_per_s"), round(x["peak_rss_mib"]),
                         x.get("ratio", ""), target])
        parts += [f"### {comp['source']} ({comp['task']})", "",
                  _table(["way", "rows", "seconds", "rows/s", "peak RSS MiB", "ratio", "target"], rows), ""]
    parts += [
        "## DuckDB over the warehouse",
        "",
        "Best of three; `process` is a whole `medinst sql` process (start, imports, catalog, query, print).",
        "",
        _table(["query", "process s", "in-process s", "rows"],
               [[q["query"], q["process_seconds"], q["in_process_seconds"], q["rows_returned"]] for q in r["queries"]]),
        "",
        f"No-op rebuild (every source cached, a new build published): **{r['noop']['seconds']} s**.",
        "",
    ]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    inner = sub.add_parser("ours", help=argparse.SUPPRESS)
    inner.add_argument("--work", type=Path, required=True)
    inner.add_argument("--source", required=True)
    inner.add_argument("--version", required=True)
    inner.add_argument("--mirror", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=7_600_000, help="training rows to generate (default 7,600,000)")
    parser.add_argument("--small", action="store_true", help=f"{SMALL_ROWS:,} rows: a correctness check, not a timing")
    parser.add_argument("--work", type=Path, default=REPO / ".benchmarks", help="work folder (default .benchmarks/)")
    parser.add_argument("--output", type=Path, help="report to write (default BENCHMARKS.md; none with --small)")
    parser.add_argument("--compare-rows", type=int, default=COMPARE_ROWS,
                        help=f"rows of each large source the usual ways run on (default {COMPARE_ROWS:,}; 0: skip)")
    args = parser.parse_args(argv)
    if args.command == "ours":
        print(json.dumps(ours(args.work, args.source, args.version, args.mirror)))
        return 0
    rows = SMALL_ROWS if args.small else args.rows
    output = args.output or (None if args.small else REPO / "BENCHMARKS.md")
    command = " ".join(["python -m benchmarks", *(argv if argv is not None else sys.argv[1:])])
    results = run(args.work, rows, output, compare_rows=args.compare_rows, command=command)
    failed = [k for k, ok in results["checks"].items() if not ok]
    for key, ok in results["checks"].items():
        print(f"{'ok  ' if ok else 'MISS'} {key}")
    correctness = {"rows_as_generated", "same_rows_every_way"}
    return 1 if correctness & set(failed) else 0


if __name__ == "__main__":
    sys.exit(main())
