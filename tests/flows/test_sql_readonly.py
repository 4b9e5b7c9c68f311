"""`medinst sql` over a real build: anything but a query is refused or without effect, and the
warehouse is byte-for-byte what it was afterwards."""

import hashlib
from pathlib import Path

import polars as pl
import pytest

from flows.build import build
from flows.cli import main
from warehouse.catalog import query
from warehouse.layout import current_build

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def warehouse(prefect_server, corpora, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    build(only=["mqp"], home=str(home), sources_root=str(corpora))
    current = current_build(home)
    other = current.parent / "other-build"  # another build folder beside the published one
    other.mkdir()
    pl.DataFrame({"secret": ["other build"]}).write_parquet(other / "x.parquet")
    return home, current, other


def _snapshot(home: Path) -> dict[str, str]:
    """sha256 of every file under the home (the warehouse, catalog and all)."""
    return {p.relative_to(home).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(home.rglob("*")) if p.is_file()}


def _hostile(home: Path, build_dir: Path, other: Path) -> list[str]:
    b = build_dir
    return [
        "DROP VIEW instructions",
        "CREATE TABLE t AS SELECT 1",
        "CREATE VIEW v AS SELECT 1",
        "CREATE TEMP TABLE t AS SELECT * FROM instructions",
        "INSERT INTO instructions SELECT * FROM instructions",
        "UPDATE instructions SET output = 'x'",
        "DELETE FROM instructions",
        "COPY instructions TO '/tmp/medinst-sql-escape.csv'",
        f"COPY instructions TO '{b}/evil.csv'",
        f"COPY (SELECT 1 AS a) TO '{b}/tasks.parquet' (FORMAT parquet)",  # overwrite the build's own data
        f"EXPLAIN ANALYZE COPY (SELECT 1) TO '{b}/explained.csv'",
        f"EXPORT DATABASE '{b}/exported'",
        "ATTACH '/tmp/medinst-sql-escape.duckdb' AS x",
        f"ATTACH '{b}/catalog.duckdb' AS again",
        "ATTACH ':memory:' AS m",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "SET allowed_directories = ['/']",
        "RESET allowed_directories",
        "SET lock_configuration = false",
        f"SET temp_directory = '{home}/tmp'",
        "PRAGMA enable_profiling",
        f"PRAGMA profiling_output = '{b}/profile.json'",
        "PRAGMA threads = 1",
        f"CALL enable_logging(storage_path = '{b}/logs')",
        "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
        "CHECKPOINT",
        "VACUUM",
        "SELECT 1; DROP VIEW instructions",
        "SELECT * FROM read_csv('/etc/passwd')",
        f"SELECT * FROM read_parquet('{other}/x.parquet')",
        f"SELECT * FROM read_parquet('{b}/../{other.name}/x.parquet')",
        f"SELECT * FROM glob('{home}/**')",
        f"SELECT * FROM read_text('{home}/sources.lock.json')",
        f"SELECT * FROM read_text('{b}/../../../sources.lock.json')",
        f"IMPORT DATABASE '{b}'",
    ]


def _state(home: Path, build_dir: Path):
    _, uids = query(build_dir, "select uid from instructions order by uid")
    _, counts = query(build_dir, "select task, split, count(*) from instructions group by all order by all")
    _, views = query(build_dir, "select table_name from information_schema.tables order by 1")
    return uids, counts, views, _snapshot(home), (build_dir / "catalog.duckdb").read_bytes()


def test_sql_refuses_everything_but_queries_and_leaves_the_warehouse_unchanged(warehouse, capsys):
    home, b, other = warehouse
    before = _state(home, b)
    assert len(before[0]) > 0
    refused, without_effect = [], []
    for sql in _hostile(home, b, other):
        rc = main(["sql", sql, "--home", str(home)])
        err = capsys.readouterr().err
        if rc in (1, 2):  # 2: several statements in one call, refused before any runs
            assert err.startswith("medinst sql: ")
            refused.append(sql)
        else:
            without_effect.append(sql)
        assert _state(home, b) == before, sql
    assert not list(Path("/tmp").glob("medinst-sql-escape*"))
    assert not (home / "tmp").exists()
    # CHECKPOINT parses as a CALL: it runs, and on a read-only catalog it does nothing (checked above)
    assert without_effect == ["CHECKPOINT"]
    assert len(refused) == 36 and len(_hostile(home, b, other)) == 37


@pytest.mark.parametrize("sql", [
    "select count(*) from instructions",
    "from tasks limit 1",
    "show tables",
    "describe instructions",
    "summarize select 1 as a",
    "pragma show_tables",
    "explain select count(*) from instructions",
    "explain analyze select count(*) from instructions",
    "with t as (select task from instructions) select count(*) from t",
])
def test_queries_still_run(warehouse, sql, capsys):
    home, _, _ = warehouse
    assert main(["sql", sql, "--home", str(home)]) == 0, capsys.readouterr().err


def test_reading_the_build_s_own_files_is_allowed(warehouse, capsys):
    home, b, _ = warehouse
    assert main(["sql", f"select count(*) from read_parquet('{b}/tasks.parquet')", "--home", str(home)]) == 0
