"""The export flow on a small warehouse built from the real mirror, read back by the real `datasets` library."""

import hashlib
import json
import struct
from pathlib import Path

import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort

from flows.build import build
from flows.export import export
from warehouse import export as exports
from warehouse.catalog import query
from warehouse.layout import current_build

pytestmark = pytest.mark.integration

SOURCES = ["biosses", "mqp", "medqa", "ncbi_disease", "pubmedqa"]
HF_SPLIT = {"train": "train", "dev": "validation", "test": "test"}  # `datasets` names dev validation
EXPECTED = {
    "BIOSSES": {"train": 64, "dev": 16, "test": 20},
    "MQP": {"train": 3048},
    "MedQA": {"test": 1273},
    "NCBI-disease-NED": {"train": 592, "dev": 100, "test": 100},
    "PubMedQA-labeled": {"train": 450, "dev": 50, "test": 500},
}
MEDQA_INSTRUCTION = (
    "Given a question from the United States Medical Licensing Examination (USMLE) and its four options, labelled "
    "A to D, choose the one correct option. Answer with the text of that option exactly as it is written."
)


def front_matter(card: str) -> tuple[dict, str]:
    assert card.startswith("---\n")
    head, body = card[4:].split("\n---\n", 1)
    return yaml.safe_load(head), body


@pytest.fixture(scope="module")
def hf(tmp_path_factory):
    """The `datasets` library, offline and with its cache in a temporary folder."""
    cache = tmp_path_factory.mktemp("hf-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HOME", str(cache))
        mp.setenv("HF_DATASETS_OFFLINE", "1")
        mp.setenv("HF_HUB_OFFLINE", "1")
        import datasets

        # In case `datasets` was imported earlier in the session, before the variables were set.
        mp.setattr(datasets.config, "HF_HUB_OFFLINE", True, raising=False)
        mp.setattr(datasets.config, "HF_DATASETS_OFFLINE", True, raising=False)
        datasets.disable_progress_bars()

        def load(*args, **kwargs):
            return datasets.load_dataset(*args, cache_dir=str(cache / "datasets"), **kwargs)

        yield load


@pytest.fixture(scope="module")
def home(prefect_server, corpora, tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("home")
    build(only=SOURCES, home=str(home), sources_root=str(corpora))
    return home


@pytest.fixture(scope="module")
def exported(home, tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    """One export of each format: {format: (out, result)}."""
    root = tmp_path_factory.mktemp("exports")
    done = {}
    for fmt in exports.FORMATS:
        out = root / fmt
        done[fmt] = out, export(format=fmt, out=str(out), home=str(home))
    return done


def test_the_warehouse_holds_the_expected_subsets(home):
    _, rows = query(current_build(home), "select task, split, count(*) from instructions group by all")
    got = {}
    for task, split, n in rows:
        got.setdefault(task, {})[split] = n
    assert got == EXPECTED


def test_every_export_returns_its_counts(exported):
    for fmt, (out, result) in exported.items():
        assert result["counts"] == EXPECTED, fmt
        assert result["rows"] == sum(sum(per.values()) for per in EXPECTED.values()) == 6213
        assert result["categories"] == {"STS": {"train": 3112, "dev": 16, "test": 20},
                                        "QA": {"train": 450, "dev": 50, "test": 1773},
                                        "NED": {"train": 592, "dev": 100, "test": 100}}
        assert result["excluded"] == []
        assert Path(result["out"]) == out
        assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == sorted(result["files"])
        assert not list(out.parent.glob(f".{out.name}.*")), "a temporary folder was left behind"


def test_jsonl_export_is_medinst_layout_loaded_by_datasets(exported, hf):
    out, _ = exported["jsonl"]
    assert sorted(p.name for p in out.iterdir()) == sorted(EXPECTED)
    for task, splits in EXPECTED.items():
        assert sorted(p.name for p in (out / task).iterdir()) == sorted(f"{s}.json" for s in splits)
        ds = hf("json", data_files={split: str(out / task / f"{split}.json") for split in splits})
        assert {split: ds[split].num_rows for split in ds} == splits, task
        for split in splits:
            assert ds[split].column_names == ["instruction", "input", "output", "history"]
            assert all(h == [] for h in ds[split]["history"])
    first = json.loads((out / "MedQA" / "test.json").read_text(encoding="utf-8").splitlines()[0])
    assert list(first) == ["instruction", "input", "output", "history"]
    assert first["instruction"] == MEDQA_INSTRUCTION
    assert first["output"] == "Tell the attending that he cannot fail to disclose this mistake"
    assert first["history"] == []


def test_hf_export_loads_every_subset_by_name(exported, hf, home):
    out, _ = exported["hf"]
    for task, splits in EXPECTED.items():
        ds = hf(str(out), task)
        assert {split: ds[split].num_rows for split in ds} == {HF_SPLIT[s]: n for s, n in splits.items()}, task
        assert ds[next(iter(splits))].column_names == ["instruction", "input", "output", "history", "task",
                                                        "category", "source", "license", "uid"]
    biosses = hf(str(out), "BIOSSES")
    assert (biosses["train"].num_rows, biosses["validation"].num_rows, biosses["test"].num_rows) == (64, 16, 20)
    everything = hf(str(out), "all")  # every subset at once
    assert {split: everything[split].num_rows for split in everything} == {
        HF_SPLIT[s]: sum(per.get(s, 0) for per in EXPECTED.values()) for s in ("train", "dev", "test")}
    row = biosses["test"][0]
    assert (row["task"], row["category"], row["source"], row["license"]) == ("BIOSSES", "STS", "biosses", "GPL-3.0")
    assert row["history"] == []
    # The uids are the warehouse's, row for row.
    _, rows = query(current_build(home), "select uid from instructions where task = 'BIOSSES' and split = 'test'")
    assert sorted(biosses["test"]["uid"]) == sorted(uid for (uid,) in rows)


def test_hf_card_yaml_parses_and_the_body_says_what_and_whence(exported, home):
    out, _ = exported["hf"]
    meta, body = front_matter((out / "README.md").read_text(encoding="utf-8"))
    assert [c["config_name"] for c in meta["configs"]] == [*sorted(EXPECTED), "all"]
    for config in meta["configs"][:-1]:
        files = {f["split"]: f["path"] for f in config["data_files"]}
        assert list(files) == [HF_SPLIT[s] for s in EXPECTED[config["config_name"]]]
        assert all((out / path).is_file() for path in files.values())
    assert files["test"] == "data/PubMedQA-labeled/test-00000-of-00001.parquet"
    assert meta["license"] == ["gpl-3.0", "mit", "other", "unknown"]
    assert meta["license_name"] == "medinst-per-subset"
    assert meta["language"] == ["en"]
    assert meta["task_categories"] == ["text-generation", "question-answering", "sentence-similarity",
                                       "token-classification"]
    assert meta["pretty_name"]

    build_dir = current_build(home)
    assert f"Build `{build_dir.name}`" in body
    _, sources = query(build_dir, "select source, fingerprint, citation from sources")
    assert len(sources) == len(SOURCES)
    for source, fingerprint, citation in sources:
        assert f"| {source} | `{fingerprint}` |" in body
        assert citation.strip() in body
    assert "| BIOSSES | STS | biosses | 64 | 16 | 20 | 100 |" in body
    assert "| STS | 2 | 3,112 | 16 | 20 | 3,148 |" in body
    assert "| BIOSSES | STS | biosses | GPL-3.0 | `sogancioglu2017biosses` |" in body
    assert "| NCBI-disease-NED | NED | ncbi_disease | Public domain (NLM) | `dogan2014ncbi` |" in body
    assert f"![Rows per category]({exports.CHART})" in body
    assert "No licence filter was applied" in body


def test_hf_chart_is_a_png(exported):
    out, _ = exported["hf"]
    data = (out / "rows_per_category.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 400 and height > 100


def test_chat_export_has_one_user_and_one_assistant_turn_per_row(exported, corpora):
    out, _ = exported["chat"]
    assert sorted(p.name for p in out.iterdir()) == ["dev.jsonl", "test.jsonl", "train.jsonl"]
    rows = {split: [json.loads(line) for line in (out / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()]
            for split in ("train", "dev", "test")}
    for split, lines in rows.items():
        assert len(lines) == sum(per.get(split, 0) for per in EXPECTED.values())
        for row in lines:
            assert list(row) == ["messages", "task", "category", "source", "license", "uid"]
            assert [m["role"] for m in row["messages"]] == ["user", "assistant"]
    per_task = {}
    for row in rows["train"]:
        per_task[row["task"]] = per_task.get(row["task"], 0) + 1
    assert per_task == {task: splits["train"] for task, splits in EXPECTED.items() if "train" in splits}

    # Hand-checked: the first question of MedQA's test file (realidx 0), rendered as MedINST prompts it.
    raw = json.loads((corpora / "medqa" / "test.jsonl").read_text().splitlines()[0])
    assert raw["realidx"] == 0 and raw["answer_idx"] == "B"
    user_input = (
        "Question: A junior orthopaedic surgery resident is completing a carpal tunnel repair with the department "
        "chairman as the attending physician. During the case, the resident inadvertently cuts a flexor tendon. The "
        "tendon is repaired without complication. The attending tells the resident that the patient will do fine, "
        "and there is no need to report this minor complication that will not harm the patient, as he does not want "
        "to make the patient worry unnecessarily. He tells the resident to leave this complication out of the "
        "operative report. Which of the following is the correct next action for the resident to take?\n"
        "Options:\n"
        "A. Disclose the error to the patient and put it in the operative report\n"
        "B. Tell the attending that he cannot fail to disclose this mistake\n"
        "C. Report the physician to the ethics committee\n"
        "D. Refuse to dictate the operative report"
    )
    answer = "Tell the attending that he cannot fail to disclose this mistake"
    uid = hashlib.sha256("\x1f".join(["medqa", "0", "MedQA", "test", user_input, answer]).encode()).hexdigest()
    [row] = [r for r in rows["test"] if r["uid"] == uid]
    assert row == {
        "messages": [
            {"role": "user", "content": MEDQA_INSTRUCTION + "\n" + user_input},
            {"role": "assistant", "content": answer},
        ],
        "task": "MedQA", "category": "QA", "source": "medqa", "license": "MIT",
        "uid": uid,
    }


def test_chat_history_pairs_become_earlier_turns():
    messages = exports.chat_messages("Instr.", "In", "Out", [["q1", "a1"], ["q2", "a2"]])
    assert messages == [
        {"role": "user", "content": "q1"}, {"role": "assistant", "content": "a1"},
        {"role": "user", "content": "q2"}, {"role": "assistant", "content": "a2"},
        {"role": "user", "content": "Instr.\nIn"}, {"role": "assistant", "content": "Out"},
    ]
    assert exports.chat_messages("Instr.", "", "Out", None)[0] == {"role": "user", "content": "Instr."}


def test_excluding_gpl_drops_biosses_and_keeps_the_rest(home, tmp_path, hf):
    out = tmp_path / "no-gpl"
    result = export(format="hf", out=str(out), exclude_license=["GPL"], home=str(home))
    kept = {task: splits for task, splits in EXPECTED.items() if task != "BIOSSES"}
    assert result["counts"] == kept
    assert result["excluded"] == [{"task": "BIOSSES", "category": "STS", "source": "biosses", "license": "GPL-3.0",
                                   "rows": 100, "matched": "GPL"}]
    assert not (out / "data" / "BIOSSES").exists()
    assert sorted(p.name for p in (out / "data").iterdir()) == sorted(kept)
    meta, body = front_matter((out / "README.md").read_text(encoding="utf-8"))
    assert [c["config_name"] for c in meta["configs"]] == [*sorted(kept), "all"]
    assert "gpl-3.0" not in meta["license"]
    assert "| BIOSSES | biosses | GPL-3.0 | `GPL` | 100 |" in body
    assert "| STS | 1 | 3,048 | 0 | 0 | 3,048 |" in body
    assert hf(str(out), "MQP")["train"].num_rows == 3048

    # The flow's summary artifact says the same.
    with get_client(sync_client=True) as client:
        [artifact] = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["medinst-export-summary"])),
            sort=ArtifactSort.CREATED_DESC, limit=1)
    assert f"`{result['build_id']}` written to `{out}`: 4 subset(s), 6,113 rows" in artifact.data
    assert "| MQP | 3,048 | 0 | 0 | 3,048 |" in artifact.data
    assert "| BIOSSES | biosses | GPL-3.0 | `GPL` | 100 |" in artifact.data

    # Case-insensitive, and a pattern that matches nothing excludes nothing.
    chat = export(format="chat", out=str(tmp_path / "chat"), exclude_license=["gpl", "non-commercial"], home=str(home))
    assert sorted(chat["counts"]) == sorted(kept)
    everything = export(format="jsonl", out=str(tmp_path / "all"), exclude_license=["CC BY-NC"], home=str(home))
    assert everything["counts"] == EXPECTED and everything["excluded"] == []


def test_a_second_export_to_a_non_empty_folder_is_refused(home, tmp_path):
    out = tmp_path / "out"
    out.mkdir()  # an empty folder is fine
    export(format="jsonl", out=str(out), home=str(home))
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    with pytest.raises(exports.ExportError, match=r"exists and is not empty: pass --overwrite"):
        export(format="chat", out=str(out), home=str(home))
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]

    # With overwrite the folder is replaced as a whole: nothing of the old export remains.
    export(format="chat", out=str(out), home=str(home), overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["dev.jsonl", "test.jsonl", "train.jsonl"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_failed_export_leaves_no_trace(home, tmp_path, monkeypatch):
    def broken_chart(info, path):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "write_chart", broken_chart)
    with pytest.raises(RuntimeError, match="disk full"):
        exports.export(home, "hf", tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_bad_requests_are_refused(home, tmp_path):
    with pytest.raises(exports.ExportError, match=r"unknown format 'csv'"):
        exports.export(home, "csv", tmp_path / "out")
    with pytest.raises(exports.ExportError, match=r"may not replace or sit inside the warehouse build"):
        exports.export(home, "jsonl", home, overwrite=True)
    with pytest.raises(exports.ExportError, match=r"no subset to export \(every one matched"):
        exports.export(home, "jsonl", tmp_path / "out", exclude_license=["GPL", "MIT", "Unknown", "Public domain"])
    with pytest.raises(exports.ExportError, match=r"empty pattern"):
        exports.export(home, "jsonl", tmp_path / "out", exclude_license=[" "])
    with pytest.raises(exports.ExportError, match=r"no published warehouse under"):
        exports.export(tmp_path / "empty-home", "jsonl", tmp_path / "out")
    assert list(tmp_path.iterdir()) == []
