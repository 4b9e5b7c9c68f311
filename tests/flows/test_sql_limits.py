"""Issue 16, case 9: `medinst sql` stops a query at its timeout, and Ctrl-C stops it at once, with one clear
line and no traceback (a real `medinst sql` process, a real SIGINT, a real build)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.build import build
from flows.cli import main
from flows.settings import sql_timeout
from warehouse.catalog import QueryTimeout, query
from warehouse.layout import current_build

pytestmark = pytest.mark.integration

ENDLESS = "with recursive t(n) as (select 1 union all select n + 1 from t) select count(*) from t"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def home(prefect_server, corpora, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    build(only=["mqp"], home=str(home), sources_root=str(corpora))
    return home


def _env(home: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDINST_")}
    return {**env, "MEDINST_HOME": str(home), "MEDINST_CONFIG": str(home / "no-such.toml"), **extra}


def _cpu_seconds(pid: int) -> float:
    """CPU time the process has used (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_ctrl_c_stops_an_endless_query_with_one_line(home):
    proc = subprocess.Popen([sys.executable, "-m", "flows", "sql", ENDLESS], cwd=REPO, env=_env(home),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Starting up takes under a second of CPU; the endless query burns it: past 3 s it is running.
        for _ in range(3000):
            if proc.poll() is not None or _cpu_seconds(proc.pid) >= 3:
                break
            time.sleep(0.1)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)  # before the fix: still running a minute later
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert out == ""
    assert err == "medinst sql: interrupted\n"


def test_timeout_flag_stops_an_endless_query(home, capsys):
    assert main(["sql", "--home", str(home), "--timeout", "0.5", ENDLESS]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("medinst sql: the query ran longer than the timeout of 0.5 s and was stopped "
                            "(raise it with --timeout SECONDS or MEDINST_SQL_TIMEOUT; 0 means no limit)\n")


def test_timeout_from_the_environment_in_a_real_process(home):
    done = subprocess.run([sys.executable, "-m", "flows", "sql", ENDLESS], cwd=REPO,
                          env=_env(home, MEDINST_SQL_TIMEOUT="0.5"), capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr == ("medinst sql: the query ran longer than the timeout of 0.5 s and was stopped "
                           "(raise it with --timeout SECONDS or MEDINST_SQL_TIMEOUT; 0 means no limit)\n")


def test_query_within_its_timeout_answers(home):
    columns, rows = query(current_build(home), "select count(*) as n from instructions", timeout=60)
    assert (columns, rows) == (["n"], [(3048,)])
    with pytest.raises(QueryTimeout):
        query(current_build(home), ENDLESS, timeout=0.2)
    # The connection was interrupted and closed: the next query runs as usual.
    assert query(current_build(home), "select 42", timeout=0)[1] == [(42,)]


def test_sql_timeout_setting_flag_over_environment_over_config(tmp_path, monkeypatch):
    config = tmp_path / "medinst.toml"
    config.write_text("sql_timeout = 20\n")
    monkeypatch.setenv("MEDINST_CONFIG", str(config))
    monkeypatch.delenv("MEDINST_SQL_TIMEOUT", raising=False)
    assert sql_timeout() == 20
    monkeypatch.setenv("MEDINST_SQL_TIMEOUT", "7.5")
    assert sql_timeout() == 7.5
    assert sql_timeout(3) == 3
    config.unlink()
    monkeypatch.delenv("MEDINST_SQL_TIMEOUT")
    assert sql_timeout() == 300


def test_bad_timeout_is_named(monkeypatch, capsys):
    monkeypatch.setenv("MEDINST_SQL_TIMEOUT", "soon")
    assert main(["sql", "select 1"]) == 1
    assert capsys.readouterr().err == "medinst sql: MEDINST_SQL_TIMEOUT: 'soon' is not a number of seconds (0 means no limit)\n"
    assert main(["sql", "--timeout", "-1", "select 1"]) == 1
    assert capsys.readouterr().err == "medinst sql: --timeout: -1.0 is not a number of seconds (0 means no limit)\n"
