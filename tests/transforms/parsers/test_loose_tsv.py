import zipfile

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import InputFile, loose_tsv
from transforms.validate import partition

HEADER = "claim_id\tclaim\tdate_published\texplanation\tfact_checkers\tmain_text\tsources\tlabel\tsubjects\n"
TRAIN = (HEADER
         + '15661\t"Vaccines cause autism."\tMay 1\tNo study shows it.\tSnopes\tBody\thttp://a\tfalse\tHealth\n'
         + "9893\tCoffee helps.\tMay 2\tPartly.\tSnopes\tFirst part\r\nsecond part\thttp://b\tmixture\tNews\r\n"
         + "200\tGarlic cures flu.\tMay 3\tNo evidence.\tSnopes\tBody\thttp://c\tsnopes\tHealth\n"
         + "\n"
         + "201\t Exercise helps. \tMay 4\tTrials.\tSnopes\tBody\thttp://d\ttrue\tHealth\n")
TEST = "\t" + HEADER + "0\t31\tMasks work.\tMay 5\tStudies.\tSnopes\tBody\thttp://e\ttrue\tHealth\n"
OPTIONS = {"family": "te", "columns": {"hypothesis": -8, "premise": -6, "label": -2}, "id": -9,
           "labels": ["true", "false", "mixture", "unproven"]}

FUZZ_SAMPLE = ("pubhealth", OPTIONS | {"members": {"PUBHEALTH/train.tsv": "train", "PUBHEALTH/test.tsv": "test"}},
               [("PUBHEALTH.zip", None, {"PUBHEALTH/train.tsv": TRAIN.encode(), "PUBHEALTH/test.tsv": TEST.encode()})])


def test_unquoted_rows_counted_from_the_end(input_file):
    df = loose_tsv.parse([input_file("train.tsv", TRAIN)], OPTIONS, "src")
    assert df.rows() == [
        ("train.tsv:15661:2", "train.tsv:15661", "train", "train.tsv", 2, "No study shows it.",
         '"Vaccines cause autism."', "false"),
        ("train.tsv:201:7", "train.tsv:201", "train", "train.tsv", 7, "Trials.", "Exercise helps.", "true"),
    ]
    valid, bad = partition(df, MODELS["te"], source="src", task=None, stage="family")
    assert (valid.height, bad.height) == (2, 0)


def test_archive_members_and_an_extra_leading_column(tmp_path):
    path = tmp_path / "p.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("PUBHEALTH/test.tsv", TEST)
    df = loose_tsv.parse([InputFile(path, "p.zip")], OPTIONS | {"members": {"PUBHEALTH/test.tsv": "test"}}, "src")
    assert df.rows() == [("p.zip/PUBHEALTH/test.tsv:31:2", "p.zip/PUBHEALTH/test.tsv:31", "test",
                          "p.zip/PUBHEALTH/test.tsv", 2, "Studies.", "Masks work.", "true")]


def test_every_label_kept_without_a_label_list_and_no_header(input_file):
    options = {"family": "pairs", "columns": {"text_1": 0, "text_2": 1, "label": 2}, "header": False}
    df = loose_tsv.parse([input_file("p.tsv", "a\tb\t1\nc\td\t0\te\n")], options, "src")
    assert df.select("id", "text_1", "text_2", "label").rows() == [("p.tsv:1:1", "a", "b", "1"),
                                                                   ("p.tsv:2:2", "c", "d", "0")]


def test_errors_name_the_file_and_line(input_file, tmp_path):
    with pytest.raises(SourceError, match="not UTF-8") as err:
        path = tmp_path / "bad.tsv"
        path.write_bytes(HEADER.encode() + b"1\t\xff\n")
        loose_tsv.parse([InputFile(path, "bad.tsv", "train")], OPTIONS, "src")
    assert (err.value.file, err.value.line) == ("bad.tsv", 2)
    with pytest.raises(SourceError, match="columns for premise"):
        loose_tsv.parse([input_file("t.tsv", TRAIN)], {"family": "te", "columns": {"label": 1}}, "src")
    path = tmp_path / "p.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("PUBHEALTH/dev.tsv", HEADER)
    with pytest.raises(SourceError, match="no member 'PUBHEALTH/test.tsv'") as err:
        loose_tsv.parse([InputFile(path, "p.zip")], OPTIONS | {"members": {"PUBHEALTH/test.tsv": "test"}}, "src")
    assert err.value.file == "p.zip"
