"""The instruction row: one MedINST sample with its provenance."""

import pandera.polars as pa
import polars as pl

CATEGORIES = ["NER", "RE", "NED", "QA", "COREF", "EE", "TE", "STS", "TXTCLASS", "TRANSL", "SUM", "TEXTPAIRCLASS"]
SPLITS = ["train", "dev", "test"]
HISTORY = pl.List(pl.Struct({"user": pl.Utf8, "assistant": pl.Utf8}))

POLARS_SCHEMA: dict[str, pl.DataType] = {
    "uid": pl.Utf8,
    "task": pl.Utf8,
    "category": pl.Utf8,
    "source": pl.Utf8,
    "split": pl.Utf8,
    "instruction": pl.Utf8,
    "input": pl.Utf8,
    "output": pl.Utf8,
    "history": HISTORY,
    "license": pl.Utf8,
    "source_sha256": pl.Utf8,
    "doc_id": pl.Utf8,
    "pipeline_version": pl.Utf8,
}


class InstructionRow(pa.DataFrameModel):
    uid: str = pa.Field(unique=True, str_matches=r"^[0-9a-f]{64}$")
    task: str = pa.Field(str_length={"min_value": 1})
    category: str = pa.Field(isin=CATEGORIES)
    source: str = pa.Field(str_matches=r"^[a-z0-9_]+$")
    split: str = pa.Field(isin=SPLITS)
    instruction: str = pa.Field(str_length={"min_value": 1})
    input: str = pa.Field(str_length={"min_value": 1})
    output: str = pa.Field(str_length={"min_value": 1})
    history: HISTORY
    license: str = pa.Field(str_length={"min_value": 1})
    source_sha256: str = pa.Field(str_matches=r"^[0-9a-f]{64}$")
    doc_id: str = pa.Field(str_length={"min_value": 1})
    pipeline_version: str

    @pa.check("input", "output", name="no U+FFFD: a character the source had already lost")
    def no_replacement_character(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(~pl.col(data.key).str.contains("\ufffd", literal=True))

    @pa.check("output", name="output is not blank")
    def output_not_blank(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).str.strip_chars().str.len_chars() > 0)

    class Config:
        strict = True
