"""The `medinst` command line (also `python -m flows`)."""

import argparse
import os
import sys
from collections import Counter

from flows.output import FORMATS


def _settings_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", help="data root (MEDINST_HOME; default ~/.medinst)")
    parser.add_argument("--sources-root", help="mirror root <root>/<source_id>/<file> (MEDINST_SOURCES_ROOT)")
    parser.add_argument("--registry", nargs="+", metavar="DIR", help="extra registry folders (MEDINST_REGISTRY)")


def _build(args) -> int:
    from flows.build import BuildFailed, build
    from flows.output import as_table
    from schemas.errors import RegistryError, SourceError

    try:
        result = build(only=args.only, registry=args.registry, home=args.home, sources_root=args.sources_root,
                       strict=args.strict)
    except (BuildFailed, RegistryError, SourceError) as e:
        print(f"medinst build failed: {e}", file=sys.stderr)
        return 1
    rows = [(s["source"], s["rows"], s["quarantined"], s["cache"]) for s in result["sources"]]
    print(as_table(["source", "rows", "quarantined", "cache"], rows))
    skipped = result["skipped"]
    if skipped:
        reasons = Counter(why.split(":")[0] for why in skipped.values())
        print(f"skipped {len(skipped)} source(s): " + ", ".join(f"{n} {why}" for why, n in reasons.most_common()))
        for source, why in skipped.items():
            if not why.startswith("not buildable here"):  # the declared-only ones are listed in the `sources` view
                print(f"  {source}: {why}")
    rebuilt = sum(s["cache"] == "rebuilt" for s in result["sources"])
    print(f"build {result['build_id']} published under {result['home']}: {len(result['sources'])} source(s) built ("
          + (f"{rebuilt} rebuilt" if rebuilt else "nothing changed, no source recomputed") + f"), {len(skipped)} skipped")
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
        print(f"mixture {name}: {rows} rows")
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


def _sql(args) -> int:
    import duckdb

    from flows.settings import resolve
    from warehouse.catalog import query
    from warehouse.layout import current_build

    settings = resolve(home=args.home)
    build = current_build(settings.home)
    if build is None:
        print(f"no published warehouse under {settings.home}: run `medinst build` first", file=sys.stderr)
        return 1
    try:
        columns, rows = query(build, args.query)
    except duckdb.Error as e:
        print(f"medinst sql: {e}", file=sys.stderr)
        return 1
    print(FORMATS[args.format](columns, rows))
    return 0


def main(argv: list[str] | None = None) -> int:
    # Offline machines are the common case: the temporary Prefect server should not try to phone home.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    parser = argparse.ArgumentParser(prog="medinst", description="Rebuild MedINST from the original corpora.")
    commands = parser.add_subparsers(dest="command", required=True)

    p_build = commands.add_parser("build", help="fetch, parse, render, validate and publish the warehouse")
    p_build.add_argument("--only", nargs="+", metavar="SOURCE", help="build only these sources")
    p_build.add_argument("--strict", action="store_true", help="fail when any source is skipped")
    _settings_flags(p_build)
    p_build.set_defaults(run=_build)

    p_bench = commands.add_parser("benchmark", help="build MedINST32 and the training mixtures from the warehouse")
    p_bench.add_argument("--spec", help="benchmark spec (default: sources/benchmarks/medinst32.yaml)")
    p_bench.add_argument("--size", type=int, default=100_000, help="rows per training mixture (default 100000)")
    p_bench.add_argument("--strategy", choices=["proportional", "temperature", "capped"], default="proportional")
    p_bench.add_argument("--temperature", type=float, default=2.0, help="T for --strategy temperature")
    p_bench.add_argument("--cap", type=int, help="rows per task at most, for --strategy capped")
    p_bench.add_argument("--unseen-rule", choices=["medinst", "strict"], default="medinst",
                         help="medinst: drop the test tasks; strict: drop every task sharing a corpus with one")
    p_bench.add_argument("--seed", type=int, default=2024)
    p_bench.add_argument("--home", help="data root (MEDINST_HOME; default ~/.medinst)")
    p_bench.set_defaults(run=_benchmark)

    p_export = commands.add_parser("export", help="write the published warehouse as MedINST JSON Lines, "
                                   "a Hugging Face dataset (Parquet and card) or chat messages")
    p_export.add_argument("--format", choices=["jsonl", "hf", "chat"], required=True)
    p_export.add_argument("--out", required=True, metavar="DIR", help="output folder; refused if not empty")
    p_export.add_argument("--exclude-license", nargs="+", metavar="TEXT",
                          help="leave out subsets whose source licence contains any of these (ignoring case)")
    p_export.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    p_export.add_argument("--home", help="data root (MEDINST_HOME; default ~/.medinst)")
    p_export.set_defaults(run=_export)

    p_score = commands.add_parser("score", help="score model predictions (JSON Lines of task, output, prediction) "
                                  "with MedINST's metrics")
    p_score.add_argument("file", metavar="FILE.jsonl")
    p_score.add_argument("--format", choices=["table", "json"], default="table")
    p_score.set_defaults(run=_score)

    p_sql = commands.add_parser("sql", help="read-only SQL over the published warehouse")
    p_sql.add_argument("query")
    p_sql.add_argument("--format", choices=sorted(FORMATS), default="table")
    p_sql.add_argument("--home", help="data root (MEDINST_HOME; default ~/.medinst)")
    p_sql.set_defaults(run=_sql)

    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
