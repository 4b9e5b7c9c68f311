"""The six BigBio-like family tables every parser emits, with BigBio's integrity checks.

Each table also carries provenance: the source's own split name (``split``, null until a seeded
split assigns one), and the file and line a record starts at.
"""

import pandera.polars as pa
import polars as pl

SPANS = pl.List(pl.List(pl.Int32))  # [[start, end], ...]: one pair per fragment
NORMALIZED = pl.List(pl.Struct({"db_name": pl.Utf8, "db_id": pl.Utf8}))

PASSAGE = pl.Struct({"id": pl.Utf8, "type": pl.Utf8, "text": pl.List(pl.Utf8), "offsets": SPANS})
ENTITY = pl.Struct(
    {"id": pl.Utf8, "type": pl.Utf8, "text": pl.List(pl.Utf8), "offsets": SPANS, "normalized": NORMALIZED}
)
EVENT = pl.Struct(
    {
        "id": pl.Utf8,
        "type": pl.Utf8,
        "trigger": pl.Struct({"text": pl.List(pl.Utf8), "offsets": SPANS}),
        "arguments": pl.List(pl.Struct({"role": pl.Utf8, "ref_id": pl.Utf8})),
    }
)
COREFERENCE = pl.Struct({"id": pl.Utf8, "entity_ids": pl.List(pl.Utf8)})
RELATION = pl.Struct(
    {"id": pl.Utf8, "type": pl.Utf8, "arg1_id": pl.Utf8, "arg2_id": pl.Utf8, "normalized": NORMALIZED}
)

PROVENANCE = {"split": pl.Utf8, "source_file": pl.Utf8, "source_line": pl.Int64}

POLARS_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "kb": {
        "id": pl.Utf8,
        "document_id": pl.Utf8,
        **PROVENANCE,
        "passages": pl.List(PASSAGE),
        "entities": pl.List(ENTITY),
        "events": pl.List(EVENT),
        "coreferences": pl.List(COREFERENCE),
        "relations": pl.List(RELATION),
    },
    "qa": {
        "id": pl.Utf8,
        "document_id": pl.Utf8,
        **PROVENANCE,
        "question_id": pl.Utf8,
        "question": pl.Utf8,
        "type": pl.Utf8,
        "choices": pl.List(pl.Utf8),
        "context": pl.Utf8,
        "answer": pl.List(pl.Utf8),
    },
    "te": {
        "id": pl.Utf8,
        "document_id": pl.Utf8,
        **PROVENANCE,
        "premise": pl.Utf8,
        "hypothesis": pl.Utf8,
        "label": pl.Utf8,
    },
    "pairs": {
        "id": pl.Utf8,
        "document_id": pl.Utf8,
        **PROVENANCE,
        "text_1": pl.Utf8,
        "text_2": pl.Utf8,
        "label": pl.Utf8,
    },
    "text": {
        "id": pl.Utf8,
        "document_id": pl.Utf8,
        **PROVENANCE,
        "text": pl.Utf8,
        "labels": pl.List(pl.Utf8),
    },
    "t2t": {
        "id": pl.Utf8,
        "document_id": pl.Utf8,
        **PROVENANCE,
        "text_1": pl.Utf8,
        "text_2": pl.Utf8,
        "text_1_name": pl.Utf8,
        "text_2_name": pl.Utf8,
    },
}


def empty_kb_lists() -> dict:
    """The empty annotation layers of a kb record, for parsers that fill only some of them."""
    return {"entities": [], "events": [], "coreferences": [], "relations": []}


def document_text() -> pl.Expr:
    """A kb record's text: its passages joined by single spaces (BigBio's offset convention)."""
    return pl.col("passages").list.eval(pl.element().struct.field("text").list.join(" ")).list.join(" ")


def _spans_reproduce_text(lf: pl.LazyFrame, layer: str, span: str | None) -> pl.LazyFrame:
    """Per record: does every span's text equal the document text at its offsets?"""
    indexed = lf.with_row_index("_row").with_columns(_doc=document_text())
    items = indexed.select("_row", "_doc", pl.col(layer)).explode(layer).drop_nulls(layer)
    items = items.select("_row", "_doc", pl.col(layer).struct.field(span) if span else pl.col(layer))
    fragments = (
        items.unnest(span or layer)
        .select("_row", "_doc", pl.col("text"), pl.col("offsets"))
        .explode("text", "offsets")
        .drop_nulls("offsets")
        .with_columns(start=pl.col("offsets").list.get(0), end=pl.col("offsets").list.get(1))
        .with_columns(
            ok=(pl.col("start") >= 0)
            & (pl.col("end") >= pl.col("start"))
            # clipped: `&` does not short-circuit, and a negative length or start would make slice() raise
            & (pl.col("_doc").str.slice(pl.max_horizontal("start", 0), pl.max_horizontal(pl.col("end") - pl.col("start"), 0))
               == pl.col("text"))
        )
        .group_by("_row")
        .agg(pl.col("ok").all())
    )
    return (
        indexed.select("_row")
        .join(fragments, on="_row", how="left")
        .sort("_row")
        .select(pl.col("ok").fill_null(True))
    )


def _references_exist(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Per record: do relation arguments, coreference members and event arguments name known ids?"""
    ids = pl.concat_list(
        pl.col("entities").list.eval(pl.element().struct.field("id")),
        pl.col("events").list.eval(pl.element().struct.field("id")),
    )
    refs = pl.concat_list(
        pl.col("relations").list.eval(pl.element().struct.field("arg1_id")),
        pl.col("relations").list.eval(pl.element().struct.field("arg2_id")),
        pl.col("coreferences").list.eval(pl.element().struct.field("entity_ids").explode()),
        pl.col("events").list.eval(
            pl.element().struct.field("arguments").explode().struct.field("ref_id")
        ),
    ).list.drop_nulls()
    return lf.select(refs.list.set_difference(ids).list.len() == 0)


class _Family(pa.DataFrameModel):
    id: str = pa.Field(unique=True)
    document_id: str
    split: str = pa.Field(nullable=True)
    source_file: str
    source_line: pl.Int64 = pa.Field(nullable=True)

    class Config:
        strict = True


class KbTable(_Family):
    passages: pl.List(PASSAGE)
    entities: pl.List(ENTITY)
    events: pl.List(EVENT)
    coreferences: pl.List(COREFERENCE)
    relations: pl.List(RELATION)

    @pa.dataframe_check(name="passage offsets reproduce the text")
    def passage_offsets(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _spans_reproduce_text(data.lazyframe, "passages", None)

    @pa.dataframe_check(name="entity offsets reproduce the text")
    def entity_offsets(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _spans_reproduce_text(data.lazyframe, "entities", None)

    @pa.dataframe_check(name="trigger offsets reproduce the text")
    def trigger_offsets(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _spans_reproduce_text(data.lazyframe, "events", "trigger")

    @pa.dataframe_check(name="referenced ids exist")
    def references(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _references_exist(data.lazyframe)


class QaTable(_Family):
    question_id: str
    question: str = pa.Field(str_length={"min_value": 1})
    type: str = pa.Field(isin=["yesno", "factoid", "list", "summary", "multiple_choice"])
    choices: pl.List(pl.Utf8)
    context: str
    answer: pl.List(pl.Utf8)

    @pa.dataframe_check(name="has an answer")
    def has_answer(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("answer").list.len() > 0)

    @pa.dataframe_check(name="multiple-choice answer is one of the choices")
    def answer_in_choices(cls, data: pa.PolarsData) -> pl.LazyFrame:
        in_choices = pl.col("answer").list.set_difference(pl.col("choices")).list.len() == 0
        return data.lazyframe.select((pl.col("type") != "multiple_choice") | in_choices)


class TeTable(_Family):
    premise: str = pa.Field(str_length={"min_value": 1})
    hypothesis: str = pa.Field(str_length={"min_value": 1})
    label: str = pa.Field(str_length={"min_value": 1})


class PairsTable(_Family):
    text_1: str = pa.Field(str_length={"min_value": 1})
    text_2: str = pa.Field(str_length={"min_value": 1})
    label: str = pa.Field(str_length={"min_value": 1})


class TextTable(_Family):
    text: str = pa.Field(str_length={"min_value": 1})
    labels: pl.List(pl.Utf8)


class T2tTable(_Family):
    text_1: str = pa.Field(str_length={"min_value": 1})
    text_2: str = pa.Field(str_length={"min_value": 1})
    text_1_name: str
    text_2_name: str


MODELS: dict[str, type[_Family]] = {
    "kb": KbTable,
    "qa": QaTable,
    "te": TeTable,
    "pairs": PairsTable,
    "text": TextTable,
    "t2t": T2tTable,
}
