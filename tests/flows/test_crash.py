"""Crash safety: a build SIGKILLed at each stage leaves the published warehouse exactly as it was,
and the next build removes what it left and completes (fault injection: warehouse.faults)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from warehouse.catalog import query
from warehouse.faults import ENV, STAGES
from warehouse.layout import builds_dir, current_build
from warehouse.recovery import leftovers

REPO = Path(__file__).resolve().parents[2]
SOURCES = ["biosses", "mqp"]
pytestmark = pytest.mark.integration


def run_build(home: Path, corpora: Path, prefect_home: Path, kill_at: str | None = None) -> subprocess.CompletedProcess:
    from prefect.settings import get_current_settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDINST_", "PREFECT_"))}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_HOME=str(prefect_home),
               PREFECT_LOGGING_LEVEL="WARNING",
               # the session's test server: no temporary server per subprocess (one a killed build would orphan)
               PREFECT_API_URL=str(get_current_settings().api.url))
    if kill_at:
        env[ENV] = kill_at
    cmd = [sys.executable, "-m", "flows", "build", "--only", *SOURCES, "--home", str(home),
           "--sources-root", str(corpora)]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=180)


def published(home: Path) -> tuple[str, frozenset, dict]:
    build = current_build(home)
    _, uids = query(build, "select uid from instructions")
    _, counts = query(build, "select task, split, count(*) from instructions group by all")
    return build.name, frozenset(u for (u,) in uids), {(t, s): n for t, s, n in counts}


# What each kill leaves, found by warehouse.recovery.leftovers (parse writes nothing; the stage is
# written as rows are rendered, so render and write both leave a half-written stage).
LEFT = {
    "fetch": lambda p: p.name.startswith(".fetch-"),
    "render": lambda p: p.parent.parent.name == "stage" and p.name.endswith(".tmp"),
    "write": lambda p: p.parent.parent.name == "stage" and p.name.endswith(".tmp"),
    "publish": lambda p: p.parent.name == "builds" and p.name.endswith(".tmp"),
    "switch": lambda p: p.parent.name == "builds" and not p.name.startswith("."),
}


def test_a_build_killed_at_any_stage_loses_nothing(prefect_server, corpora, tmp_path):
    home, prefect_home = tmp_path / "home", tmp_path / "prefect"
    done = run_build(home, corpora, prefect_home)
    assert done.returncode == 0, done.stderr
    before = published(home)
    assert sum(before[2].values()) > 0

    for stage in STAGES:
        # Drop the caches that would let the killed build skip the stage: staged Parquet (so the
        # source is recomputed) and, for `fetch`, the raw files. The published build keeps its own links.
        for cache in ["stage"] + (["raw"] if stage == "fetch" else []):
            subprocess.run(["rm", "-rf", str(home / cache)], check=True)
        started = time.time()
        killed = run_build(home, corpora, prefect_home, kill_at=stage)
        assert killed.returncode == -signal.SIGKILL, (stage, killed.returncode, killed.stderr[-2000:])
        assert published(home) == before, stage  # same build, same uids, same counts: 0 rows lost
        left = leftovers(home)
        if stage in LEFT:
            assert any(LEFT[stage](p) for p in left), (stage, left)
        assert all(p.stat().st_mtime >= started - 1 for p in left), (stage, left)  # the earlier ones were removed

    done = run_build(home, corpora, prefect_home)
    assert done.returncode == 0, done.stderr
    after = published(home)
    assert after[0] != before[0] and after[1:] == before[1:]
    assert leftovers(home) == []
    assert sorted(p.name for p in builds_dir(home).iterdir()) == sorted([before[0], after[0]])
    assert not list(home.rglob("*.tmp")) and not list(home.rglob(".fetch-*")) and not list(home.rglob(".catalog-*"))
