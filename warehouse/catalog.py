"""The DuckDB catalog: views over a build's Parquet, opened read-only for ad-hoc SQL.

A build of a remote home (s3://..., see `warehouse.storage`) is a folder of the working copy whose
catalog's views read `<url>/warehouse/builds/<id>/...`: the connection gets the fsspec filesystem
registered (DuckDB's httpfs is not in the wheel), and the catalog and derived marts are uploaded as
they are written. The read-only sandbox holds there too: `allowed_directories` is the build's URL
prefix and external access is off, so SQL can read the build's objects and nothing else, local or
remote (DuckDB checks the path; `..` is refused). What it cannot restrict is what the registered
filesystem may do on the store: it acts with the process's credentials, so those should be
read-only where users run SQL.
"""

import os
import re
import tempfile
from pathlib import Path

import duckdb
import polars as pl

from warehouse import storage

VIEWS = ["instructions", "tasks", "sources", "build_stats", "quarantine"]

INSTRUCTION_COLUMNS = (
    "uid, task, category, source, split, instruction, input, output, history, license, "
    "source_sha256, doc_id, pipeline_version"
)


def _quote(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _location(build: Path, remote: str | None, *parts: str) -> str:
    """A file of a build as its catalog names it: a local path, or a URL for a remote home's build."""
    return storage.join(remote, *parts) if remote else str(Path(build, *parts))


def _register(con: duckdb.DuckDBPyConnection, remote: str) -> None:
    fs, _ = storage.filesystem(remote)
    con.register_filesystem(fs)


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
    remote = storage.remote_build(build)
    con = duckdb.connect(tmp_name)
    try:
        if remote:
            _register(con, remote)
            files = storage.list_files(storage.join(remote, "instructions"), ".parquet")
            derived = [Path(u.rsplit("/", 1)[-1]) for u in storage.list_files(storage.join(remote, "derived"), ".parquet")]
        else:
            files = sorted((build / "instructions").rglob("*.parquet"))
            derived = [p.relative_to(build / "derived") for p in sorted((build / "derived").glob("*.parquet"))]
        if files:
            source = (
                f"read_parquet({_quote(_location(build, remote, 'instructions'))} || '/*/*/*/*.parquet', "
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
            con.execute(f"CREATE VIEW {view} AS SELECT * FROM "
                        f"read_parquet({_quote(_location(build, remote, view + '.parquet'))})")
        for mart in derived:
            con.execute(f"CREATE VIEW {mart.stem} AS SELECT * FROM "
                        f"read_parquet({_quote(_location(build, remote, 'derived', mart.name))})")
        con.execute(f"COMMENT ON VIEW instructions IS 'One row per MedINST sample, build {build.name}'")
    finally:
        con.close()
    if remote:  # one PUT: a reader fetches the old catalog or the new one
        storage.upload_file(Path(tmp_name), storage.join(remote, "catalog.duckdb"))
    os.replace(tmp_name, path)
    return path


def write_derived(build: Path, view: str, frame: pl.DataFrame) -> Path:
    """Add (or replace) a mart derived from a build; the build's own rows are never touched."""
    folder = build / "derived"
    folder.mkdir(exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{view}-", suffix=".parquet")
    os.close(fd)
    frame.write_parquet(tmp_name, compression="zstd")
    remote = storage.remote_build(build)
    if remote:
        storage.upload_file(Path(tmp_name), storage.join(remote, "derived", f"{view}.parquet"))
    os.replace(tmp_name, folder / f"{view}.parquet")
    return folder / f"{view}.parquet"


def read_instructions(build: Path) -> pl.DataFrame:
    """A build's instruction rows as one Polars frame (partition columns included)."""
    remote = storage.remote_build(build)
    if remote:
        return read_remote_partitions(storage.join(remote, "instructions"))
    return pl.read_parquet(
        build / "instructions" / "**" / "*.parquet", hive_partitioning=True,
        hive_schema={"category": pl.Utf8, "task": pl.Utf8, "split": pl.Utf8},
    )


def read_remote_partitions(url: str) -> pl.DataFrame:
    """The Parquet files under a remote folder of `category=/task=/split=` partitions, as read_instructions reads
    a local one: files in path order, partition values as the last columns."""
    files = storage.list_files(url, ".parquet")
    frames = []
    for file, blob in zip(files, storage.read_bytes(files)):
        values = dict(part.split("=", 1) for part in file[len(url):].split("/") if "=" in part)
        frames.append(pl.read_parquet(blob).with_columns(
            **{key: pl.lit(values.get(key), dtype=pl.Utf8) for key in ("category", "task", "split")}))
    if not frames:
        raise FileNotFoundError(f"no Parquet under {url}")
    return pl.concat(frames, how="vertical_relaxed")


def connect_read_only(build: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection that can read this build's files and nothing else."""
    con = duckdb.connect(str(build / "catalog.duckdb"), read_only=True)
    remote = storage.remote_build(build)
    if remote:
        _register(con, remote)
    con.execute(f"SET allowed_directories = [{_quote(remote or build)} || '/']")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


# What ad-hoc SQL may run. The sandbox alone is not enough: `allowed_directories` grants writes as
# well as reads, so `COPY ... TO`, `EXPORT DATABASE` or `EXPLAIN ANALYZE COPY` could write (or
# overwrite Parquet) inside the build folder. SHOW, DESCRIBE, SUMMARIZE, VALUES and FROM-first are SELECTs.
READ_ONLY_STATEMENTS = {"SELECT", "PRAGMA", "CALL"}
_EXPLAIN = re.compile(r"^\s*explain\s+(analy[sz]e\s+)?", re.IGNORECASE)


class ReadOnlySQLError(duckdb.PermissionException):
    """A statement that is not a query: refused before it runs."""


def check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refuse SQL with any statement other than a query (EXPLAIN [ANALYZE] of a SELECT included)."""
    for statement in con.extract_statements(sql):
        kind = statement.type.name
        if kind == "EXPLAIN":
            inner = _EXPLAIN.sub("", statement.query, count=1)
            try:
                explained = con.extract_statements(inner) if inner != statement.query else []
            except duckdb.ParserException:  # EXPLAIN (options) ...: not worth parsing, refused
                explained = []
            if len(explained) == 1 and explained[0].type.name == "SELECT":
                continue
        elif kind in READ_ONLY_STATEMENTS:
            continue
        raise ReadOnlySQLError(f"read-only SQL: {kind} statements are refused (only queries run): "
                               f"{statement.query.strip()[:200]}")


def query(build: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Run one query over a build; returns (column names, rows). Anything but a query is refused."""
    con = connect_read_only(build)
    try:
        check_read_only(con, sql)
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description] if cursor.description else []
        return columns, cursor.fetchall()
    finally:
        con.close()
