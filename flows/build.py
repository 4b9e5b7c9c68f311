"""The build flow: one Prefect task per source (fetch, parse, render, validate, stage), then publish."""

import hashlib
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.filesystems import LocalFileSystem
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from flows.fingerprint import fingerprint
from flows.settings import Settings, resolve
from schemas.errors import RegistryError, SourceError
from schemas.registry import SourceSpec, load_registry
from transforms.parsers import PARSERS, family_of
from transforms.pipeline import check_quarantine, process_source
from transforms.render import RENDERERS
from warehouse.fetch import fetch
from warehouse.layout import stage_complete
from warehouse.publish import publish
from warehouse.stage import write_failed_quarantine, write_stage

try:
    PIPELINE_VERSION = package_version("medinst")
except PackageNotFoundError:  # running from a checkout that was not installed
    PIPELINE_VERSION = "0.0.0+local"


class BuildFailed(Exception):
    """One or more sources failed; the published warehouse was left as it was."""


def load_checked_registry(settings: Settings) -> dict[str, SourceSpec]:
    """The registry, with parser and renderer names checked against the code that implements them."""
    registry = load_registry(settings.registry)
    for spec, where in registry.values():
        if spec.parser.name not in PARSERS:
            raise RegistryError(f"{where}: parser.name: unknown parser '{spec.parser.name}'; known: {sorted(PARSERS)}")
        family = family_of(spec.parser.name, spec.parser.options)
        for i, t in enumerate(spec.tasks):
            renderer = RENDERERS.get(t.renderer.name)
            if renderer is None:
                raise RegistryError(f"{where}: tasks.{i}.renderer.name: unknown renderer '{t.renderer.name}'; known: {sorted(RENDERERS)}")
            if renderer.FAMILY != family:
                raise RegistryError(
                    f"{where}: tasks.{i}.renderer.name: {t.renderer.name} renders {renderer.FAMILY} tables, "
                    f"but parser {spec.parser.name} emits {family}"
                )
    return {source_id: spec for source_id, (spec, _) in registry.items()}


def _source_cache_key(context, parameters) -> str:
    return f"build-source-{parameters['spec']['id']}-{parameters['fingerprint']}"


@task(name="build-source", task_run_name="build {spec[id]}", cache_key_fn=_source_cache_key, persist_result=True)
def build_source(spec: dict, fingerprint: str, home: str, sources_root: str | None, version: str) -> dict:
    """Fetch, parse, render and validate one source; stage its rows under its fingerprint."""
    log = get_run_logger()
    source = SourceSpec.model_validate(spec)
    home_path = Path(home)
    log.info("%s: fetching %d declared file(s)", source.id, len(source.files))
    local = {f.path: fetch(source.id, f, home=home_path, sources_root=sources_root) for f in source.files}
    log.info("%s: parsing with %s and rendering %d task(s)", source.id, source.parser.name, len(source.tasks))
    output = process_source(source, local, version)
    try:
        check_quarantine(source, output)
    except SourceError:
        path = write_failed_quarantine(home_path, source.id, fingerprint, output.quarantine)
        log.error("%s: quarantined rows written to %s", source.id, path)
        raise
    stage = write_stage(home_path, source.id, fingerprint, output.instructions, output.quarantine, output.stats)
    return {
        "source": source.id,
        "fingerprint": fingerprint,
        "stage": str(stage),
        "rows": output.instructions.height,
        "quarantined": output.quarantine.height,
    }


@task(name="publish")
def publish_build(home: str, staged: list[dict], sources: list[dict], version: str) -> str:
    return publish(Path(home), staged, sources, version)


def _source_rows(specs: list[SourceSpec]) -> list[dict]:
    """Registry metadata for the `sources` and `tasks` views."""
    return [
        {
            "id": spec.id,
            "name": spec.name,
            "homepage": spec.homepage,
            "license": spec.license,
            "citation": spec.citation,
            "parser": spec.parser.name,
            "files": [{"path": f.path, "url": f.url, "sha256": f.sha256} for f in spec.files],
            "tasks": [
                {"source": spec.id, "task": t.name, "instruction": t.instruction.strip(), "license": spec.license}
                for t in spec.tasks
            ],
        }
        for spec in specs
    ]


def _result_storage(home: Path) -> str:
    """A results block for this MEDINST_HOME, so cached task results live beside the data."""
    name = "medinst-results-" + hashlib.sha256(str(home).encode()).hexdigest()[:12]
    LocalFileSystem(basepath=str(home / "prefect-results")).save(name, overwrite=True)
    return f"local-file-system/{name}"


@flow(name="build", task_runner=ThreadPoolTaskRunner(max_workers=2))
def build(
    only: list[str] | None = None,
    registry: list[str] | None = None,
    home: str | None = None,
    sources_root: str | None = None,
) -> dict:
    """Fetch, parse, render, validate and publish the warehouse; sources whose content is unchanged come from the cache."""
    log = get_run_logger()
    settings = resolve(home=home, sources_root=sources_root, registry=registry)
    specs = load_checked_registry(settings)
    unknown = sorted(set(only or []) - set(specs))
    if unknown:
        raise BuildFailed(f"unknown source(s) {unknown}; declared: {sorted(specs)}")
    selected = [specs[s] for s in sorted(only or specs)]
    if not selected:
        raise BuildFailed(f"no sources declared in {[str(p) for p in settings.registry]}")

    storage = _result_storage(settings.home)
    log.info("building %d source(s) into %s", len(selected), settings.home)
    futures = {}
    for spec in selected:
        fp = fingerprint(spec, PIPELINE_VERSION)
        # A cached result is only good while its staged files exist.
        refresh = not stage_complete(settings.home, spec.id, fp)
        runner = build_source.with_options(result_storage=storage, refresh_cache=refresh)
        futures[runner.submit(spec.model_dump(mode="json"), fp, str(settings.home), settings.sources_root,
                              PIPELINE_VERSION)] = spec.id

    staged, failures = [], []
    for done, future in enumerate(as_completed(list(futures)), start=1):
        source = futures[future]
        future.wait()  # sets the final state (Cached or Completed) on the future
        state = future.state
        if state.is_failed():
            error = future.result(raise_on_failure=False)
            if not isinstance(error, SourceError):  # a bug rather than bad input: say what kind
                error = f"{source}: {type(error).__name__}: {error}"
            failures.append(str(error))
            log.error("[%d/%d] %s: failed: %s", done, len(futures), source, error)
            continue
        result = future.result()
        cached = state.name == "Cached"
        staged.append({**result, "recomputed": not cached})
        log.info("[%d/%d] %s: %s rows (%s)", done, len(futures), source, f"{result['rows']:,}",
                 "unchanged, from cache" if cached else "rebuilt")
    if failures:
        raise BuildFailed(
            f"{len(failures)} source(s) failed; the published warehouse is unchanged:\n  " + "\n  ".join(failures)
        )

    staged.sort(key=lambda s: s["source"])
    rebuilt = [s["source"] for s in staged if s["recomputed"]]
    log.info("nothing changed: every source came from the cache" if not rebuilt else f"rebuilt: {', '.join(rebuilt)}")
    build_id = publish_build(str(settings.home), staged, _source_rows(selected), PIPELINE_VERSION)
    summary = [
        {"source": s["source"], "rows": s["rows"], "quarantined": s["quarantined"],
         "cache": "rebuilt" if s["recomputed"] else "cached", "fingerprint": s["fingerprint"][:12]}
        for s in staged
    ]
    create_table_artifact(key="medinst-build-summary", table=summary, description=f"Build {build_id}")
    log.info("published build %s", build_id)
    return {"build_id": build_id, "home": str(settings.home), "sources": summary}
