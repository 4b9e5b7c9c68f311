"""The deployments against a real `prefect server start`: served by `serve_all`, and from prefect.yaml by a worker.

A server with its own PREFECT_HOME runs in a process group of its own for the module; every wait is
bounded and every process started here is stopped by its process group, also when a test fails.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.deployments import run_deployment
from prefect.exceptions import PrefectHTTPStatusError
from prefect.settings import PREFECT_API_URL, temporary_settings

from flows.local_server import free_port
from flows.serve import DEFAULT_CRON, DEPLOYMENT
from warehouse.catalog import query
from warehouse.layout import current_build

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVER_START_S = 120  # a cold start runs the database migrations
SERVE_START_S = 60
RUN_S = 240
pytestmark = pytest.mark.integration


def wait_for(what: str, check, timeout: float, proc: subprocess.Popen | None = None, log: Path | None = None):
    """Poll `check()` until it returns something truthy; fail after `timeout` s or when `proc` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"{what}: the process exited with {proc.returncode}:\n{tail(log)}")
        try:
            found = check()
        except Exception:  # not up yet
            found = None
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"{what}: not done after {timeout:.0f} s\n{tail(log)}")


def tail(log: Path | None, lines: int = 40) -> str:
    if log is None or not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def process_group(args: list[str], log: Path, env: dict, cwd: Path = REPO):
    """A subprocess in a session of its own, stopped with its children by its process group."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real Prefect server on a free port; yields (api url, environment for processes that use it, log folder)."""
    root = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(root / "prefect-home"), PREFECT_API_URL=api, PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_LOGGING_LEVEL="INFO", PREFECT_RUNNER_POLL_FREQUENCY="1", PREFECT_WORKER_QUERY_SECONDS="1",
               PWD=str(REPO))  # prefect.yaml's pull step records {{ $PWD }}
    log = root / "server.log"
    args = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with process_group(args, log, env) as proc:
        wait_for("prefect server start", lambda: urllib.request.urlopen(f"{api}/health", timeout=2).status == 200,
                 SERVER_START_S, proc, log)
        with temporary_settings({PREFECT_API_URL: api}):  # this process's client talks to it too
            yield api, env, root


def deployment(name: str):
    with get_client(sync_client=True) as client:
        return client.read_deployment_by_name(name)


def artifacts_of(flow_run_id) -> dict:
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    return {a.key: a for a in found}


def table(artifact) -> list[dict]:
    return json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data


def instructions_count(home: Path, task: str, split: str) -> int:
    _, rows = query(current_build(home), f"select count(*) from instructions where task = '{task}' and split = '{split}'")
    return rows[0][0]


def assert_completed(run) -> None:
    assert run.state is not None and run.state.is_completed(), f"flow run {run.name}: {run.state}"


@pytest.fixture(scope="class")
def served(server):
    """serve_all() in a subprocess, for the tests of one class (stopped before prefect.yaml's test deploys)."""
    api, env, root = server
    log = root / "serve.log"
    args = [sys.executable, "-c", "from flows.serve import serve_all; serve_all()"]
    with process_group(args, log, env) as proc:
        names = [f"{flow}/{DEPLOYMENT}" for flow in ("build", "benchmark", "export")]
        wait_for("serve_all registering its deployments", lambda: all(deployment(n) for n in names),
                 SERVE_START_S, proc, log)
        yield log


class TestServed:
    """serve_all() in a subprocess: the deployments it registers, and a build run started through the API."""

    def test_deployments_have_their_schedule_and_typed_parameters(self, served):
        build = deployment(f"build/{DEPLOYMENT}")
        assert build.enforce_parameter_schema and not build.paused
        [schedule] = build.schedules
        assert (schedule.schedule.cron, schedule.schedule.timezone, schedule.active) == (DEFAULT_CRON, "UTC", True)
        props = build.parameter_openapi_schema["properties"]
        assert {"only", "registry", "home", "sources_root", "strict"} <= set(props)
        assert props["strict"]["type"] == "boolean"
        assert {"type": "array", "items": {"type": "string"}} in props["only"]["anyOf"]

        benchmark = deployment(f"benchmark/{DEPLOYMENT}")
        assert benchmark.schedules == [] and benchmark.enforce_parameter_schema
        assert benchmark.parameter_openapi_schema["properties"]["mixture_size"]["type"] == "integer"
        export = deployment(f"export/{DEPLOYMENT}")
        assert set(export.parameter_openapi_schema["required"]) == {"format", "out"}

        # The UI's run form: every parameter described, and the choices offered as a list, not free text.
        assert all(p.get("description") for p in props.values()), [k for k, p in props.items() if not p.get("description")]
        assert props["runner"]["enum"] == ["thread", "dask"]
        assert props["offline"]["description"].startswith("Never contact an origin")
        assert benchmark.parameter_openapi_schema["properties"]["strategy"]["enum"] == ["proportional", "temperature",
                                                                                        "capped"]
        assert export.parameter_openapi_schema["properties"]["format"]["enum"] == ["jsonl", "hf", "chat"]

    def test_an_enum_parameter_outside_its_choices_is_refused(self, served):
        with pytest.raises(PrefectHTTPStatusError, match="Validation failed for field 'runner'"):
            run_deployment(f"build/{DEPLOYMENT}", parameters={"only": ["mqp"], "runner": "threads"}, timeout=0)

    def test_parameters_that_do_not_fit_the_schema_are_refused(self, served):
        with pytest.raises(PrefectHTTPStatusError, match="Validation failed for field 'strict'.*not of type 'boolean'"):
            run_deployment(f"build/{DEPLOYMENT}", parameters={"only": ["mqp"], "strict": "sometimes"}, timeout=0)

    def test_a_build_started_through_the_api_publishes_the_warehouse(self, served, corpora, tmp_path):
        home = tmp_path / "medinst-home"
        run = run_deployment(f"build/{DEPLOYMENT}", timeout=RUN_S, poll_interval=1,
                             parameters={"only": ["mqp"], "home": str(home), "sources_root": str(corpora)})
        assert_completed(run)
        assert (home / "warehouse" / "CURRENT").exists()
        assert instructions_count(home, "MQP", "train") == 3048
        first_build = (home / "warehouse" / "CURRENT").read_text().strip()

        made = artifacts_of(run.id)
        assert {"medinst-build-progress", "medinst-build-rows", "medinst-build-changes", "medinst-build-quarantine",
                "medinst-warehouse", "medinst-build-summary"} <= set(made)
        assert float(made["medinst-build-progress"].data) == 100.0
        assert {"category": "STS", "task": "MQP", "split": "train", "rows": 3048} in table(made["medinst-build-rows"])
        assert "first build" in made["medinst-build-changes"].description
        assert first_build in made["medinst-warehouse"].data
        assert "file://" not in made["medinst-warehouse"].data  # a browser opens no file:// link from the UI
        assert f"medinst sql --home {home}" in made["medinst-warehouse"].data

        # A second build adds BIOSSES: the changes table compares it with the first one.
        run = run_deployment(f"build/{DEPLOYMENT}", timeout=RUN_S, poll_interval=1,
                             parameters={"only": ["mqp", "biosses"], "home": str(home), "sources_root": str(corpora)})
        assert_completed(run)
        changes = artifacts_of(run.id)["medinst-build-changes"]
        assert first_build in changes.description
        assert table(changes) == [{"task": "BIOSSES", "category": "STS", "before": 0, "after": 100, "delta": 100,
                                 "change": "added", "splits": "train 0 -> 64, dev 0 -> 16, test 0 -> 20"}]
        assert instructions_count(home, "BIOSSES", "test") == 20


def test_prefect_yaml_deploys_to_a_process_pool_whose_worker_runs_the_build(server, corpora, tmp_path):
    """`prefect deploy --all` from prefect.yaml, then `prefect worker start --run-once` runs a build."""
    api, env, root = server
    from prefect.client.schemas.actions import WorkPoolCreate

    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="medinst-process", type="process"), overwrite=True)
    deploy = subprocess.run([str(BIN / "prefect"), "--no-prompt", "deploy", "--all"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=180)
    assert deploy.returncode == 0, deploy.stdout[-3000:] + deploy.stderr[-3000:]

    build = deployment(f"build/{DEPLOYMENT}")
    assert build.work_pool_name == "medinst-process" and build.entrypoint == "flows/build.py:build"
    assert [(s.schedule.cron, s.schedule.timezone, s.active) for s in build.schedules] == [(DEFAULT_CRON, "UTC", True)]
    assert not build.paused and build.enforce_parameter_schema
    assert deployment(f"export/{DEPLOYMENT}").work_pool_name == "medinst-process"

    home = tmp_path / "medinst-home"
    run = run_deployment(f"build/{DEPLOYMENT}", timeout=0,
                         parameters={"only": ["mqp"], "home": str(home), "sources_root": str(corpora)})
    log = root / "worker.log"
    args = [str(BIN / "prefect"), "worker", "start", "--pool", "medinst-process", "--run-once"]
    with process_group(args, log, env) as worker:

        def finished():
            with get_client(sync_client=True) as client:
                state = client.read_flow_run(run.id).state
            return state if state is not None and state.is_final() else None

        state = wait_for("the worker running the build", finished, RUN_S, log=log)
        worker.wait(timeout=60)
    assert state.is_completed(), f"{state}\n{tail(log)}"
    assert instructions_count(home, "MQP", "train") == 3048
