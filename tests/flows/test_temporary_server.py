"""The temporary Prefect server that `medinst` starts (no PREFECT_API_URL) lives no longer than the
command: a build SIGKILLed mid-run takes its server with it (no orphan with PPID 1)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from warehouse.faults import ENV

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def temporary_servers(prefect_home: Path) -> list[psutil.Process]:
    """Running Prefect temporary servers started with this PREFECT_HOME."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if "prefect.server.api.server:create_app" in (process.info["cmdline"] or []):
            try:
                if process.environ().get("PREFECT_HOME") == str(prefect_home) and process.status() != "zombie":
                    found.append(process)
            except psutil.Error:  # gone meanwhile
                pass
    return found


def test_a_killed_build_takes_its_temporary_server_with_it(corpora, tmp_path):
    prefect_home = tmp_path / "prefect"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDINST_", "PREFECT_"))}
    env.update(PREFECT_HOME=str(prefect_home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_LOGGING_LEVEL="WARNING", PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180",
               **{ENV: "parse"})  # SIGKILL itself mid-build, its server running
    cmd = [sys.executable, "-m", "flows", "build", "--only", "biosses", "--home", str(tmp_path / "home"),
           "--sources-root", str(corpora)]
    try:
        with open(tmp_path / "build.log", "w") as log:  # not a pipe: an orphaned server would hold it open
            killed = subprocess.run(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=300)
        assert killed.returncode == -signal.SIGKILL, (tmp_path / "build.log").read_text()[-2000:]
        deadline = time.monotonic() + 30  # the server's own shutdown takes a moment
        while temporary_servers(prefect_home) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert temporary_servers(prefect_home) == []
    finally:
        for server in temporary_servers(prefect_home):  # before the fix: an orphan to clean up
            server.kill()
