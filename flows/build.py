"""The build flow: one Prefect task per source (fetch, parse, render, validate, stage), then publish.

The per-source tasks run on the flow's thread pool (`runner="thread"`, two at a time) or fan out
over a Dask cluster (`runner="dask"`, needs the `scale` extra, prefect-dask): the scheduler at
`dask_address` (default MEDINST_DASK_ADDRESS), else a temporary LocalCluster of `dask_workers`
worker processes. Task arguments and results are plain JSON-like values and the errors pickle, so
they cross processes. Workers write where the flow would: a remote home (s3://...) is reached from
any machine with the same credentials in its environment (each machine keeps its own working copy),
while a local MEDINST_HOME must be the same path on every worker (a shared file system), as must its
`prefect-results` (the JSON result block of flows.results); a LocalCluster on this machine always qualifies.
"""

import functools
import inspect
import os
import time
from contextlib import nullcontext
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Literal

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from flows.artifacts import BuildProgress, publish_artifacts
from flows.benchmark import derive_again
from flows.fingerprint import fingerprint
from flows.interrupt import remember_run
from flows.registry import UnknownSource, load_checked_registry, sources_named
from flows.results import SERIALIZER as RESULT_SERIALIZER
from flows.results import result_storage
from flows.settings import resolve
from schemas.errors import UNAVAILABLE_KINDS, FetchUnavailable, SourceError
from schemas.registry import SourceSpec
from transforms.pipeline import check_quarantine, process_source
from warehouse.availability import file_place, source_status
from warehouse.carry import CarryFailed, carried_rows, carried_sources, carry_derived
from warehouse.faults import crash_point
from warehouse.fetch import fetch, known_size, unavailable
from warehouse.layout import BrokenCurrent, current_build, last_published
from warehouse.lock import locked_digest
from warehouse.publish import publish
from warehouse.recovery import BuildLock, BuildLocked, clean_leftovers
from warehouse.redact import redact
from warehouse.stage import NOT_STAGED, StageDamaged, StageWriter, stage_problem, write_failed_quarantine
from warehouse.storage import home_path as working_home

try:
    PIPELINE_VERSION = package_version("medinst")
except PackageNotFoundError:  # running from a checkout that was not installed
    PIPELINE_VERSION = "0.0.0+local"


class BuildFailed(Exception):
    """One or more sources failed; the published warehouse was left as it was."""


def _source_cache_key(context, parameters) -> str:
    return f"build-source-{parameters['spec']['id']}-{parameters['fingerprint']}"


# Results are JSON data, and only JSON is read back (flows.results): never a pickle from the home.
@task(name="build-source", task_run_name="build {spec[id]}", cache_key_fn=_source_cache_key, persist_result=True,
      result_serializer=RESULT_SERIALIZER)
def build_source(spec: dict, fingerprint: str, home: str, sources_root: str | None, version: str,
                 manual_root: str | None = None, offline: bool = False) -> dict:
    """Fetch, parse, render and validate one source; stage its rows under its fingerprint.

    `home` is a local folder or a remote home's URL (this process then uses its own working copy).
    """
    log = get_run_logger()
    source = SourceSpec.model_validate(spec)
    home_path = working_home(home)
    log.info("%s: fetching %d declared file(s)", source.id, len(source.files))
    started = time.perf_counter()
    local = {f.path: fetch(source.id, f, home=home_path, sources_root=sources_root, manual_root=manual_root,
                           offline=offline) for f in source.files}
    fetch_seconds = time.perf_counter() - started
    source = with_locked_digests(source, home_path)  # files fetched for the first time now have one
    log.info("%s: parsing with %s and rendering %d task(s)", source.id, source.parser.name, len(source.tasks))
    crash_point("parse")  # test hook (warehouse.faults): fetched, nothing parsed
    stage = StageWriter(home_path, source.id, fingerprint)
    try:
        run = process_source(source, local, version, stage.scratch, stage.write)
        crash_point("render")  # test hook: parsed, rendered and written, the stage not yet complete
    except BaseException:
        stage.abort()
        raise
    try:
        check_quarantine(source, run)
    except SourceError:
        stage.abort()
        path = write_failed_quarantine(home_path, source.id, fingerprint, run.quarantine)
        log.error("%s: quarantined rows written to %s", source.id, path)
        raise
    folder = stage.finish(run.quarantine, run.stats)
    timings = [{"step": "fetch", "seconds": round(fetch_seconds, 4), "rows": 0,
                "bytes": sum(p.stat().st_size for p in local.values() if p.is_file())}, *run.timings]
    log.info("%s: %s rows in %.1f s", source.id, f"{run.rows:,}", sum(t["seconds"] for t in timings))
    return {
        "source": source.id,
        "fingerprint": fingerprint,
        "stage": str(folder),
        "rows": run.rows,
        "quarantined": run.quarantine.height,
        # What `--strict` names when it fails the source (a cached result is checked too).
        "first_quarantined": run.quarantine.row(0, named=True) if run.quarantine.height else None,
        "timings": timings,
    }


@task(name="publish")
def publish_build(home: str, staged: list[dict], sources: list[dict], version: str, previous: str | None) -> dict:
    """Publish, with the previous build's derived marts carried (or derived again) before CURRENT moves."""
    derived = {}

    def carry(build: Path) -> None:
        derived.update(carry_derived(Path(previous) if previous else None, build, derive_again))

    return {"build_id": publish(Path(home), staged, sources, version, before_switch=carry), "derived": derived}


def _previous_build(home: Path, log) -> Path | None:
    """The published build this one follows; a spoiled CURRENT is said once and rewritten by this build."""
    try:
        return current_build(home)
    except BrokenCurrent as e:
        previous = last_published(home)
        log.warning("%s; this build rewrites it%s", e, f" (following {previous.name}, the last build published)"
                    if previous else "")
        return previous


def with_locked_digests(spec: SourceSpec, home: Path) -> SourceSpec:
    """The spec with each undeclared digest taken from the lock file, where the lock has it."""
    files = [f.model_copy(update={"sha256": f.sha256 or locked_digest(home, spec.id, f.path)}) for f in spec.files]
    return spec.model_copy(update={"files": files})


def _known_bytes(spec: SourceSpec, settings) -> int:
    return sum(known_size(spec.id, f, settings.home, settings.sources_root) for f in spec.files)


def _split_fed(task, source_split: str | None) -> str | None:
    """The task's split that a file of `source_split` feeds, or None. A parser may qualify a file's split
    (BioASQ's `train` records become `train_yesno`, ...): that counts too; a file of no split feeds any."""
    if source_split is None:
        return "some split"
    return next((v for k, v in task.splits.items() if k == source_split or k.startswith(f"{source_split}_")), None)


def _task_status(task, status: str, partial: list[dict]) -> tuple[str, str | None]:
    """A task's status and why: a task whose splits lost an optional file is partial."""
    if task.availability:
        return "not buildable", " ".join(task.availability.split())
    if status != "built":
        return status, None
    lost = [f"{split}: without {m['file']} ({m['reason']})" for m in partial
            if (split := _split_fed(task, m["split"]))]
    return ("partial", "; ".join(lost)) if lost else ("built", None)


def _declared_rows(specs: list[SourceSpec], skipped: dict[str, str], partial: dict[str, list[dict]],
                   obtainable: dict[str, str]) -> list[dict]:
    """Every declared source and task, built or not, for the `sources` and `tasks` views. `obtainable`:
    each source's status in `medinst sources` (mirror, origin, manual, not obtainable)."""
    rows = []
    for spec in specs:
        status = ("built" if spec.id not in skipped else "not buildable" if not spec.buildable else "skipped")
        tasks = []
        for t in spec.tasks:
            sizes = t.medinst_sizes or {}
            task_status, why = _task_status(t, status, partial.get(spec.id, []))
            tasks.append({
                "source": spec.id, "task": t.name, "category": t.category, "instruction": t.instruction.strip(),
                "license": spec.license, "in_medinst": t.in_medinst, "medinst_train": sizes.get("train"),
                "medinst_dev": sizes.get("dev"), "medinst_test": sizes.get("test"),
                "status": task_status, "obtainable": obtainable.get(spec.id),
                "sizes_note": t.sizes_note and " ".join(t.sizes_note.split()),
                "reason": why or skipped.get(spec.id),
            })
        lost = "; ".join(f"without {m['file']} ({m['reason']})" for m in partial.get(spec.id, []))
        rows.append({
            "id": spec.id, "name": spec.name, "homepage": spec.homepage, "license": spec.license,
            "citation": spec.citation, "parser": spec.parser.name if spec.parser else None,
            "files": [{"path": f.path, "url": f.url, "sha256": f.sha256} for f in spec.files],
            "status": "partial" if status == "built" and lost else status, "obtainable": obtainable.get(spec.id),
            "reason": skipped.get(spec.id) or lost or None, "tasks": tasks,
        })
    return rows


def _beyond_reach(spec: SourceSpec, f, settings) -> FetchUnavailable | None:
    """Why a file cannot be had, when that is known without trying: in no cache, mirror or manual folder, and
    its origin a manual download or offline. A file whose digest is known may be in a remote home's raw
    cache, which only fetch() looks into: such a file is tried."""
    place = file_place(spec.id, f, settings.home, settings.sources_root, settings.manual_root)
    if not (place == "manual-missing" or (place == "origin" and settings.offline)):
        return None
    if settings.url and (f.sha256 or locked_digest(settings.home, spec.id, f.path)):
        return None
    return unavailable(spec.id, f, settings.sources_root, settings.manual_root, settings.offline)


def _optional_files_had(spec: SourceSpec, settings, log) -> tuple[SourceSpec, list[dict]]:
    """The spec without the optional files that cannot be had now, and what was left out: {file, split,
    kind, reason}. They are fetched here, before the source's fingerprint is taken, so that a file that
    arrives later (the network back, a manual download placed) changes the fingerprint and rebuilds it."""
    kept, lost = [], []
    for f in spec.files:
        if not f.optional:
            kept.append(f)
            continue
        try:
            beyond = _beyond_reach(spec, f, settings)
            if beyond:  # known without trying: nothing is written to the raw cache for it
                raise beyond
            fetch(spec.id, f, home=settings.home, sources_root=settings.sources_root,
                  manual_root=settings.manual_root, offline=settings.offline)
            kept.append(f)
        except FetchUnavailable as e:
            lost.append({"file": f.path, "split": f.split, "kind": e.kind, "reason": e.reason})
            log.warning("%s: building without its optional file %s: %s", spec.id, f.path, e.reason)
    return spec.model_copy(update={"files": kept}), lost


def _strict_quarantine_error(source: str, result: dict) -> SourceError:
    """`--strict`: any quarantined row fails its source, whatever its registry entry allows."""
    first = result.get("first_quarantined") or {}
    return SourceError(
        source,
        f"--strict: {result['quarantined']} row(s) failed validation (no quarantine allowed); first: "
        f"{first.get('reason')} in record {first.get('record_id')}",
        first.get("file"),
        first.get("line"),
    )


def _grouped(skipped: dict[str, str], kinds: dict[str, str]) -> list[str]:
    """Skipped sources grouped by why (UNAVAILABLE_KINDS, or not obtainable at all), one line each."""
    lines = []
    for kind in sorted(set(kinds.values())):
        names = sorted(s for s in skipped if kinds[s] == kind)
        lines.append(f"{UNAVAILABLE_KINDS.get(kind, kind)} ({len(names)}):")
        lines += [f"  {s}: {skipped[s]}" for s in names]
    return lines


def _skipped_markdown(skipped: dict[str, str], kinds: dict[str, str], partial: dict[str, list[dict]]) -> str:
    """The skipped and partial sources, grouped by why, each reason whole."""
    parts = []
    for kind in sorted(set(kinds.values())):
        names = sorted(s for s in skipped if kinds[s] == kind)
        parts.append(f"### {UNAVAILABLE_KINDS.get(kind, kind)} ({len(names)})\n\n"
                     + "\n".join(f"- **{s}**: {redact(skipped[s])}" for s in names))
    if partial:
        parts.append(f"### partial: built without optional files ({len(partial)})\n\n" + "\n".join(
            f"- **{s}**: " + "; ".join(f"without `{m['file']}` ({redact(m['reason'])})" for m in lost)
            for s, lost in sorted(partial.items())))
    return "\n\n".join(parts) + "\n\n`medinst sources` says how to obtain each source.\n"


RUNNERS = ("thread", "dask")


def _source_runner(runner: str, dask_address: str | None, dask_workers: int):
    """A context giving the task runner that the per-source tasks go to: None for the flow's own thread pool."""
    if runner not in RUNNERS:
        raise BuildFailed(f"unknown runner {runner!r}: one of {', '.join(RUNNERS)}")
    if runner == "thread" and not dask_address:
        return nullcontext(None)
    address = dask_address or os.environ.get("MEDINST_DASK_ADDRESS") or None
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as e:
        raise BuildFailed("runner 'dask' needs prefect-dask: pip install 'medinst[scale]'") from e
    if address:
        return DaskTaskRunner(address=address)
    if dask_workers < 1:
        raise BuildFailed(f"dask_workers must be at least 1, not {dask_workers}")
    # Processes, one thread each: parsing is CPU-bound Python, and Polars uses its own threads.
    return DaskTaskRunner(cluster_kwargs={"n_workers": dask_workers, "threads_per_worker": 1, "processes": True})


def _one_build_at_a_time(fn):
    """Run the build holding its home's build lock (see warehouse.recovery), after removing what
    interrupted builds left there; another build holding it is waited for up to `lock_timeout`."""

    @functools.wraps(fn)
    def locked(*args, **kwargs):
        bound = inspect.signature(fn).bind(*args, **kwargs)
        bound.apply_defaults()
        a = bound.arguments
        settings = resolve(home=a["home"], sources_root=a["sources_root"], registry=a["registry"])
        try:
            lock = BuildLock(settings.home, a["lock_timeout"]).acquire()
        except BuildLocked as e:
            raise BuildFailed(f"{e}; the published warehouse is unchanged") from None
        try:
            removed = clean_leftovers(settings.home, before=lock.started)
            if removed:
                get_run_logger().warning("removed %d leftover(s) of interrupted builds: %s", len(removed),
                                         ", ".join(str(p.relative_to(settings.home)) for p in removed))
            return fn(*args, **kwargs)
        finally:
            lock.release()

    return locked


@flow(name="build", task_runner=ThreadPoolTaskRunner(max_workers=2))
@_one_build_at_a_time
def build(
    only: list[str] | None = None,
    registry: list[str] | None = None,
    home: str | None = None,
    sources_root: str | None = None,
    strict: bool = False,
    runner: Literal["thread", "dask"] = "thread",
    dask_address: str | None = None,
    dask_workers: int = 2,
    lock_timeout: float | None = None,
    manual_dir: str | None = None,
    offline: bool | None = None,
) -> dict:
    """Fetch, parse, render, validate and publish every declared source that can be had.

    Unchanged sources come from the cache. A source that cannot be had is skipped with its reason
    (grouped by why in the summary) and the rest is published; bad input fails the build and leaves
    the published warehouse as it was. Derived marts are carried or derived again (warehouse.carry).
    One build at a time per home. Files are read from the mirror, then the folder of manual
    downloads, then their origin. The descriptions below are the Prefect UI's run form.

    Args:
        only: Sources (or task names) to rebuild; every other source is carried as it was from the
            previous build. Empty: every declared source.
        registry: Extra registry folders (their YAMLs replace the shipped ones of the same id).
        home: Data root: a folder or s3://bucket/prefix. Default: MEDINST_HOME, else ~/.medinst.
        sources_root: Mirror root <root>/<source_id>/<file>: a folder, http(s):// or s3://.
            Default: MEDINST_SOURCES_ROOT.
        strict: Fail when any source is skipped or partial, or any row is quarantined.
        runner: Where the per-source tasks run: the flow's two threads, or a Dask cluster.
        dask_address: Dask scheduler address (tcp://host:8786); implies the dask runner.
            Default: MEDINST_DASK_ADDRESS, else a temporary LocalCluster.
        dask_workers: Worker processes of the temporary LocalCluster.
        lock_timeout: Seconds to wait for another build of this home (0: refuse at once).
            Default: MEDINST_BUILD_LOCK_TIMEOUT, else 600.
        manual_dir: Where the files downloaded by hand were put, <dir>/<source_id>/<file>.
            Default: MEDINST_MANUAL_DIR.
        offline: Never contact an origin: the mirror, the manual downloads and the raw cache only.
            Default: MEDINST_OFFLINE, else false.
    """
    remember_run()  # for Ctrl-C (flows.interrupt)
    log = get_run_logger()
    settings = resolve(home=home, sources_root=sources_root, registry=registry, manual_root=manual_dir,
                       offline=offline)
    specs = load_checked_registry(settings)
    if only:
        try:
            only = sources_named(only, specs)  # task names too: `--only BC5CDR-NED` builds bc5cdr
        except UnknownSource as e:
            raise BuildFailed(str(e)) from None
    selected = [specs[s] for s in sorted(only or specs)]
    if not selected:
        raise BuildFailed(f"no sources declared in {[str(p) for p in settings.registry]}")

    # --only rebuilds the named sources and publishes them with the previous build's others, carried
    # as they were (warehouse.carry). A declared source in neither is not built, and said so.
    previous = _previous_build(settings.home, log)
    carried, kept_rows, not_built = [], [], {}
    if only and previous is not None:
        try:
            carried = carried_sources(settings.home, previous, set(only))
            kept_rows = carried_rows(previous, set(only))
        except CarryFailed as e:
            raise BuildFailed(f"{e}; the published warehouse is unchanged") from None
        listed = set(only) | {row["id"] for row in kept_rows}
        not_built = {s: f"neither named by --only nor in build {previous.name}" for s in sorted(set(specs) - listed)}
        if not_built:
            log.warning("not built: %d declared source(s) %s: %s", len(not_built), next(iter(not_built.values())),
                        ", ".join(not_built))
        gone = sorted({row["id"] for row in kept_rows} - set(specs))
        if gone:
            log.warning("no longer declared, carried from build %s as they were (a full build drops them): %s",
                        previous.name, ", ".join(gone))

    skipped = {s.id: f"not buildable here: {' '.join(s.availability.split())}" for s in selected if not s.buildable}
    skip_kind = {s: "not obtainable" for s in skipped}
    obtainable = {s.id: source_status(s, settings.home, settings.sources_root, settings.manual_root).status
                  for s in selected}
    partial: dict[str, list[dict]] = {}
    failures = []
    results = result_storage(settings.home)
    pool_context = _source_runner(runner, dask_address, dask_workers)
    log.info("building %d source(s) into %s (%d declared without files)%s", len(selected) - len(skipped),
             settings.location, len(skipped), "" if isinstance(pool_context, nullcontext) else " on Dask")
    with pool_context as pool:
        futures = {}
        # Largest first (by the bytes that can be seen before fetching): the long sources then run beside
        # the short ones instead of after them, and both workers stay busy to the end.
        buildable = sorted((s for s in selected if s.buildable), key=lambda s: -_known_bytes(s, settings))
        for spec in buildable:
            try:
                spec, lost = _optional_files_had(spec, settings, log)
            except SourceError as e:  # bad content (a digest mismatch): the build fails, as for any file
                failures.append(str(e))
                continue
            if lost:
                partial[spec.id] = lost
            spec = with_locked_digests(spec, settings.home)
            fp = fingerprint(spec, PIPELINE_VERSION)
            # A cached result is only good while its stage is whole: every file its manifest lists, unchanged.
            problem = stage_problem(settings.home, spec.id, fp)
            if problem not in (None, NOT_STAGED):
                log.warning("%s: its stage %s does not match its manifest (%s); rebuilding", spec.id, fp[:12], problem)
            # A source to be built whose required file is known to be out of reach (a manual download not placed,
            # an origin while offline) is skipped here, in one line, rather than as a failed task with a traceback.
            beyond = problem is not None and next(
                (b for f in spec.files if not f.optional and (b := _beyond_reach(spec, f, settings))), None)
            if beyond:
                skipped[spec.id], skip_kind[spec.id] = f"cannot be fetched: {beyond.reason}", beyond.kind
                partial.pop(spec.id, None)
                log.warning("%s: skipped: %s", spec.id, beyond)
                continue
            refresh = problem is not None
            source_task = build_source.with_options(result_storage=results, refresh_cache=refresh)
            parameters = {"spec": spec.model_dump(mode="json"), "fingerprint": fp, "home": settings.location,
                          "sources_root": settings.sources_root, "version": PIPELINE_VERSION,
                          "manual_root": settings.manual_root, "offline": settings.offline}
            future = pool.submit(source_task, parameters) if pool else source_task.submit(**parameters)
            futures[future] = spec.id

        staged = []
        progress = BuildProgress(len(futures))
        for done, future in enumerate(as_completed(list(futures)), start=1):
            source = futures[future]
            future.wait()  # sets the final state (Cached or Completed) on the future
            progress.update(done, source)
            state = future.state
            if state.is_failed():
                error = future.result(raise_on_failure=False)
                if isinstance(error, FetchUnavailable):
                    skipped[source] = f"cannot be fetched: {error.reason}"
                    skip_kind[source] = error.kind
                    log.warning("[%d/%d] %s: skipped: %s", done, len(futures), source, error)
                    continue
                if not isinstance(error, SourceError):  # a bug rather than bad input: say what kind
                    error = redact(f"{source}: {type(error).__name__}: {error}")  # no URL credentials
                failures.append(str(error))
                log.error("[%d/%d] %s: failed: %s", done, len(futures), source, error)
                continue
            result = future.result()
            if strict and result["quarantined"]:
                failures.append(str(_strict_quarantine_error(source, result)))
                log.error("[%d/%d] %s: failed: %s", done, len(futures), source, failures[-1])
                continue
            cached = state.name == "Cached"
            staged.append({**result, "recomputed": not cached})
            log.info("[%d/%d] %s: %s rows (%s)", done, len(futures), source, f"{result['rows']:,}",
                     "unchanged, from cache" if cached else "rebuilt")
    unchanged = "the published warehouse is unchanged"
    if failures:
        raise BuildFailed(f"{len(failures)} source(s) failed; {unchanged}:\n  " + "\n  ".join(failures))
    skip_list = _grouped(skipped, skip_kind)
    if strict and (skipped or partial):
        raise BuildFailed(f"--strict: {len(skipped)} source(s) skipped, {len(partial)} partial; {unchanged}:\n  "
                          + "\n  ".join(skip_list + [f"{s}: partial: " + "; ".join(f"without {m['file']} ({m['reason']})"
                                                                                   for m in lost)
                                                      for s, lost in sorted(partial.items())]))
    if not staged:
        raise BuildFailed(f"no source could be built; {unchanged}:\n  " + "\n  ".join(skip_list))

    rebuilt = [s["source"] for s in staged if s["recomputed"]]
    log.info("nothing changed: every source came from the cache" if not rebuilt else f"rebuilt: {', '.join(rebuilt)}")
    if carried:
        log.info("carried unchanged from build %s: %s", previous.name, ", ".join(s["source"] for s in carried))
    staged = sorted(staged + carried, key=lambda s: s["source"])
    declared = sorted(_declared_rows(selected, skipped, partial, obtainable) + kept_rows, key=lambda row: row["id"])
    try:
        published = publish_build(str(settings.home), staged, declared, PIPELINE_VERSION,
                                  str(previous) if previous else None)
    except (CarryFailed, StageDamaged) as e:
        raise BuildFailed(f"{e}; {unchanged}") from None
    build_id = published["build_id"]
    for view, what in published["derived"].items():
        (log.warning if what.startswith("not carried") else log.info)("derived view %s: %s", view, what)
    publish_artifacts(settings.location, build_id)  # rows per task, changes since the last build, quarantine, link
    summary = [
        {"source": s["source"], "rows": s["rows"], "quarantined": s["quarantined"],
         "cache": "carried" if s.get("carried_from") else "rebuilt" if s["recomputed"] else "cached",
         "fingerprint": s["fingerprint"][:12]}
        for s in staged
    ]
    create_table_artifact(key="medinst-build-summary", table=summary, description=f"Build {build_id}")
    if skipped or partial:  # markdown: a table cell in the UI clips a long reason
        create_markdown_artifact(key="medinst-build-skipped", description=f"Sources skipped by build {build_id}",
                                 markdown=_skipped_markdown(skipped, skip_kind, partial))
    if skipped:
        log.warning("skipped %d source(s):\n  %s", len(skipped), "\n  ".join(skip_list))
    for source, lost in sorted(partial.items()):
        log.warning("%s: partial: built without %s", source, ", ".join(m["file"] for m in lost))
    log.info("published build %s: %d source(s) built (%d partial), %d carried, %d skipped", build_id,
             len(staged) - len(carried), len(partial), len(carried), len(skipped))
    return {"build_id": build_id, "home": settings.location, "sources": summary,
            "skipped": dict(sorted(skipped.items())),
            "skipped_by_kind": {k: sorted(s for s in skipped if skip_kind[s] == k) for k in sorted(set(skip_kind.values()))},
            "partial": {s: [m["file"] for m in lost] for s, lost in sorted(partial.items())}, "carried_from": previous.name if carried else None,
            "not_built": not_built, "derived": published["derived"]}
