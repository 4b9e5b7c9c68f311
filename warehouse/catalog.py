"""The DuckDB catalog: views over a build's Parquet, opened read-only for ad-hoc SQL."""

from pathlib import Path

import duckdb

VIEWS = ["instructions", "tasks", "sources", "build_stats", "quarantine"]

INSTRUCTION_COLUMNS = (
    "uid, task, category, source, split, instruction, input, output, history, license, "
    "source_sha256, doc_id, pipeline_version"
)


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def write_catalog(build: Path) -> Path:
    """Create `catalog.duckdb` in a build folder: views only, with absolute paths into the build."""
    path = build / "catalog.duckdb"
    con = duckdb.connect(str(path))
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
        con.execute(f"COMMENT ON VIEW instructions IS 'One row per MedINST sample, build {build.name}'")
    finally:
        con.close()
    return path


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
