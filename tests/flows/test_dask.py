"""The build fanned out over a Dask LocalCluster of worker processes gives the warehouse the thread pool gives."""

from pathlib import Path

import pytest
import yaml
from prefect.exceptions import ParameterTypeError

from flows.build import build
from warehouse.catalog import query
from warehouse.layout import current_build

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SOURCES = ["biosses", "medqa", "mqp", "ncbi_disease"]


def registry_with_an_absent_file(tmp_path: Path) -> Path:
    """A registry redeclaring pubmedqa with a file the mirror lacks: the source is skipped, from any worker."""
    folder = tmp_path / "registry"
    folder.mkdir()
    data = yaml.safe_load((REPO / "sources" / "pubmedqa.yaml").read_text())
    data["files"][0].update(path="absent.json", sha256="e" * 64, url="http://127.0.0.1:9/absent.json")
    (folder / "pubmedqa.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def warehouse(home: Path) -> tuple[set[str], dict[tuple[str, str], int], list[tuple]]:
    build_dir = current_build(home)
    uids = {uid for (uid,) in query(build_dir, "select uid from instructions")[1]}
    counts = {(t, s): n for t, s, n in query(build_dir, "select task, split, count(*) from instructions group by all")[1]}
    tasks = query(build_dir, "select * exclude (status) from tasks order by task")[1]
    return uids, counts, tasks


@pytest.fixture(scope="module")
def homes(prefect_server, corpora, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dask")
    registry = registry_with_an_absent_file(tmp)
    options = {"only": SOURCES + ["pubmedqa"], "sources_root": str(corpora), "registry": [str(registry)]}
    threads = build(home=str(tmp / "thread"), **options)
    dask = build(home=str(tmp / "dask"), runner="dask", dask_workers=2, **options)
    again = build(home=str(tmp / "dask"), runner="dask", dask_workers=2, **options)
    return tmp, threads, dask, again


def test_dask_and_thread_runners_build_the_same_warehouse(homes):
    tmp, threads, dask, _ = homes
    thread_uids, thread_counts, thread_tasks = warehouse(tmp / "thread")
    dask_uids, dask_counts, dask_tasks = warehouse(tmp / "dask")
    assert dask_uids == thread_uids and len(dask_uids) == sum(dask_counts.values()) > 4000
    assert dask_counts == thread_counts
    assert dask_counts["NCBI-disease-NED", "train"] == 592 and dask_counts["MQP", "train"] == 3048
    assert dask_tasks == thread_tasks
    assert [s["source"] for s in dask["sources"]] == [s["source"] for s in threads["sources"]] == SOURCES
    assert {s["cache"] for s in dask["sources"]} == {"rebuilt"}


def test_a_source_failing_in_a_worker_is_skipped_with_its_reason(homes):
    _, threads, dask, _ = homes
    assert dask["skipped"]["pubmedqa"].startswith("cannot be fetched: not found at ")
    assert dask["skipped"] == threads["skipped"]


def test_workers_share_the_cache_under_medinst_home(homes):
    _, _, _, again = homes
    assert {s["cache"] for s in again["sources"]} == {"cached"}


def test_unknown_runner_is_refused(prefect_server, tmp_path):
    # The parameter's type lists its choices: Prefect refuses the run before it starts (the UI offers a list).
    with pytest.raises(ParameterTypeError, match=r"runner: Input should be 'thread' or 'dask'"):
        build(only=["mqp"], home=str(tmp_path), runner="ray")
