"""The DuckDB catalog: views over a build's Parquet, opened read-only for ad-hoc SQL."""

import os
import tempfile
from pathlib import Path

import duckdb
import polars as pl

VIEWS = ["instructions", "tasks", "sources", "build_stats", "quarantine"]

INSTRUCTION_COLUMNS = (
    "uid, task, category, source, split, instruction, input, output, history, license, "
    "source_sha256, doc_id, pipeline_version"
)


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def write_catalog(build: Path) -> Path:
    """(Re)create `catalog.duckdb` in a build folder: views only, with absolute paths into the build.

    The marts that later flows derive from a build (`derived/<view>.parquet`: benchmark, mixtures,
    ...) get a view each. The file is written aside and renamed into place, so a reader never opens
    half a catalog.
    """
    path = build / "catalog.duckdb"
    fd, tmp_name = tempfile.mkstemp(dir=build, prefix=".catalog-", suffix=".duckdb")
    os.close(fd)
    os.unlink(tmp_name)  # DuckDB creates the file itself
    con = duckdb.connect(tmp_name)
    try:
        files = sorted((build / "instructions").rglob("*.parquet"))
        if files:
            source = (
                f"read_parquet({_quote(build / 'instructions')} || '/*/*/*/*.parquet', "
                "hive_partitioning = true, hive_types_autocast = false)"
            )
            con.execute(f"CREATE VIEW instructions AS SELECT {INSTRUCTION_COLUMNS} FROM {source}")
        else:  # a build that yielded no rows still answers queries
            con.execute(
                "CREATE VIEW instructions AS SELECT * FROM (SELECT ''::VARCHAR uid, ''::VARCHAR task, "
                "''::VARCHAR category, ''::VARCHAR source, ''::VARCHAR split, ''::VARCHAR instruction, "
                "''::VARCHAR input, ''::VARCHAR output, []::STRUCT(\"user\" VARCHAR, assistant VARCHAR)[] history, "
                "''::VARCHAR license, ''::VARCHAR source_sha256, ''::VARCHAR doc_id, ''::VARCHAR pipeline_version) "
                "WHERE false"
            )
        for view in VIEWS[1:]:
            con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet({_quote(build / (view + '.parquet'))})")
        for derived in sorted((build / "derived").glob("*.parquet")):
            con.execute(f"CREATE VIEW {derived.stem} AS SELECT * FROM read_parquet({_quote(derived)})")
        con.execute(f"COMMENT ON VIEW instructions IS 'One row per MedINST sample, build {build.name}'")
    finally:
        con.close()
    os.replace(tmp_name, path)
    return path


def write_derived(build: Path, view: str, frame: pl.DataFrame) -> Path:
    """Add (or replace) a mart derived from a build; the build's own rows are never touched."""
    folder = build / "derived"
    folder.mkdir(exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{view}-", suffix=".parquet")
    os.close(fd)
    frame.write_parquet(tmp_name, compression="zstd")
    os.replace(tmp_name, folder / f"{view}.parquet")
    return folder / f"{view}.parquet"


def read_instructions(build: Path) -> pl.DataFrame:
    """A build's instruction rows as one Polars frame (partition columns included)."""
    return pl.read_parquet(
        build / "instructions" / "**" / "*.parquet", hive_partitioning=True,
        hive_schema={"category": pl.Utf8, "task": pl.Utf8, "split": pl.Utf8},
    )


def connect_read_only(build: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection that can read this build's files and nothing else."""
    con = duckdb.connect(str(build / "catalog.duckdb"), read_only=True)
    con.execute(f"SET allowed_directories = [{_quote(build)} || '/']")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def query(build: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Run one query over a build; returns (column names, rows)."""
    con = connect_read_only(build)
    try:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description] if cursor.description else []
        return columns, cursor.fetchall()
    finally:
        con.close()
