import json

import polars as pl
import pytest

from schemas.errors import SourceError
from transforms.parsers._common import family_frame
from transforms.splits import apply_split_ids, read_split_ids, seeded_split

SIZES = {"train": 6, "dev": 2, "test": 2}


def text_frame(document_ids, splits=None):
    splits = splits or [None] * len(document_ids)
    return family_frame(
        [
            {"id": f"r{i}", "document_id": d, "split": s, "source_file": "f", "source_line": i + 1, "text": "t", "labels": []}
            for i, (d, s) in enumerate(zip(document_ids, splits))
        ],
        "text",
    )


TEN = text_frame([f"d{i}" for i in range(10)])


def assignment(df):
    return dict(zip(df["id"], df["split"]))


def test_seeded_split_by_record_gives_exact_sizes():
    out = seeded_split(TEN, seed=2024, unit="record", sizes=SIZES)
    assert out["split"].value_counts().sort("split").rows() == [("dev", 2), ("test", 2), ("train", 6)]


def test_seeded_split_keeps_rows_order_and_columns():
    out = seeded_split(TEN, seed=2024, unit="record", sizes=SIZES)
    assert out.columns == TEN.columns
    assert out["id"].to_list() == TEN["id"].to_list()


def test_seeded_split_is_reproducible_with_the_same_seed():
    first = seeded_split(TEN, seed=2024, unit="record", sizes=SIZES)
    second = seeded_split(TEN, seed=2024, unit="record", sizes=SIZES)
    assert assignment(first) == assignment(second)


def test_seeded_split_differs_with_another_seed():
    first = seeded_split(TEN, seed=2024, unit="record", sizes=SIZES)
    other = seeded_split(TEN, seed=7, unit="record", sizes=SIZES)
    assert assignment(first) != assignment(other)


def test_seeded_split_keeps_existing_splits():
    df = text_frame([f"d{i}" for i in range(5)], ["test", None, "dev", None, None])
    out = seeded_split(df, seed=2024, unit="record", sizes={"train": 3, "dev": 0})
    assert out["split"].to_list() == ["test", "train", "dev", "train", "train"]


def test_seeded_split_by_document_keeps_sentences_together():
    ids = [f"{pmid}_{i}" for pmid in range(100, 110) for i in range(3)]
    out = seeded_split(text_frame(ids), seed=2024, unit="document", sizes={"train": 18, "dev": 6, "test": 6},
                       group_pattern=r"^(\d+)_")
    pmid = pl.col("document_id").str.extract(r"^(\d+)_", 1)
    per_document = out.group_by(pmid).agg(pl.col("split").n_unique())
    assert per_document["split"].to_list() == [1] * 10
    assert out["split"].value_counts().sort("split").rows() == [("dev", 6), ("test", 6), ("train", 18)]


def test_seeded_split_gives_every_record_a_split_even_if_the_pattern_does_not_match():
    out = seeded_split(text_frame(["1_0", "1_1", "abc"]), seed=1, unit="document", sizes={"train": 1, "test": 1},
                       group_pattern=r"^(\d+)_")
    assert out["split"].null_count() == 0


def test_apply_split_ids_sets_the_split_of_listed_documents():
    df = text_frame(["d1", "d2", "d3"], [None, None, "train"])
    out = apply_split_ids(df, {"dev": ["d1"], "test": ["d2", "unknown"]})
    assert out["split"].to_list() == ["dev", "test", "train"]


def test_apply_split_ids_overrides_a_split_the_records_had():
    out = apply_split_ids(text_frame(["d1", "d2"], ["train", "train"]), {"test": ["d2"]})
    assert out["split"].to_list() == ["train", "test"]


def test_read_split_ids_from_a_json_object_takes_its_keys(tmp_path):
    path = tmp_path / "test_ground_truth.json"
    path.write_text(json.dumps({"123": "yes", "456": "no"}))
    assert read_split_ids(path, "test_ground_truth.json", "src") == ["123", "456"]


def test_read_split_ids_from_a_json_list(tmp_path):
    path = tmp_path / "dev.json"
    path.write_text(' [123, "456"]')
    assert read_split_ids(path, "dev.json", "src") == ["123", "456"]


def test_read_split_ids_from_lines(tmp_path):
    path = tmp_path / "train.txt"
    path.write_text("123\n\n 456 \n789")
    assert read_split_ids(path, "train.txt", "src") == ["123", "456", "789"]


def test_read_split_ids_invalid_json_names_its_line(tmp_path):
    path = tmp_path / "dev.json"
    path.write_text('{\n"1": 1,\n"2" 2\n}')
    with pytest.raises(SourceError) as err:
        read_split_ids(path, "dev.json", "src")
    assert (err.value.source, err.value.file, err.value.line) == ("src", "dev.json", 3)
