"""What a build takes over from the build published before it, so that it never publishes less.

- Sources: `--only` rebuilds the named sources, and every other source of the previous build is
  carried as it was, from the stage its manifest names (`carried_sources`), with its rows of the
  `sources` and `tasks` views (`carried_rows`). A carried source whose stage is gone fails the build.
- Derived marts (`carry_derived`): those about models (runs, predictions, scores) are history and
  always carried; those derived from the instructions alone (benchmark, benchmark_tasks, mixtures,
  duplicates, contamination) are carried when the new build publishes the same staged rows, and
  otherwise derived again with the parameters recorded when they were made. The `derived` view
  says which build each mart was derived from.
"""

import json
from collections.abc import Callable
from pathlib import Path

import polars as pl

from warehouse import storage
from warehouse.catalog import derived_record, derived_views, read_derived, write_derived
from warehouse.layout import stage_dir
from warehouse.publish import SOURCE_COLUMNS, TASK_META, rows_digest
from warehouse.stage import NOT_STAGED, stage_problem

INSTRUCTION_MARTS = {"benchmark", "benchmark_tasks", "mixtures", "duplicates", "contamination"}


class CarryFailed(Exception):
    """What the previous build holds cannot be carried into the new one."""


def _read(build: Path, name: str) -> bytes:
    """A file of a published build (fetched from the store for a remote home's build)."""
    remote = storage.remote_build(build)
    if remote:
        return storage.read_bytes([storage.join(remote, name)])[0].getvalue()
    return (build / name).read_bytes()


def carried_sources(home: Path, previous: Path, named: set[str]) -> list[dict]:
    """The previous build's staged sources that `--only` did not name, as `publish` takes them."""
    try:
        manifest = json.loads(_read(previous, "manifest.json"))
    except (OSError, ValueError) as e:
        raise CarryFailed(f"cannot tell the sources of build {previous.name} (its manifest.json: {e}); "
                          "run a full build") from None
    carried, problems = [], {}
    for s in manifest["sources"]:
        if s["source"] in named:
            continue
        problem = stage_problem(home, s["source"], s["fingerprint"])  # every file as its stage manifest says
        if problem is not None:
            problems[s["source"]] = (f"cannot carry {s['source']} from build {previous.name}: its stage "
                                     f"{stage_dir(Path(), s['source'], s['fingerprint']).as_posix()} is "
                                     + ("gone" if problem == NOT_STAGED else f"damaged ({problem})"))
            continue
        carried.append({**s, "stage": str(stage_dir(home, s["source"], s["fingerprint"])), "recomputed": False,
                        "carried_from": previous.name})
    if problems:
        again = " ".join(sorted(set(problems) | named))
        raise CarryFailed(f"{'; '.join(problems.values())}; rebuild {'it' if len(problems) == 1 else 'them'} "
                          f"(--only {again}) or run a full build")
    return carried


def carried_rows(previous: Path, named: set[str]) -> list[dict]:
    """The previous build's `sources` rows (with their `tasks`) of every source `--only` did not name,
    built or not, as they were: they describe the rows carried, not today's registry."""
    sources = pl.read_parquet(_read(previous, "sources.parquet"))
    tasks = pl.read_parquet(_read(previous, "tasks.parquet"))
    rows = []
    for src in sources.filter(~pl.col("source").is_in(sorted(named))).to_dicts():
        own = tasks.filter(pl.col("source") == src["source"]).to_dicts()
        rows.append({"id": src["source"], **{k: src.get(k) for k in SOURCE_COLUMNS},
                     "tasks": [{k: t.get(k) for k in TASK_META} for t in own]})
    return rows


def carry_derived(previous: Path | None, build: Path, derive_again: Callable[[Path, dict], None]) -> dict[str, str]:
    """Carry the previous build's marts into `build` (or derive them again with `derive_again(build,
    parameters)`); returns what was done, per view."""
    if previous is None:
        return {}
    record = {r["view"]: r for r in derived_record(previous).to_dicts()}
    again: dict[str, list[str]] = {}
    done = {}
    for view in derived_views(previous):
        # A mart written before marts were recorded: derived from the previous build, parameters unknown.
        entry = record.get(view) or {"derived_from": previous.name, "parameters": None}
        origin, parameters = entry["derived_from"], entry["parameters"]
        if view in INSTRUCTION_MARTS and rows_digest(origin) != rows_digest(build.name):
            if parameters is None:
                done[view] = (f"not carried: derived from the rows of build {origin}, which changed, with no record "
                              "of its parameters; run `medinst benchmark`")
            else:
                again.setdefault(parameters, []).append(view)
            continue
        write_derived(build, view, read_derived(previous, view),
                      parameters=None if parameters is None else json.loads(parameters), derived_from=origin)
        done[view] = f"carried from build {origin}"
    for parameters, views in again.items():
        try:
            derive_again(build, json.loads(parameters))
        except Exception as e:  # whatever went wrong, the build is not published without its marts
            raise CarryFailed(f"deriving {', '.join(sorted(views))} again for the new rows failed "
                              f"(parameters {parameters}): {type(e).__name__}: {e}") from e
        done.update({view: f"derived again from this build's rows with {parameters}" for view in views})
    return done
