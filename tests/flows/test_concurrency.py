"""One build at a time per MEDINST_HOME (warehouse.recovery.BuildLock), and readers during a build
see the old build or the new one, never a mix."""

import fcntl
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from flows.build import BuildFailed, build
from flows.cli import main
from warehouse.catalog import query
from warehouse.layout import current_build
from warehouse.recovery import LOCK_NAME, BuildLock, BuildLocked


def test_a_second_build_lock_is_refused_naming_the_holder(tmp_path):
    with BuildLock(tmp_path, timeout=0):
        started = time.monotonic()
        with pytest.raises(BuildLocked) as refused:
            BuildLock(tmp_path, timeout=0).acquire()
        assert time.monotonic() - started < 1
    message = str(refused.value)
    assert f"pid {os.getpid()} on {socket.gethostname()}, started 20" in message
    assert not (tmp_path / LOCK_NAME).exists()  # released
    with BuildLock(tmp_path, timeout=0):  # and free again
        pass


def test_a_second_build_waits_for_the_lock(tmp_path):
    first = BuildLock(tmp_path, timeout=0).acquire()
    threading.Timer(1.0, first.release).start()
    started = time.monotonic()
    with pytest.raises(BuildLocked, match="waited 0.3 s"):
        BuildLock(tmp_path, timeout=0.3, poll=0.05).acquire()
    with BuildLock(tmp_path, timeout=10, poll=0.05):
        assert 0.9 < time.monotonic() - started < 5


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_stale_lock_of_a_dead_pid_is_taken_over(tmp_path):
    stale = {"pid": _dead_pid(), "host": socket.gethostname(), "started": "2026-01-01T00:00:00+00:00"}
    path = tmp_path / LOCK_NAME
    path.write_text(json.dumps(stale))
    with BuildLock(tmp_path, timeout=0):  # a file left by a dead build, no flock on it
        assert json.loads(path.read_text())["pid"] == os.getpid()
    # Still flocked (as by a forked child that outlived the build), but its recorded holder is dead.
    path.write_text(json.dumps(stale))
    fd = os.open(path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        with BuildLock(tmp_path, timeout=0):
            assert json.loads(path.read_text())["pid"] == os.getpid()
    finally:
        os.close(fd)
    # A live holder on another host is not taken over.
    path.write_text(json.dumps({**stale, "host": "elsewhere"}))
    fd = os.open(path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        with pytest.raises(BuildLocked, match="on elsewhere"):
            BuildLock(tmp_path, timeout=0).acquire()
    finally:
        os.close(fd)


def _total(home) -> dict:
    _, rows = query(current_build(home), "select task, split, count(*) from instructions group by all")
    return {(t, s): n for t, s, n in rows}


@pytest.mark.integration
def test_a_build_refuses_while_another_holds_the_home(prefect_server, corpora, tmp_path, monkeypatch, capsys):
    with BuildLock(tmp_path, timeout=0):
        with pytest.raises(BuildFailed, match=f"pid {os.getpid()} on {socket.gethostname()}"):
            build(only=["biosses"], home=str(tmp_path), sources_root=str(corpora), lock_timeout=0)
        monkeypatch.setenv("MEDINST_BUILD_LOCK_TIMEOUT", "0")
        assert main(["build", "--only", "biosses", "--home", str(tmp_path), "--sources-root", str(corpora)]) == 1
    err = capsys.readouterr().err
    assert "medinst build failed: another build holds" in err and f"pid {os.getpid()}" in err
    assert current_build(tmp_path) is None  # nothing was published


@pytest.mark.integration
def test_readers_during_a_build_see_the_old_or_the_new_build(prefect_server, corpora, tmp_path):
    build(only=["biosses"], home=str(tmp_path), sources_root=str(corpora))
    old = _total(tmp_path)
    seen, errors, stop = [], [], threading.Event()

    def read():
        while not stop.is_set():
            try:
                seen.append(_total(tmp_path))
            except Exception as e:  # noqa: BLE001 - any failed read is a finding
                errors.append(repr(e))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        build(only=["biosses", "mqp"], home=str(tmp_path), sources_root=str(corpora))
        time.sleep(0.5)
    finally:
        stop.set()
        reader.join()
    new = _total(tmp_path)
    assert not errors, errors[:3]
    assert old != new
    assert len(seen) > 10 and all(s in (old, new) for s in seen)
    assert seen[0] == old and seen[-1] == new


@pytest.mark.integration
def test_builds_at_once_wait_for_each_other(prefect_server, corpora, tmp_path):
    from prefect.settings import get_current_settings

    home = tmp_path / "home"
    env = {**os.environ, "PREFECT_API_URL": str(get_current_settings().api.url), "PREFECT_HOME": str(tmp_path / "p")}
    cmd = [sys.executable, "-m", "flows", "build", "--only", "biosses", "--home", str(home),
           "--sources-root", str(corpora)]
    logs = [tmp_path / f"build-{i}.err" for i in range(2)]
    with BuildLock(home, timeout=0) as held:  # both builds start while the home is taken
        runs = [subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w")) for log in logs]
        deadline = time.monotonic() + 120
        while not all("waiting up to" in log.read_text() for log in logs):
            assert time.monotonic() < deadline and all(r.poll() is None for r in runs), [log.read_text() for log in logs]
            time.sleep(0.2)
        assert current_build(home) is None and held.fd is not None
    assert [r.wait(timeout=180) for r in runs] == [0, 0], [log.read_text()[-2000:] for log in logs]
    published = (home / "warehouse" / "published.log").read_text().split()
    assert len(published) == 2 and current_build(home).name == published[-1]
