"""How long typical questions to a published warehouse take, as a user meets them.

Each query is timed twice: as a whole fresh process (`python -m flows.cli sql --home HOME SQL`, the
`medinst sql` command: interpreter start, imports, opening the read-only catalog, the query and
printing it), and in-process on one read-only catalog connection that stays open
(`warehouse.catalog.connect_read_only`), the query executed and all its rows fetched. Both are wall
time (time.perf_counter), best of `repeats` runs; the first in-process run also warms DuckDB's
caches for the others, which is what best-of reports.
"""

import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

QUERIES: list[tuple[str, str]] = [
    ("count_by_category_task_split", "select category, task, split, count(*) from instructions group by all"),
    ("count_by_task", "select task, count(*) from instructions group by task"),
    ("text_search", "select count(*) from instructions where input ilike '%carcinoma%'"),
    # Reservoir sampling returns exactly 1000 rows whenever the view holds that many.
    ("sample_1000", "select * from instructions using sample 1000 rows"),
]


def _best(run, repeats: int) -> tuple[float, object]:
    """The fastest of `repeats` calls, and what the last one returned."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def time_queries(home: Path, repeats: int = 3, queries: list[tuple[str, str]] = QUERIES) -> list[dict]:
    """[{"query", "sql", "process_seconds", "in_process_seconds", "rows_returned"}, ...] for a local home
    holding a published build."""
    from warehouse.catalog import connect_read_only
    from warehouse.layout import current_build

    build = current_build(Path(home))
    if build is None:
        raise FileNotFoundError(f"no published warehouse under {home}: run `medinst build` first")

    def in_a_process(sql: str) -> None:
        cmd = [sys.executable, "-m", "flows.cli", "sql", "--home", str(home), "--format", "csv", sql]
        done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"medinst sql failed ({done.returncode}): {done.stderr.strip()[-1000:]}")

    results = []
    con = connect_read_only(build)
    try:
        for name, sql in queries:
            in_process, rows = _best(lambda: con.execute(sql).fetchall(), repeats)
            process, _ = _best(lambda: in_a_process(sql), repeats)
            results.append({
                "query": name,
                "sql": sql,
                "process_seconds": round(process, 4),
                "in_process_seconds": round(in_process, 4),
                "rows_returned": len(rows),
            })
    finally:
        con.close()
    return results


if __name__ == "__main__":
    import json

    for row in time_queries(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.home() / ".medinst"):
        print(json.dumps(row))
