"""MedINST32 and the training mixtures from a warehouse built from the mirror, under a Prefect test server."""

from pathlib import Path

import pytest
import yaml

from flows.benchmark import benchmark
from flows.build import build
from flows.cli import main
from warehouse.catalog import query
from warehouse.layout import current_build

pytestmark = pytest.mark.integration

SOURCES = ["ncbi_disease_iob", "bc5cdr_iob", "bc5cdr", "bc2gm_iob", "chemprot", "medal", "biosses", "mqp",
           "pubmedqa", "medqa", "bioasq", "hoc", "mediqa_rqe"]
PRESENT = {"BioASQ-Task-B-yesno", "PubMedQA-labeled", "MedQA", "NCBI-disease", "BC5CDR", "Hallmarks-of-Cancer",
           "MeDAL", "BC5CDR-RE", "BIOSSES"}


def planted_source(tmp_path: Path, corpora: Path) -> Path:
    """A mirror holding the real corpora (linked) and a training source whose two (identical) rows copy
    MedQA's first test question; returns the registry folder declaring that source."""
    mirror = tmp_path / "mirror" / "planted_qa"
    mirror.mkdir(parents=True)
    for source in SOURCES:
        (tmp_path / "mirror" / source).symlink_to(corpora / source)
    first = (corpora / "medqa" / "test.jsonl").read_text().splitlines()[0]
    (mirror / "train.jsonl").write_text(first + "\n" + first.replace('"realidx": 0', '"realidx": 1') + "\n")
    registry = tmp_path / "registry"
    registry.mkdir()
    (registry / "planted_qa.yaml").write_text(yaml.safe_dump({
        "id": "planted_qa", "name": "A copy of a MedQA test question", "homepage": "https://example.org",
        "license": "MIT", "citation": "@misc{planted, title={Planted}}",
        "files": [{"path": "train.jsonl", "url": "https://example.org/train.jsonl", "split": "train"}],
        "parser": {"name": "mcq_jsonl_v1", "options": {"id": "realidx", "answer_key": "answer_idx"}},
        "tasks": [{"name": "Planted-QA", "category": "QA", "in_medinst": False,
                   "instruction": "Answer this exam question with the text of the right option.",
                   "renderer": {"name": "qa_v1"}, "splits": {"train": "train"}}],
    }))
    return registry


@pytest.fixture(scope="module")
def home(prefect_server, corpora, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bench")
    registry = planted_source(tmp, corpora)
    result = build(only=SOURCES + ["planted_qa"], home=str(tmp / "home"), sources_root=str(tmp / "mirror"),
                   registry=[str(registry)])
    assert result["skipped"] == {}  # every source, the planted one included, was fetched and built
    benchmark(home=str(tmp / "home"), mixture_size=5000)
    return tmp / "home"


def sql(home: Path, text: str) -> list[tuple]:
    return query(current_build(home), text)[1]


def test_present_and_missing_tasks(home):
    rows = sql(home, "select task, present from benchmark_tasks")
    assert {t for t, present in rows if present} == PRESENT
    assert len(rows) == 32
    assert {t for (t,) in sql(home, "select distinct task from benchmark")} == PRESENT


def test_subsample_sizes_follow_medinst(home):
    sizes = dict(sql(home, "select task, count(*) from benchmark where setting = 'zero-shot' group by task"))
    assert sizes["NCBI-disease"] == 100 and sizes["BC5CDR"] == 100
    test_medal = sql(home, "select count(*) from instructions where task = 'MeDAL' and split = 'test'")[0][0]
    assert sizes["MeDAL"] == min(1000, test_medal) == 50  # the mirror holds MeDAL's 268-row sample
    assert sizes["BIOSSES"] == 20 and sizes["Hallmarks-of-Cancer"] == 3517 and sizes["MedQA"] == 1273
    few = dict(sql(home, "select task, count(*) from benchmark where setting = 'few-shot' group by task"))
    # No other task of these categories has training rows in this warehouse: no demonstrations to draw.
    no_demos = {"Hallmarks-of-Cancer", "PubMedQA-labeled"}
    assert few == {task: n for task, n in sizes.items() if task not in no_demos}
    assert {t for (t,) in sql(home, "select task from benchmark_tasks where present and not few_shot")} == no_demos


def test_few_shot_demonstrations_come_from_other_tasks_of_the_same_category(home):
    instructions = {i: (t, c) for t, c, i in sql(home, "select task, category, instruction from tasks")}
    rows = sql(home, "select task, category, history from benchmark where setting = 'few-shot'")
    for task, category, history in rows:
        assert len(history) == 2
        for turn in history:
            demo_task, demo_category = instructions[turn["user"].split("\n", 1)[0]]
            assert demo_category == category and demo_task != task


def test_same_seed_gives_identical_output(home):
    before = sql(home, "select setting, uid, history from benchmark order by setting, uid")
    mixtures = sql(home, "select mixture, uid from mixtures order by all")
    benchmark(home=str(home), mixture_size=5000)
    assert sql(home, "select setting, uid, history from benchmark order by setting, uid") == before
    assert sql(home, "select mixture, uid from mixtures order by all") == mixtures


def test_planted_copy_of_a_test_input_is_kept_out_of_the_mixtures(home):
    assert sql(home, "select train_task, test_task, reason, rows_removed from contamination "
                     "where train_task = 'Planted-QA'") == [("Planted-QA", "MedQA", "exact", 1)]
    assert sql(home, "select task, split, duplicates_removed from duplicates where task = 'Planted-QA'") == [
        ("Planted-QA", "train", 1)
    ]
    assert sql(home, "select count(*) from mixtures where task = 'Planted-QA'") == [(0,)]


def test_unseen_mixture_keeps_siblings_under_medinst_rule_and_drops_them_under_strict(home, capsys):
    unseen = {t for (t,) in sql(home, "select distinct task from mixtures where mixture = 'unseen_train_5k'")}
    merged = {t for (t,) in sql(home, "select distinct task from mixtures where mixture = 'merged_train_5k'")}
    assert not unseen & PRESENT and "BC5CDR-NED" in unseen  # sibling of BC5CDR and BC5CDR-RE
    assert {"NCBI-disease", "BC5CDR", "Hallmarks-of-Cancer"} <= merged
    assert sql(home, "select count(*) from mixtures where mixture = 'unseen_train_5k'") == [(5000,)]
    assert main(["benchmark", "--home", str(home), "--size", "5000", "--unseen-rule", "strict"]) == 0
    said = capsys.readouterr().out
    assert "mixture unseen_train_5k: 5,000 rows\n" in said  # full: no remark
    for name, rows in sql(home, "select mixture, count(*) from mixtures group by all"):
        if rows < 5000:  # a mixture that could not be filled says so, rather than its name alone promising 5k
            assert f"mixture {name}: {rows:,} rows (of the 5,000 asked: its tasks hold no more without repeating rows)" in said
    strict = {t for (t,) in sql(home, "select distinct task from mixtures where mixture = 'unseen_train_5k'")}
    assert "BC5CDR-NED" not in strict and "ChemProt" in strict
