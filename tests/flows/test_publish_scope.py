"""A build never publishes less, or other, data than it says (issue 16, cases 1, 5 and 13):
`--only` carries the previous build's other sources, derived marts survive a rebuild, and a home
can be moved, copied or have its CURRENT spoiled and still be queried and rebuilt."""

import json
import os
import shutil
from pathlib import Path

import polars as pl
import pytest
import yaml

from flows.benchmark import benchmark
from flows.build import BuildFailed, build
from flows.cli import main
from warehouse.catalog import query, write_derived
from warehouse.layout import current_build

REPO = Path(__file__).resolve().parents[2]
SOURCES = ["biosses", "medqa", "mqp"]
ROWS = {"biosses": 100, "medqa": 1273, "mqp": 3048}
MARTS = {"benchmark", "benchmark_tasks", "mixtures", "duplicates", "contamination"}
pytestmark = pytest.mark.integration


def sql(home: Path, text: str) -> list[tuple]:
    return query(current_build(home), text)[1]


def rows_per_source(home: Path) -> dict[str, int]:
    return dict(sql(home, "select source, count(*) from instructions group by all"))


def marts(home: Path) -> dict[str, str]:
    """Each derived view of the current build and the build it was derived from."""
    return dict(sql(home, "select view, derived_from from derived"))


def mqp_registry(tmp_path: Path, instruction: str) -> Path:
    """A registry folder redeclaring mqp with another instruction (its rows change, the others do not)."""
    folder = tmp_path / "registry"
    folder.mkdir(exist_ok=True)
    data = yaml.safe_load((REPO / "sources" / "mqp.yaml").read_text())
    data["tasks"][0]["instruction"] = instruction
    (folder / "mqp.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


@pytest.fixture
def home(prefect_server, corpora, tmp_path):
    """A home with a published build of three sources and its MedINST32 views (mixtures of 1,000 rows)."""
    home = tmp_path / "home"
    first = build(only=SOURCES, home=str(home), sources_root=str(corpora))
    benchmark(home=str(home), mixture_size=1000, seed=7)
    return home, first["build_id"]


# --- case 1: --only rebuilds the named sources and carries the others ---------------------------

def test_only_carries_the_previous_builds_other_sources(home, corpora, capsys):
    home, first = home
    code = main(["build", "--only", "mqp", "--home", str(home), "--sources-root", str(corpora)])
    out = capsys.readouterr().out
    assert code == 0
    assert rows_per_source(home) == ROWS  # was {"mqp": 3048}: the other sources were dropped
    assert sorted(sql(home, "select source, carried_from from sources where status in ('built', 'partial')")) == [
        ("biosses", first), ("medqa", first), ("mqp", None)]
    assert sql(home, "select distinct recomputed from sources where carried_from is not null") == [(False,)]
    assert set(sql(home, "select task, carried_from from tasks where status in ('built', 'partial')")) == {
        ("BIOSSES", first), ("MedQA", first), ("MQP", None)}
    assert "biosses   100            0  carried" in out and "medqa    1273            0  carried" in out
    assert f"2 carried unchanged from build {first}" in out


def test_only_fails_when_a_carried_stage_is_gone(home, corpora):
    home, first = home
    fingerprint = json.loads((current_build(home) / "manifest.json").read_text())["sources"][0]["fingerprint"]
    shutil.rmtree(home / "stage" / "biosses")
    with pytest.raises(BuildFailed, match=rf"cannot carry biosses from build {first}: its stage "
                                          rf"stage/biosses/{fingerprint} is gone; rebuild it \(--only biosses mqp\) "
                                          r"or run a full build; the published warehouse is unchanged"):
        build(only=["mqp"], home=str(home), sources_root=str(corpora))
    assert current_build(home).name == first


def test_a_source_declared_since_the_previous_build_is_said_not_built(home, corpora, tmp_path, capsys):
    home, first = home
    registry = tmp_path / "registry"
    registry.mkdir()
    data = yaml.safe_load((REPO / "sources" / "ncbi_disease.yaml").read_text())
    tasks = [{**t, "name": t["name"] + "-Copy"} for t in data["tasks"]]
    (registry / "new_corpus.yaml").write_text(yaml.safe_dump({**data, "id": "new_corpus", "tasks": tasks}))
    args = ["--home", str(home), "--sources-root", str(corpora), "--registry", str(registry)]
    assert main(["build", "--only", "mqp", *args]) == 0
    out = capsys.readouterr().out
    assert rows_per_source(home) == ROWS  # neither added (not named) nor anything dropped
    declared = {"new_corpus"} | {p.stem for p in (REPO / "sources").glob("*.yaml")} - set(SOURCES)
    assert f"not built: {len(declared)} declared source(s) neither named by --only nor in build {first}: " in out
    assert "new_corpus" in out.split("not built: ")[1].splitlines()[0]
    assert sorted(sql(home, "select source from sources")) == [(s,) for s in SOURCES]


# --- case 5: derived marts survive a rebuild --------------------------------------------------------

def test_a_rebuild_of_the_same_rows_carries_the_derived_marts(home, corpora):
    home, first = home
    before = sorted(sql(home, "select mixture, task, uid from mixtures"))
    write_derived(current_build(home), "runs", pl.DataFrame({"run_id": ["r1"], "build_id": [first]}))  # as finetune does
    result = build(only=SOURCES, home=str(home), sources_root=str(corpora))  # nothing changed, as a weekly build
    assert result["build_id"] != first
    assert sorted(sql(home, "select mixture, task, uid from mixtures")) == before  # was: no such view
    assert marts(home) == {view: first for view in MARTS | {"runs"}}  # each says where it came from
    assert sql(home, "select run_id from runs") == [("r1",)]


def test_a_rebuild_of_changed_rows_re_derives_the_marts_with_their_parameters(home, corpora, tmp_path):
    home, first = home
    instruction = "Do these two patient questions mean the same? Answer 1 if they do, 0 if not."
    result = build(home=str(home), sources_root=str(corpora), registry=[str(mqp_registry(tmp_path, instruction))],
                   only=SOURCES)
    assert marts(home) == {view: result["build_id"] for view in MARTS}
    parameters = json.loads(sql(home, "select parameters from derived where view = 'mixtures'")[0][0])
    assert parameters["mixture_size"] == 1000 and parameters["seed"] == 7
    assert dict(sql(home, "select mixture, count(*) from mixtures group by all")) == {
        "merged_train_1k": 1000, "unseen_train_1k": 1000}
    assert sql(home, "select distinct instruction from mixtures join instructions using (uid) where mixtures.task = 'MQP'") \
        == [(instruction,)]
    rederived = sorted(sql(home, "select mixture, task, uid from mixtures"))
    benchmark(home=str(home), mixture_size=1000, seed=7)  # what the user would have had to run by hand
    assert sorted(sql(home, "select mixture, task, uid from mixtures")) == rederived


def test_marts_that_cannot_be_derived_again_fail_the_build_and_keep_the_warehouse(prefect_server, corpora, tmp_path):
    home = tmp_path / "home"
    build(only=SOURCES, home=str(home), sources_root=str(corpora))
    spec = tmp_path / "my-benchmark.yaml"
    shutil.copy(REPO / "sources" / "benchmarks" / "medinst32.yaml", spec)
    benchmark(home=str(home), spec=str(spec), mixture_size=1000)
    before = current_build(home).name
    spec.unlink()
    with pytest.raises(BuildFailed, match=r"deriving benchmark, benchmark_tasks, contamination, duplicates, mixtures "
                                          r"again for the new rows failed \(parameters .*my-benchmark.yaml.*\): "
                                          r".*; the published warehouse is unchanged"):
        build(only=SOURCES, home=str(home), sources_root=str(corpora),
              registry=[str(mqp_registry(tmp_path, "Same question? Answer 1 or 0."))])
    assert current_build(home).name == before and sql(home, "select count(*) from mixtures") == [(2000,)]


# --- case 13: a home is relocatable and self-healing -------------------------------------------------

def test_a_moved_home_is_queried_and_rebuilt(home, corpora, tmp_path, capsys):
    old, first = home
    new = tmp_path / "moved"
    shutil.copytree(old, new)
    shutil.rmtree(old)
    assert main(["sql", "select count(*) as n from instructions", "--home", str(new)]) == 0
    assert capsys.readouterr().out.splitlines()[2] == str(sum(ROWS.values()))
    assert sql(new, "select count(*) from benchmark where task = 'BIOSSES'") == [(40,)]
    result = build(only=["mqp"], home=str(new), sources_root=str(corpora))
    assert {s["cache"] for s in result["sources"]} == {"cached", "carried"}
    assert rows_per_source(new) == ROWS and not old.exists()
    assert all(str(old) not in view for (view,) in sql(new, "select sql from duckdb_views() where not internal"))
    assert main(["sql", f"SET VARIABLE medinst_build = '{old}'", "--home", str(new)]) == 1  # not redirected
    assert "SET statements are refused" in capsys.readouterr().err


def test_a_spoiled_current_says_so_and_the_next_build_heals_it(home, corpora, capsys):
    home, first = home
    for spoiled in ("garbage\n", "", "../../etc\n", "20991231T000000000000Z-0000000000\n"):
        (home / "warehouse" / "CURRENT").write_text(spoiled)
        assert main(["sql", "select 1", "--home", str(home)]) == 1
        err = capsys.readouterr().err
        assert err == (f"medinst sql: {home}/warehouse/CURRENT names no published build ({spoiled.strip()!r}): "
                       "run `medinst build` to publish one\n")
    result = build(only=["mqp"], home=str(home), sources_root=str(corpora))
    assert (home / "warehouse" / "CURRENT").read_text() == result["build_id"] + "\n"
    assert rows_per_source(home) == ROWS  # carried from the last published build


def test_current_and_marts_get_the_mode_of_every_other_file(home):
    home, _ = home
    umask = os.umask(0)
    os.umask(umask)
    mode = 0o666 & ~umask
    build_dir = current_build(home)
    for path in [home / "warehouse" / "CURRENT", build_dir / "tasks.parquet", build_dir / "derived" / "mixtures.parquet"]:
        assert path.stat().st_mode & 0o777 == mode, path
