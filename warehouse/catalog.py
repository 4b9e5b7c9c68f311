"""The DuckDB catalog: views over a build's Parquet, opened read-only for ad-hoc SQL.

A catalog holds no path: its views read files relative to the variable `medinst_build`, which
`connect_read_only` sets to the build's folder, so a home can be moved or copied. A build of a
remote home (s3://..., see `warehouse.storage`) is a folder of the working copy whose catalog's
views so read `<url>/warehouse/builds/<id>/...`: the connection gets the fsspec filesystem
registered (DuckDB's httpfs is not in the wheel), and the catalog and derived marts are uploaded as
they are written. The read-only sandbox holds there too: `allowed_directories` is the build's URL
prefix and external access is off, so SQL can read the build's objects and nothing else, local or
remote (DuckDB checks the path; `..` is refused). What it cannot restrict is what the registered
filesystem may do on the store: it acts with the process's credentials, so those should be
read-only where users run SQL.
"""

import json
import os
import re
import secrets
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from warehouse import storage

VIEWS = ["instructions", "tasks", "sources", "build_stats", "quarantine"]

RECORD = "derived"  # derived/derived.parquet, the view `derived`: where each mart came from (write_derived)
RECORD_SCHEMA = {"view": pl.Utf8, "derived_from": pl.Utf8, "parameters": pl.Utf8, "written_at": pl.Utf8}

INSTRUCTION_COLUMNS = (
    "uid, task, category, source, split, instruction, input, output, history, license, "
    "source_sha256, doc_id, pipeline_version"
)


def _quote(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


# A catalog names no folder: its views read `getvariable('medinst_build') || '/<file>'`, and whoever
# opens it sets that variable to the build's folder (a local path, or the URL of a remote home's
# build). A home moved or copied elsewhere is so read where it now is, never where it was built.
BUILD_VARIABLE = "medinst_build"


def _location(*parts: str) -> str:
    """A file of a build as its catalog names it: relative to the build folder the variable holds."""
    return f"(getvariable('{BUILD_VARIABLE}') || {_quote('/' + '/'.join(parts))})"


def _set_build(con: duckdb.DuckDBPyConnection, build: Path, remote: str | None) -> str:
    """Point the connection's views at the build folder (or URL); returns it."""
    root = remote or str(Path(build).resolve())
    con.execute(f"SET VARIABLE {BUILD_VARIABLE} = {_quote(root)}")
    return root


def _register(con: duckdb.DuckDBPyConnection, remote: str) -> None:
    fs, _ = storage.filesystem(remote)
    con.register_filesystem(fs)


def write_catalog(build: Path) -> Path:
    """(Re)create `catalog.duckdb` in a build folder: views only, reading the build's files relative
    to the folder that the variable `medinst_build` names (see `_set_build`).

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
        _set_build(con, build, remote)  # the views are bound as they are created
        if remote:
            _register(con, remote)
            files = storage.list_files(storage.join(remote, "instructions"), ".parquet")
            derived = [Path(u.rsplit("/", 1)[-1]) for u in storage.list_files(storage.join(remote, "derived"), ".parquet")]
        else:
            files = sorted((build / "instructions").rglob("*.parquet"))
            derived = [p.relative_to(build / "derived") for p in sorted((build / "derived").glob("*.parquet"))]
        if files:
            source = (
                f"read_parquet({_location('instructions', '*', '*', '*', '*.parquet')}, "
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
                        f"read_parquet({_location(view + '.parquet')})")
        for mart in derived:
            con.execute(f"CREATE VIEW {mart.stem} AS SELECT * FROM "
                        f"read_parquet({_location('derived', mart.name)})")
        con.execute(f"COMMENT ON VIEW instructions IS 'One row per MedINST sample, build {build.name}'")
    finally:
        con.close()
    if remote:  # one PUT: a reader fetches the old catalog or the new one
        storage.upload_file(Path(tmp_name), storage.join(remote, "catalog.duckdb"))
    os.replace(tmp_name, path)
    return path


def _write_mart(build: Path, view: str, frame: pl.DataFrame) -> Path:
    folder = build / "derived"
    folder.mkdir(exist_ok=True)
    # A name of our own rather than mkstemp's 0600 file: the mart gets the mode of every other file.
    tmp = folder / f".{view}-{os.getpid()}-{secrets.token_hex(4)}.parquet"
    frame.write_parquet(tmp, compression="zstd")
    remote = storage.remote_build(build)
    if remote:
        storage.upload_file(tmp, storage.join(remote, "derived", f"{view}.parquet"))
    os.replace(tmp, folder / f"{view}.parquet")
    return folder / f"{view}.parquet"


def write_derived(build: Path, view: str, frame: pl.DataFrame, parameters: dict | None = None,
                  derived_from: str | None = None) -> Path:
    """Add (or replace) a mart derived from a build; the build's own rows are never touched.

    The view `derived` records, per mart, the build whose rows it was derived from (this one, unless
    `derived_from` names the earlier build it was carried from) and the `parameters` that derive it
    again (a JSON object; null for marts that are history, such as runs and scores).
    """
    path = _write_mart(build, view, frame)
    entry = pl.DataFrame([{"view": view, "derived_from": derived_from or build.name,
                           "parameters": None if parameters is None else json.dumps(parameters, sort_keys=True),
                           "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}],
                         schema=RECORD_SCHEMA)
    record = derived_record(build).filter(pl.col("view") != view)
    _write_mart(build, RECORD, pl.concat([record, entry]).sort("view"))
    return path


def read_derived(build: Path, view: str) -> pl.DataFrame | None:
    """A mart of a build (`derived/<view>.parquet`) as a frame, or None when the build has none."""
    remote = storage.remote_build(build)
    if remote:
        url = storage.join(remote, "derived", f"{view}.parquet")
        return pl.read_parquet(storage.read_bytes([url])[0]) if storage.exists(url) else None
    path = build / "derived" / f"{view}.parquet"
    return pl.read_parquet(path) if path.is_file() else None


def derived_views(build: Path) -> list[str]:
    """The marts of a build, the record aside."""
    remote = storage.remote_build(build)
    if remote:
        names = [u.rsplit("/", 1)[-1] for u in storage.list_files(storage.join(remote, "derived"), ".parquet")]
    else:
        names = [p.name for p in (build / "derived").glob("*.parquet")]
    return sorted(n.removesuffix(".parquet") for n in names if not n.startswith(".") and n != f"{RECORD}.parquet")


def derived_record(build: Path) -> pl.DataFrame:
    """The `derived` record of a build (empty when it has none)."""
    record = read_derived(build, RECORD)
    return pl.DataFrame(schema=RECORD_SCHEMA) if record is None else record.cast(RECORD_SCHEMA)


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
    root = _set_build(con, build, remote)
    if remote:
        _register(con, remote)
    con.execute(f"SET allowed_directories = [{_quote(root)} || '/']")
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


class QueryTimeout(duckdb.InterruptException):
    """A query that ran past its timeout: interrupted."""


INTERRUPT_GRACE = 10.0  # seconds an interrupted query gets to stop before the caller gives up on it


def query(build: Path, sql: str, timeout: float | None = None) -> tuple[list[str], list[tuple]]:
    """Run one query over a build; returns (column names, rows). Anything but a query is refused.

    `timeout` (seconds; None or 0: no limit) interrupts the query and raises QueryTimeout. The query runs
    on a worker thread: DuckDB does not look at signals inside a long operator (an endless `with recursive`
    ignores Ctrl-C), so the calling thread waits, and on KeyboardInterrupt interrupts the query, lets it
    stop and re-raises.
    """
    con = connect_read_only(build)
    done, outcome = threading.Event(), {}

    def run() -> None:
        try:
            cursor = con.execute(sql)
            columns = [d[0] for d in cursor.description] if cursor.description else []
            outcome["rows"] = columns, cursor.fetchall()
        except BaseException as e:  # handed to the caller
            outcome["error"] = e
        finally:
            done.set()

    worker = threading.Thread(target=run, name="medinst-sql", daemon=True)
    try:
        check_read_only(con, sql)
        worker.start()
        if not done.wait(timeout or None):
            con.interrupt()
            done.wait(INTERRUPT_GRACE)
            raise QueryTimeout(f"the query ran longer than the timeout of {timeout:g} s and was stopped")
    except KeyboardInterrupt:
        con.interrupt()
        done.wait(INTERRUPT_GRACE)
        raise
    finally:
        if worker.ident is None or done.is_set():  # never started, or over; a query that would not stop keeps
            con.close()  # its connection: closing it under the query could crash the process
    if "error" in outcome:
        raise outcome["error"]
    return outcome["rows"]
