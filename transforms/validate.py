"""Lazy Pandera validation that sorts rows into valid and quarantined, with the reason and where from."""

import pandera.polars as pa
import polars as pl

QUARANTINE_SCHEMA = {
    "source": pl.Utf8,
    "task": pl.Utf8,
    "stage": pl.Utf8,
    "reason": pl.Utf8,
    "file": pl.Utf8,
    "line": pl.Int64,
    "record_id": pl.Utf8,
}


def empty_quarantine() -> pl.DataFrame:
    return pl.DataFrame(schema=QUARANTINE_SCHEMA)


def partition(
    frame: pl.DataFrame, model: type[pa.DataFrameModel], *, source: str, task: str | None, stage: str,
    file_col: str = "source_file", line_col: str = "source_line", id_col: str = "id", task_col: str | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(valid rows, quarantine rows). Schema-level failures (a wrong column or type) are bugs and raise.
    `task_col`: the column naming each row's task, for rows of several tasks (else every row's is `task`)."""
    try:
        model.validate(frame.select(list(model.to_schema().columns)), lazy=True)
        return frame, empty_quarantine()
    except pa.errors.SchemaErrors as err:
        if err.failure_cases["index"].null_count():
            raise  # a column missing or of the wrong type: the code, not the data, is wrong
        cases = err.failure_cases
    reasons = (
        cases.group_by("index")
        .agg(reason=pl.col("check").cast(pl.Utf8).unique().sort().str.join("; "))
        .rename({"index": "_row"})
        .with_columns(pl.col("_row").cast(pl.UInt32))
    )
    indexed = frame.with_row_index("_row")
    bad = indexed.join(reasons, on="_row", how="inner")
    quarantine = bad.select(
        source=pl.lit(source),
        task=pl.col(task_col).cast(pl.Utf8) if task_col else pl.lit(task, dtype=pl.Utf8),
        stage=pl.lit(stage),
        reason=pl.col("reason"),
        file=pl.col(file_col) if file_col in frame.columns else pl.lit(None, pl.Utf8),
        line=pl.col(line_col).cast(pl.Int64) if line_col in frame.columns else pl.lit(None, pl.Int64),
        record_id=pl.col(id_col).cast(pl.Utf8),
    )
    valid = indexed.join(reasons, on="_row", how="anti").drop("_row")
    return valid, quarantine
