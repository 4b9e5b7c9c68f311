"""docker-compose.yml, .env.example, the Dockerfile and prefect.yaml, checked without Docker.

Compose is read as `docker compose` reads it: YAML (anchors and merge keys included), then
`${VAR:-default}` interpolation with the defaults (or with .env.example's values). The bucket job's
script is run for real against a local S3 server (moto).
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
COMPOSE_TEXT = (REPO / "docker-compose.yml").read_text()
VARIABLE = re.compile(
    r"\$(?:\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*)|(?P<dollar>\$))"
)
# Services that run the pipeline image and must reach the server, the store and the Dask scheduler.
PIPELINE_SERVICES = ["worker", "pool-worker", "create-bucket", "dask-scheduler", "dask-worker-1", "dask-worker-2"]


def env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip("'\"")
    return values


ENV_EXAMPLE = env_file(REPO / ".env.example")


def interpolate(value, env: dict[str, str]):
    """Compose's variable interpolation over a loaded document (strings only)."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(m: re.Match) -> str:
        if m["dollar"]:
            return "$"
        name = m["name"] or m["bare"]
        if m["op"] == ":-":
            return env.get(name) or m["arg"]
        if m["op"] == "-":
            return env[name] if name in env else m["arg"]
        return env.get(name, "")

    return VARIABLE.sub(one, value)


def load(env: dict[str, str] | None = None) -> dict:
    return interpolate(yaml.safe_load(COMPOSE_TEXT), env or {})


@pytest.fixture(scope="module", params=["defaults", "env-example"])
def compose(request) -> dict:
    """The file as compose sees it with no .env, and with .env.example copied to .env."""
    return load({} if request.param == "defaults" else ENV_EXAMPLE)


def services(compose: dict) -> dict:
    return compose["services"]


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def depends_on(service: dict) -> dict[str, str]:
    deps = service.get("depends_on", {})
    return {d: "service_started" for d in deps} if isinstance(deps, list) else {k: v["condition"] for k, v in deps.items()}


def flag(command: list[str], name: str) -> str:
    """The value of `--name value`, `-name=value` or `--name=value` in a command list."""
    for i, part in enumerate(command):
        if part == name:
            return command[i + 1]
        if part.startswith(name + "="):
            return part.split("=", 1)[1]
    raise AssertionError(f"{name} not in {command}")


def container_ports(service: dict) -> set[int]:
    return {int(str(p).rsplit(":", 1)[1]) for p in service.get("ports", [])}


# --- the file's own consistency -----------------------------------------------------------------------------------

def test_every_variable_has_a_default_or_is_in_env_example():
    used = list(VARIABLE.finditer(COMPOSE_TEXT))
    assert used, "the file uses no variable at all?"
    for m in used:
        if m["dollar"]:
            continue
        name = m["name"] or m["bare"]
        assert m["op"] in (":-", "-") or name in ENV_EXAMPLE, f"${{{name}}} has no default and is not in .env.example"


def test_env_example_gives_the_same_values_as_the_defaults_and_nothing_unused():
    defaults = {}
    for m in VARIABLE.finditer(COMPOSE_TEXT):
        if m["op"] in (":-", "-"):
            assert defaults.setdefault(m["name"], m["arg"]) == m["arg"], f"{m['name']} has two defaults"
    assert set(ENV_EXAMPLE) == set(defaults), "every variable is documented in .env.example, and only those"
    assert ENV_EXAMPLE == defaults


def test_depends_on_names_services_that_exist_with_conditions_they_can_meet(compose):
    svc = services(compose)
    for name, service in svc.items():
        for dep, condition in depends_on(service).items():
            assert dep in svc, f"{name} depends on an unknown service {dep}"
            if condition == "service_healthy":
                assert "healthcheck" in svc[dep], f"{name} waits for {dep} to be healthy, which has no healthcheck"
            elif condition == "service_completed_successfully":
                assert svc[dep].get("restart") == "no", f"{dep} is a one-shot job: restart 'no'"
            else:
                assert condition == "service_started"
            # A service another depends on is never behind a profile the dependant lacks.
            assert set(svc[dep].get("profiles", [])) <= set(service.get("profiles", [])), (name, dep)


def test_every_long_running_service_has_a_healthcheck(compose):
    for name, service in services(compose).items():
        if service.get("restart") != "no" and "pool" not in service.get("profiles", []):
            assert "healthcheck" in service, name


def test_host_ports_are_unique(compose):
    host = [str(p).rsplit(":", 1)[0] for s in services(compose).values() for p in s.get("ports", [])]
    assert host and len(host) == len(set(host)), host


def test_images_are_pinned_and_volumes_and_configs_declared(compose):
    for name, service in services(compose).items():
        if "build" not in service:
            image = service["image"]
            assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), f"{name}: pin {image}"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in compose["volumes"], f"{name}: named volume {source} is not declared"
        for config in service.get("configs", []):
            assert config["source"] in compose["configs"]
    assert "version" not in compose  # the Compose Specification has no version key


# --- wiring: server, store, Dask ------------------------------------------------------------------------------------

def test_prefect_server_uses_postgres_and_serves_its_api_on_its_port(compose):
    svc = services(compose)
    server, postgres = svc["prefect-server"], environment(svc["postgres"])
    url = urlparse(environment(server)["PREFECT_SERVER_DATABASE_CONNECTION_URL"])
    assert url.scheme == "postgresql+asyncpg" and url.hostname == "postgres" and url.port == 5432
    assert (url.username, url.password, url.path.lstrip("/")) == (
        postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"], postgres["POSTGRES_DB"])
    port = int(flag(server["command"], "--port"))
    assert port in container_ports(server)
    assert f"localhost:{port}/api/health" in " ".join(server["healthcheck"]["test"])
    assert depends_on(server) == {"postgres": "service_healthy"}


def test_pipeline_services_reach_the_server_the_store_and_the_scheduler(compose):
    svc = services(compose)
    api_port = int(flag(svc["prefect-server"]["command"], "--port"))
    s3_port = int(flag(svc["s3"]["command"], "-s3.port"))
    assert s3_port in container_ports(svc["s3"])
    scheduler_port = int(flag(svc["dask-scheduler"]["command"], "--port"))
    homes = set()
    for name in PIPELINE_SERVICES:
        env = environment(svc[name])
        assert env["PREFECT_API_URL"] == f"http://prefect-server:{api_port}/api", name
        endpoint = urlparse(env["AWS_ENDPOINT_URL"])
        assert (endpoint.scheme, endpoint.hostname, endpoint.port) == ("http", "s3", s3_port), name
        assert env["MEDINST_HOME"].startswith("s3://"), name
        assert env["MEDINST_DASK_ADDRESS"] == f"tcp://dask-scheduler:{scheduler_port}", name
        assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"], name
        homes.add(env["MEDINST_HOME"])
    assert len(homes) == 1, f"every service must share one MEDINST_HOME: {homes}"
    for worker in ("dask-worker-1", "dask-worker-2"):
        assert svc[worker]["command"][0] == environment(svc[worker])["MEDINST_DASK_ADDRESS"]
        assert depends_on(svc[worker])["dask-scheduler"] == "service_healthy"
    assert svc["dask-worker-1"]["command"] != svc["dask-worker-2"]["command"]  # distinct worker names
    for name in ("worker", "pool-worker"):
        assert {"prefect-server", "create-bucket", "dask-worker-1", "dask-worker-2"} <= set(depends_on(svc[name]))


def test_the_store_accepts_the_keys_the_pipeline_uses(compose):
    identities = json.loads(compose["configs"]["s3-identities"]["content"])["identities"]
    keys = {(c["accessKey"], c["secretKey"]) for i in identities for c in i["credentials"]}
    for name in PIPELINE_SERVICES:
        env = environment(services(compose)[name])
        assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) in keys, name


def test_the_worker_serves_the_deployments_from_the_pipeline_image(compose):
    svc = services(compose)
    dockerfile = (REPO / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["medinst"]' in dockerfile and "entrypoint" not in svc["worker"]
    assert svc["worker"]["command"] == ["serve"]
    assert re.search(r"pip install .*-e \"?\.\[[^\]]*scale", dockerfile), "the image needs the scale extra (prefect-dask)"
    for name in PIPELINE_SERVICES:
        assert svc[name]["build"] == "." and svc[name]["image"] == svc["worker"]["image"], name
    assert svc["dask-scheduler"]["entrypoint"] == ["dask", "scheduler"]
    assert svc["dask-worker-1"]["entrypoint"] == ["dask", "worker"]
    # The pool variant creates the pool that prefect.yaml's deployments name.
    pool = yaml.safe_load((REPO / "prefect.yaml").read_text())["definitions"]["work_pool"]["name"]
    assert f"work-pool create {pool} --type process" in svc["pool-worker"]["command"][0]
    assert f"worker start --pool {pool}" in svc["pool-worker"]["command"][0]


def test_the_bucket_job_creates_the_bucket_medinst_home_names(compose, tmp_path):
    """Runs the job's script (as its entrypoint would) against moto, twice: it is idempotent."""
    from moto.server import ThreadedMotoServer

    svc = services(compose)
    job = svc["create-bucket"]
    assert job["entrypoint"] == ["python", "-c"] and depends_on(job) == {"s3": "service_healthy"}
    env = environment(job)
    bucket = urlparse(env["MEDINST_HOME"]).netloc
    assert bucket == urlparse(environment(svc["worker"])["MEDINST_HOME"]).netloc

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        run_env = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, **env,
                   "AWS_ENDPOINT_URL": f"http://{host}:{port}", "HOME": str(tmp_path)}
        for _ in range(2):
            done = subprocess.run([sys.executable, "-c", job["command"][0]], env=run_env, capture_output=True,
                                  text=True, timeout=120)
            assert done.returncode == 0, done.stderr
            assert f"bucket {bucket} ready" in done.stdout
        import boto3

        s3 = boto3.client("s3", endpoint_url=run_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                          aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [bucket]
    finally:
        server.stop()


# --- prefect.yaml against flows/serve.py ----------------------------------------------------------------------------

def test_prefect_yaml_declares_the_deployments_that_serve_registers():
    from flows.serve import OPTIONAL_FLOWS, deployments

    config = yaml.safe_load((REPO / "prefect.yaml").read_text())
    declared = {}
    for d in config["deployments"]:
        path, func = d["entrypoint"].split(":")
        assert (REPO / path).is_file(), d["entrypoint"]
        declared[path.removesuffix(".py").replace("/", ".") + "." + func] = d
    served = deployments()
    assert {d.flow_name for d in served} >= {"build", "benchmark", "export"}
    assert set(declared) <= {f"flows.{f}.{f}" for f in ("build", "benchmark", "export", *OPTIONAL_FLOWS)}
    for d in served:
        yml = declared[d.entrypoint]  # every served deployment is declared for `prefect deploy` too
        assert yml["name"] == d.name
        assert yml["enforce_parameter_schema"] is True and d.enforce_parameter_schema
        assert yml["tags"] == d.tags and yml["concurrency_limit"] == d.concurrency_limit
        assert yml["work_pool"]["name"] == config["definitions"]["work_pool"]["name"]
        assert [(s["cron"], s["timezone"]) for s in yml.get("schedules") or []] == [
            (s.schedule.cron, s.schedule.timezone) for s in d.schedules or []]
    assert config["pull"][0]["prefect.deployments.steps.set_working_directory"]["directory"] == "{{ $PWD }}"


def test_the_build_schedule_is_weekly_by_default_and_can_be_changed_or_turned_off(monkeypatch):
    from flows.serve import build_schedule

    monkeypatch.delenv("MEDINST_BUILD_CRON", raising=False)
    monkeypatch.delenv("MEDINST_BUILD_TIMEZONE", raising=False)
    weekly = build_schedule()
    assert (weekly.cron, weekly.timezone) == ("0 3 * * 1", "UTC")
    daily = build_schedule("30 1 * * *", "Europe/Amsterdam")
    assert (daily.cron, daily.timezone) == ("30 1 * * *", "Europe/Amsterdam")
    monkeypatch.setenv("MEDINST_BUILD_CRON", "0 4 * * 0")
    assert build_schedule().cron == "0 4 * * 0"
    assert build_schedule("off") is None and build_schedule("") is None
    for cron, timezone in [("not a cron", None), ("0 3 * * 1", "Mars/Olympus")]:
        with pytest.raises(ValueError):
            build_schedule(cron, timezone)
