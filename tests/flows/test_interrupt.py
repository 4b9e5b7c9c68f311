"""Ctrl-C on a command-line build: it stops at once, says one line, and its flow run is marked cancelled."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def test_ctrl_c_stops_a_build_with_one_line_and_a_cancelled_run(corpora, tmp_path):
    prefect_home = tmp_path / "prefect"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}  # its own temporary server
    env |= {"PREFECT_HOME": str(prefect_home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "MEDINST_OFFLINE": "1"}
    err = tmp_path / "stderr.txt"
    with open(err, "w") as stderr:
        build = subprocess.Popen([sys.executable, "-m", "flows", "build", "--home", str(tmp_path / "home"),
                                  "--sources-root", str(corpora)], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                 stderr=stderr)
        deadline = time.monotonic() + 240
        while "parsing with" not in err.read_text() and time.monotonic() < deadline:  # a source is being parsed
            assert build.poll() is None, err.read_text()[-2000:]
            time.sleep(0.2)
        build.send_signal(signal.SIGINT)  # what Ctrl-C at the terminal sends
        returncode = build.wait(timeout=30)  # before the fix: about 2.5 minutes, and a traceback
    text = err.read_text()
    assert returncode == 130
    assert "Traceback" not in text and "ConnectError" not in text
    last = text.strip().splitlines()[-1]
    assert last.startswith("medinst build: interrupted; the published warehouse is unchanged; the next build cleans "
                           "what this one left (flow run ") and last.endswith(" marked cancelled)")
    with sqlite3.connect(prefect_home / "prefect.db") as db:
        assert db.execute("select state_type from flow_run").fetchall() == [("CANCELLED",)]
    assert not (tmp_path / "home" / "warehouse" / "CURRENT").exists()  # nothing was published
