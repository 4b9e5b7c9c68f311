"""The tables behind the build's UI artifacts, on hand-made frames (no Prefect server)."""

import polars as pl

from flows.artifacts import changes, plain_check, previous_build_id, quarantine_summary, rows_per_task

COLUMNS = ["task", "category", "before", "after", "delta", "change", "splits"]


def tasks(*rows: tuple) -> pl.DataFrame:
    """A `tasks` view as publish writes it, reduced to what the artifacts read (plus a column they ignore)."""
    return pl.DataFrame(rows, schema={"task": pl.Utf8, "category": pl.Utf8, "train": pl.Int64, "dev": pl.Int64,
                                      "test": pl.Int64, "status": pl.Utf8}, orient="row")


BEFORE = tasks(
    ("NCBI-disease", "NER", 5424, 923, 940, "built"),
    ("MQP", "STS", 3048, 0, 0, "built"),
    ("BIOSSES", "STS", 64, 16, 20, "built"),
    ("HealthVer", "TE", 0, 1917, 1823, "built"),
    ("MedQA", "QA", 0, 0, 1273, "built"),
    ("BioRED", "RE", 0, 0, 0, "not buildable"),
)
AFTER = tasks(
    ("NCBI-disease", "NER", 5432, 923, 942, "built"),     # grew in train and test
    ("MQP", "STS", 3048, 0, 0, "built"),                   # unchanged
    ("BIOSSES", "STS", 60, 20, 20, "built"),               # 4 rows moved from train to dev: same total
    ("HealthVer", "TE", 0, 0, 0, "skipped"),               # gone
    ("MedQA", "QA", 0, 0, 1273, "built"),                  # unchanged
    ("BioRED", "RE", 500, 0, 0, "built"),                  # new
)


def test_changes_since_the_last_build_has_one_row_per_task_that_changed():
    got = changes(BEFORE, AFTER)
    assert got.columns == COLUMNS
    assert got.rows() == [
        ("HealthVer", "TE", 3740, 0, -3740, "removed", "dev 1917 -> 0, test 1823 -> 0"),
        ("BioRED", "RE", 0, 500, 500, "added", "train 0 -> 500"),
        ("NCBI-disease", "NER", 7287, 7297, 10, "changed", "train 5424 -> 5432, test 940 -> 942"),
        ("BIOSSES", "STS", 100, 100, 0, "changed", "train 64 -> 60, dev 16 -> 20"),
    ]


def test_no_change_gives_an_empty_table_with_its_columns():
    got = changes(BEFORE, BEFORE)
    assert got.is_empty() and got.columns == COLUMNS


def test_a_first_build_reports_every_task_with_rows_as_added():
    got = changes(None, BEFORE)
    assert set(got["change"]) == {"added"} and (got["before"] == 0).all()
    assert dict(zip(got["task"], got["after"])) == {"NCBI-disease": 7287, "HealthVer": 3740, "MQP": 3048,
                                                    "MedQA": 1273, "BIOSSES": 100}
    assert got.filter(pl.col("task") == "HealthVer")["splits"].item() == "dev 0 -> 1917, test 0 -> 1823"


def test_rows_per_category_task_and_split_leave_out_empty_splits():
    got = rows_per_task(AFTER)
    assert got.columns == ["category", "task", "split", "rows"]
    assert got.filter(pl.col("task") == "NCBI-disease").rows() == [
        ("NER", "NCBI-disease", "train", 5432), ("NER", "NCBI-disease", "dev", 923), ("NER", "NCBI-disease", "test", 942)]
    assert "HealthVer" not in set(got["task"])
    assert got["rows"].sum() == 5432 + 923 + 942 + 3048 + 100 + 1273 + 500


def test_quarantine_summary_counts_rows_per_source_and_check():
    quarantine = pl.DataFrame({
        "source": ["ddi_corpus", "bioasq", "ddi_corpus", "ddi_corpus"],
        "task": [None, "BioASQ-Task-B-factoid", None, "DDI-RE"],
        "stage": ["family", "render", "family", "family"],
        "reason": ["offsets reproduce the text", "output is not blank", "offsets reproduce the text", "ids exist"],
        "file": ["a.xml", "b.json", "c.xml", "c.xml"], "line": [1, 2, 3, 4], "record_id": ["1", "2", "3", "4"],
    })
    assert quarantine_summary(quarantine).rows() == [
        ("bioasq", "output is not blank", "render", 1),
        ("ddi_corpus", "offsets reproduce the text", "family", 2),
        ("ddi_corpus", "ids exist", "family", 1),
    ]
    assert quarantine_summary(quarantine.clear()).columns == ["source", "check", "stage", "rows"]


def test_pandera_check_names_are_said_in_words():
    assert plain_check("str_length(1, None)") == "text shorter than 1 character(s) (blank)"
    assert plain_check("not_nullable; entity offsets reproduce the text") == (
        "a required value is missing (null); entity offsets reproduce the text")
    assert plain_check("isin(['yesno', 'factoid'])") == "a value outside the allowed ones ['yesno', 'factoid']"


def test_the_previous_build_is_the_latest_published_one_before_this_one(tmp_path):
    builds = tmp_path / "warehouse" / "builds"
    assert previous_build_id(tmp_path, "20260102T000000000000Z-bbb") is None
    for name in ["20260101T000000000000Z-aaa", "20260102T000000000000Z-bbb", ".20260103T000000000000Z-ccc.tmp",
                 "20260104T000000000000Z-ddd"]:
        (builds / name).mkdir(parents=True)
    assert previous_build_id(tmp_path, "20260102T000000000000Z-bbb") == "20260101T000000000000Z-aaa"
    assert previous_build_id(tmp_path, "20260105T000000000000Z-eee") == "20260104T000000000000Z-ddd"
    assert previous_build_id(tmp_path, "20260101T000000000000Z-aaa") is None
