"""`medinst score`: a predictions file scored per task, printed as a table or JSON."""

import json

import pytest

from flows.score import medinst32_scorers, score_command, score_file
from transforms.scoring import ScoringError

ROWS = [
    {"task": "BIOSSES", "output": "4", "prediction": "4"},  # mse from the MedINST32 spec
    {"task": "MedQA", "output": "The answer is B.", "prediction": "answer is b"},  # em from the spec
    {"task": "BIOSSES", "output": "2", "prediction": "3.5"},  # unreadable: costs 25
    {"task": "My-NER", "output": "[x <T>] [y <T>]", "prediction": "[x <T>]", "scorer": "entity"},  # from the row
    {"task": "Free", "output": "hello world", "prediction": "hello"},  # unknown task: rouge and f1 only
]

TABLE = """\
task     metric            value  n
-------  ---------------  ------  -
BIOSSES  rouge               0.5  2
BIOSSES  f1                  0.5  2
BIOSSES  mse                12.5  2
MedQA    rouge            0.8571  1
MedQA    f1                  1.0  1
MedQA    em                  1.0  1
My-NER   rouge            0.6667  1
My-NER   f1               0.6667  1
My-NER   entity_level_f1  0.6667  1
Free     rouge            0.6667  1
Free     f1               0.6667  1
(11 rows)"""

# MedQA's Rouge-L: "the answer is b" against "answer is b", LCS 3, P 1, R 3/4 -> 6/7 (articles are not removed)
JSON = """\
{
 "BIOSSES": {
  "rouge": 0.5,
  "f1": 0.5,
  "mse": 12.5,
  "n": 2
 },
 "MedQA": {
  "rouge": 0.8571428571428571,
  "f1": 1.0,
  "em": 1.0,
  "n": 1
 },
 "My-NER": {
  "rouge": 0.6666666666666666,
  "f1": 0.6666666666666666,
  "entity_level_f1": 0.6666666666666666,
  "n": 1
 },
 "Free": {
  "rouge": 0.6666666666666666,
  "f1": 0.6666666666666666,
  "n": 1
 }
}"""


def write(tmp_path, rows, name="predictions.jsonl", blank_line=False) -> str:
    lines = [json.dumps(r) if not isinstance(r, str) else r for r in rows]
    if blank_line:
        lines.insert(2, "")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_table(tmp_path):
    assert score_command(write(tmp_path, ROWS, blank_line=True), "table") == TABLE


def test_json(tmp_path):
    assert score_command(write(tmp_path, ROWS), "json") == JSON


def test_unknown_format(tmp_path):
    with pytest.raises(ScoringError, match="unknown format 'csv'"):
        score_command(write(tmp_path, ROWS), "csv")


def test_every_medinst32_task_has_a_scorer():
    scorers = medinst32_scorers()
    assert len(scorers) == 32
    assert scorers["Hallmarks-of-Cancer"] == "multicls" and scorers["NCBI-disease"] == "bio"


def test_scorers_argument_replaces_the_spec(tmp_path):
    path = write(tmp_path, [{"task": "MedQA", "output": "B", "prediction": "b"}])
    assert score_file(path, scorers={}) == {"MedQA": {"rouge": 1.0, "f1": 1.0, "n": 1}}
    assert score_file(path, scorers={"MedQA": "cls"})["MedQA"]["label_level_f1"] == 1.0


def test_a_row_scorer_wins_over_the_spec(tmp_path):
    path = write(tmp_path, [{"task": "MedQA", "output": "B", "prediction": "b", "scorer": "rouge"}])
    assert set(score_file(path)["MedQA"]) == {"rouge", "f1", "n"}


def test_a_null_prediction_scores_as_empty(tmp_path):
    path = write(tmp_path, [{"task": "BIOSSES", "output": "3", "prediction": None}])
    assert score_file(path)["BIOSSES"]["mse"] == 25.0


@pytest.mark.parametrize("rows, message", [
    ([], "no rows to score"),
    (["{not json"], "line 1: not JSON"),
    (["[1, 2]"], "line 1: expected an object"),
    ([{"task": "X", "prediction": "a"}], "line 1: `output` must be a string"),
    ([{"task": "", "output": "a", "prediction": "a"}], "line 1: `task` is empty"),
    ([{"task": "X", "output": "a"}], "line 1: no `prediction`"),
    ([{"task": "X", "output": "a", "prediction": 3}], "`prediction` must be a string or null"),
    ([{"task": "X", "output": "a", "prediction": "a", "scorer": "bleu"}], "unknown scorer 'bleu'"),
    ([{"task": "X", "output": "a", "prediction": "a", "scorer": "em"},
      {"task": "X", "output": "a", "prediction": "a", "scorer": "cls"}], "task 'X' name different scorers: cls, em"),
    ([{"task": "NCBI-disease", "output": "no tags", "prediction": "x [B]"}],
     r"task 'NCBI-disease' \(bio\): bio scorer: none of the 1 gold outputs holds"),
])
def test_bad_files_are_reported(tmp_path, rows, message):
    with pytest.raises(ScoringError, match=message):
        score_file(write(tmp_path, rows))


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(ScoringError, match="cannot read"):
        score_file(tmp_path / "absent.jsonl")
