"""Issue 16, cases 4 and 7 end to end: a full disk while fetching fails the build instead of publishing it
without the source, and a declared path or a mirror link that leaves the source's folder fails it too;
either way the published warehouse stays as it was."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import registry_copy

from flows.build import BuildFailed, build
from schemas.errors import RegistryError
from warehouse.catalog import query
from warehouse.layout import current_build

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def counts(home: Path) -> dict[tuple[str, str], int]:
    _, rows = query(current_build(home), "select task, split, count(*) from instructions group by all")
    return {(task, split): n for task, split, n in rows}




# A private mount namespace (a user namespace maps us to root inside it) lets the test give the raw cache
# a real 64 KiB tmpfs, without root and without touching the machine's mounts.
FULL_DISK = 'mount -t tmpfs -o size=64k tmpfs "$0/raw" && exec "$@"'


def _can_mount_a_tmpfs(tmp_path: Path) -> str | None:
    (tmp_path / "probe").mkdir()
    done = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                           FULL_DISK.replace("$0/raw", "$0"), str(tmp_path / "probe"), "true"],
                          capture_output=True, text=True)
    return None if done.returncode == 0 else done.stderr.strip()


def test_a_full_disk_while_fetching_fails_the_build_and_keeps_the_published_warehouse(corpora, tmp_path):
    why_not = _can_mount_a_tmpfs(tmp_path)
    if why_not:
        pytest.skip(f"cannot mount a tmpfs in a private namespace here ({why_not}); "
                    "tests/warehouse/test_fetch_safety.py checks ENOSPC through /dev/full")
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}  # an ephemeral server
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    cli = [sys.executable, "-m", "flows.cli", "build", "--home", str(home), "--sources-root", str(corpora),
           "--only", "biosses", "mqp", "medqa"]
    first = subprocess.run(cli, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr[-3000:]
    before, rows = (home / "warehouse" / "CURRENT").read_text(), counts(home)
    assert rows[("MedQA", "test")] == 1273
    # MedQA's YAML changes, so it is parsed again from a raw cache that now sits on a full disk.
    registry = registry_copy(tmp_path, "medqa", lambda d: d["tasks"][0].update(
        instruction=d["tasks"][0]["instruction"] + " Answer with the letter alone."))
    second = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", FULL_DISK, str(home),
                             *cli, "--registry", str(registry)], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=600)
    assert second.returncode == 1, second.stdout[-3000:]
    assert "medinst build failed: 1 source(s) failed; the published warehouse is unchanged:\n  medqa: test.jsonl: " \
           f"fetching {corpora.resolve()}/medqa/test.jsonl failed on this machine: [Errno 28] No space left on device" \
           in second.stderr, second.stderr[-3000:]
    assert "cannot be fetched" not in second.stderr + second.stdout
    assert (home / "warehouse" / "CURRENT").read_text() == before and counts(home) == rows


def test_a_registry_path_out_of_the_source_folder_is_refused(prefect_server, corpora, tmp_path):
    registry = registry_copy(tmp_path, "mqp", lambda d: d["files"][0].update(path="../../../../etc/passwd"))
    with pytest.raises(RegistryError, match=r"mqp.yaml: files.0.path: Value error, '../../../../etc/passwd': it "
                                            r"climbs out with '..'"):
        build(only=["mqp"], home=str(tmp_path / "home"), sources_root=str(corpora), registry=[str(registry)])
    assert not (tmp_path / "home" / "raw").exists()


def test_a_mirror_link_out_of_the_source_folder_fails_the_build(prefect_server, corpora, tmp_path):
    home = tmp_path / "home"
    build(only=["mqp"], home=str(home), sources_root=str(corpora))
    before, rows = (home / "warehouse" / "CURRENT").read_text(), counts(home)
    mirror = tmp_path / "mirror"
    (mirror / "mqp").mkdir(parents=True)
    (mirror / "mqp" / "mqp.csv").symlink_to("/etc/passwd")
    registry = registry_copy(tmp_path, "mqp", lambda d: d["files"][0].pop("sha256"))  # nothing pinned
    with pytest.raises(BuildFailed, match=r"mqp: mqp.csv: refused .*/mirror/mqp/mqp.csv: it leads to /etc/passwd, "
                                          r"outside the source's mirror folder"):
        build(only=["mqp"], home=str(home), sources_root=str(mirror), registry=[str(registry)])
    assert (home / "warehouse" / "CURRENT").read_text() == before and counts(home) == rows
    passwd = Path("/etc/passwd").read_bytes()
    assert [p for p in (home / "raw").rglob("*") if p.is_file() and p.read_bytes() == passwd] == []
