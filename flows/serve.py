"""Deployments of the pipeline's flows, served by one long-running process against a Prefect server.

`serve_all()` registers the deployments below with the server named by PREFECT_API_URL and runs
their flow runs (scheduled ones and those started from the UI, `prefect deployment run` or
`run_deployment`) in subprocesses of this process, until it is stopped:

    build/medinst       scheduled, weekly by default (cron "0 3 * * 1": Mondays 03:00 UTC)
    benchmark/medinst   on demand
    export/medinst      on demand (format and out are required parameters)
    finetune/medinst    on demand, when flows/finetune.py exists and imports
    evaluate/medinst    on demand, when flows/evaluate.py exists and imports
    study/medinst       on demand, when flows/study.py exists and imports

Parameters are typed by the flows' signatures (Prefect derives each deployment's parameter schema
from them) and the server rejects a run whose parameters do not fit (enforce_parameter_schema).
Parameters a run leaves out (home, sources_root, ...) resolve on the serving machine, from
MEDINST_HOME and the other settings (see flows/settings.py). `prefect.yaml` declares the same
deployments for `prefect deploy` to a process work pool; keep the two in step.
"""

import importlib
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from prefect import Flow, serve
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.logging import get_logger
from prefect.schedules import Cron, Schedule

log = get_logger("medinst.serve")  # under "prefect.", so shown by Prefect's console handler

DEPLOYMENT = "medinst"  # every flow's deployment has this name: build/medinst, benchmark/medinst, ...
DEFAULT_CRON = "0 3 * * 1"  # Mondays at 03:00
DEFAULT_TIMEZONE = "UTC"
TAGS = ["medinst"]
OPTIONAL_FLOWS = ("finetune", "evaluate", "study")  # modules flows/<name>.py with a flow of that name
UNSCHEDULED = {"", "none", "off"}


def build_schedule(cron: str | None = None, timezone: str | None = None) -> Schedule | None:
    """The build's schedule: `cron` (default MEDINST_BUILD_CRON, else weekly), or None when it is ''/'none'/'off'."""
    cron = cron if cron is not None else os.environ.get("MEDINST_BUILD_CRON", DEFAULT_CRON)
    if cron.strip().lower() in UNSCHEDULED:
        return None
    timezone = timezone or os.environ.get("MEDINST_BUILD_TIMEZONE") or DEFAULT_TIMEZONE
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"unknown time zone {timezone!r} (an IANA name such as UTC or Europe/Amsterdam)") from e
    return Cron(cron, timezone=timezone)  # raises ValueError for a bad cron string


def _deployment(flow: Flow, *, description: str, parameters: dict | None = None, **kwargs) -> RunnerDeployment:
    return flow.to_deployment(
        name=DEPLOYMENT,
        description=description,
        tags=TAGS,
        parameters=parameters or {},
        enforce_parameter_schema=True,
        # `flows.build.build` rather than a file path: the runs import the installed package,
        # whatever the serving process's working directory.
        entrypoint_type=EntrypointType.MODULE_PATH,
        **kwargs,
    )


def _optional_flow(name: str) -> Flow | None:
    """The flow `name` from flows/<name>.py, or None (with a log line) when that module is absent or cannot import."""
    try:
        module = importlib.import_module(f"flows.{name}")
    except ModuleNotFoundError as e:
        if e.name == f"flows.{name}":
            log.info("no %s deployment: flows/%s.py does not exist", name, name)
        else:
            log.info("no %s deployment: flows/%s.py needs %s, which is not installed", name, name, e.name)
        return None
    except ImportError as e:
        log.info("no %s deployment: flows/%s.py cannot be imported: %s", name, name, e)
        return None
    found = getattr(module, name, None)
    if not isinstance(found, Flow):
        found = next((v for v in vars(module).values() if isinstance(v, Flow) and v.__module__ == module.__name__),
                     None)
    if found is None:
        log.info("no %s deployment: flows/%s.py defines no flow", name, name)
    return found


def deployments(
    cron: str | None = None,
    timezone: str | None = None,
    build_parameters: dict | None = None,
    concurrency_limit: int | None = 1,
    optional: tuple[str, ...] = OPTIONAL_FLOWS,
) -> list[RunnerDeployment]:
    """The pipeline's deployments: build on `cron` (see `build_schedule`), the others on demand.

    `build_parameters` are defaults for the scheduled build (e.g. {"strict": True}); a run can
    override them. `concurrency_limit` bounds concurrent runs per deployment (1: a build never
    overlaps another build).
    """
    from flows.benchmark import benchmark
    from flows.build import build
    from flows.export import export

    schedule = build_schedule(cron, timezone)
    found = [
        _deployment(build, description="Fetch, parse, render, validate and publish every source that can be had"
                    + (f"; scheduled {schedule.cron} ({schedule.timezone})" if schedule else "; not scheduled"),
                    parameters=build_parameters, schedule=schedule, concurrency_limit=concurrency_limit),
        _deployment(benchmark, description="MedINST32 test sets and the training mixtures, from the published build",
                    concurrency_limit=concurrency_limit),
        _deployment(export, description="Export the published build as MedINST JSON Lines, a Hugging Face dataset "
                    "or chat messages", concurrency_limit=concurrency_limit),
    ]
    for name in optional:
        flow = _optional_flow(name)
        if flow is not None:
            found.append(_deployment(flow, description=flow.description or f"{name} (flows/{name}.py)",
                                     concurrency_limit=concurrency_limit))
    return found


def serve_all(
    cron: str | None = None,
    timezone: str | None = None,
    build_parameters: dict | None = None,
    limit: int | None = None,
    poll_seconds: float | None = None,
) -> None:
    """Register the deployments and run their flow runs until interrupted (long-running).

    Needs a Prefect server (PREFECT_API_URL): the ephemeral one cannot hold schedules. `limit`
    bounds the flow runs this process executes at once. Stopping it pauses the build schedule
    (Prefect's `pause_on_shutdown`), so that no run piles up while nothing serves it; the next
    `serve_all` resumes it.
    """
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise RuntimeError("serving needs a Prefect server: start one (`prefect server start`) and set "
                           "PREFECT_API_URL, e.g. http://127.0.0.1:4200/api")
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:  # one quick check, instead of a traceback from inside serve()
        problem = client.api_healthcheck()
    if problem is not None:
        raise RuntimeError(f"cannot reach the Prefect server at PREFECT_API_URL={PREFECT_API_URL.value()}: "
                           f"{type(problem).__name__}: {problem} (is `prefect server start` running there?)")
    found = deployments(cron=cron, timezone=timezone, build_parameters=build_parameters)
    for d in found:
        when = ", ".join(f"cron {s.schedule.cron} ({s.schedule.timezone})" for s in d.schedules or []) or "on demand"
        log.info("serving %s/%s: %s", d.flow_name, d.name, when)
    kwargs = {"query_seconds": poll_seconds} if poll_seconds else {}
    serve(*found, limit=limit, **kwargs)


if __name__ == "__main__":  # python -m flows.serve: the same as `medinst serve` with its defaults
    serve_all()
