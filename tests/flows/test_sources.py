"""Where every declared source can be had from: `medinst sources`, a build with the mirror moved aside and
no network, manual downloads, and partial sources (optional files that cannot be had)."""

import csv
import io
import json
import shutil
import socket
from pathlib import Path

import pytest
from helpers import registry_copy

from flows.build import BuildFailed, build
from flows.cli import main
from warehouse.catalog import query
from warehouse.layout import current_build

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_network(monkeypatch):
    """The network cut as on an offline machine: no name resolves but this machine's own (the Prefect test
    server is on 127.0.0.1). A stand-in for a real outage, which a test cannot arrange."""
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host in ("localhost", "127.0.0.1", "::1", None):
            return real(host, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def _mirror_with(tmp_path: Path, corpora: Path, *sources: str) -> Path:
    """A mirror holding only these sources (the real one moved aside)."""
    mirror = tmp_path / "mirror"
    for source in sources:
        shutil.copytree(corpora / source, mirror / source)
    mirror.mkdir(exist_ok=True)
    return mirror


def _as_manual(data: dict) -> None:
    """mqp's file turned into a manual download (as a Kaggle file would be)."""
    f = data["files"][0]
    del f["url"]
    f["manual"] = {"page": "https://www.kaggle.com/datasets/example/mqp", "steps": "Sign in, download mqp.csv."}


def test_a_build_without_mirror_or_network_says_which_sources_are_unreachable(prefect_server, corpora, tmp_path,
                                                                              no_network):
    registry = registry_copy(tmp_path, "mqp", _as_manual)
    registry_copy(tmp_path, "medqa", lambda d: d.update(files=[f for f in d["files"] if not f.get("optional")]))
    home = tmp_path / "home"
    only = ["medqa", "ncbi_disease", "bc5cdr", "mqp", "covert"]
    result = build(only=only, home=str(home), sources_root=str(_mirror_with(tmp_path, corpora, "medqa")),
                   registry=[str(registry)], offline=False)
    assert [s["source"] for s in result["sources"]] == ["medqa"]
    assert result["skipped_by_kind"] == {"manual": ["mqp"], "not obtainable": ["covert"],
                                         "unreachable": ["bc5cdr", "ncbi_disease"]}
    assert "unreachable: https://raw.githubusercontent.com/" in result["skipped"]["ncbi_disease"]
    assert "does not resolve" in result["skipped"]["ncbi_disease"]
    assert result["skipped"]["mqp"].endswith(
        "a manual download: download it by hand from https://www.kaggle.com/datasets/example/mqp: Sign in, download "
        "mqp.csv.; put it at <manual dir>/mqp/mqp.csv (the manual dir: --manual-dir or MEDINST_MANUAL_DIR)")
    _, rows = query(current_build(home), "select task, status, obtainable from tasks where source <> 'covert' "
                                         "order by task")
    assert rows == [("BC5CDR-NED", "skipped", "origin"), ("BC5CDR-RE", "skipped", "origin"),
                    ("MQP", "skipped", "manual"), ("MedQA", "built", "mirror"),
                    ("NCBI-disease-NED", "skipped", "origin")]

    with pytest.raises(BuildFailed) as failed:
        build(only=only, home=str(home), sources_root=str(_mirror_with(tmp_path, corpora)), registry=[str(registry)],
              offline=False, strict=True)
    message = str(failed.value)
    assert message.startswith("--strict: 4 source(s) skipped, 0 partial; the published warehouse is unchanged:\n")
    assert "\n  origin unreachable (no network, or its host is down) (2):\n    bc5cdr: cannot be fetched: " in message
    assert "\n  manual download missing (1):\n    mqp: cannot be fetched: " in message


def test_a_manual_download_placed_in_the_manual_folder_is_built(prefect_server, corpora, tmp_path, capsys):
    registry = registry_copy(tmp_path, "mqp", _as_manual)
    manual = tmp_path / "manual"
    (manual / "mqp").mkdir(parents=True)
    shutil.copyfile(corpora / "mqp" / "mqp.csv", manual / "mqp" / "mqp.csv")
    home = tmp_path / "home"
    assert main(["sources", "--format", "json", "--home", str(home), "--registry", str(registry),
                 "--manual-dir", str(manual), "--sources-root", str(tmp_path / "no-mirror")]) == 0
    mqp = next(r for r in json.loads(capsys.readouterr().out) if r["source"] == "mqp")
    assert (mqp["status"], mqp["ready"], mqp["why"], mqp["in_mirror"]) == ("manual", True, None, 0)
    assert main(["build", "--only", "mqp", "--home", str(home), "--registry", str(registry),
                 "--manual-dir", str(manual), "--sources-root", str(tmp_path / "no-mirror"), "--strict"]) == 0
    assert query(current_build(home), "select count(*) from instructions where source = 'mqp'")[1] == [(3048,)]


def _medqa_with_an_optional_train_file(data: dict) -> None:
    data["files"] = [f for f in data["files"] if f["path"] == "test.jsonl"]  # the mirror's file only
    data["files"].append({"path": "train.jsonl", "url": "https://example.org/medqa/train.jsonl", "split": "train",
                          "optional": True})
    data["tasks"][0]["splits"]["train"] = "train"


def test_a_source_missing_an_optional_file_is_built_partial_and_the_file_arriving_later_rebuilds_it(
        prefect_server, corpora, tmp_path, capsys):
    registry = registry_copy(tmp_path, "medqa", _medqa_with_an_optional_train_file)
    home, manual = tmp_path / "home", tmp_path / "manual"
    first = build(only=["medqa"], home=str(home), sources_root=str(corpora), registry=[str(registry)],
                  manual_dir=str(manual))
    assert first["partial"] == {"medqa": ["train.jsonl"]} and first["skipped"] == {}
    _, rows = query(current_build(home), "select status, train, test, reason from tasks where task = 'MedQA'")
    assert rows[0][:3] == ("partial", 0, 1273)
    mirror = corpora.resolve()  # as the settings resolve it (CI's ../shared is a symbolic link)
    assert rows[0][3] == ("train: without train.jsonl (not found at " + str(mirror) + "/medqa/train.jsonl; "
                          "not found at " + str(manual) + "/medqa/train.jsonl; offline: its origin "
                          "https://example.org/medqa/train.jsonl was not tried)")
    assert query(current_build(home), "select status from sources where source = 'medqa'")[1] == [("partial",)]
    with pytest.raises(BuildFailed, match=r"--strict: 0 source\(s\) skipped, 1 partial; .*\n  medqa: partial: "
                                          r"without train.jsonl \(not found at"):
        build(only=["medqa"], home=str(home), sources_root=str(corpora), registry=[str(registry)],
              manual_dir=str(manual), strict=True)

    # The file arrives (here by hand): the next build takes it, and the source is rebuilt whole.
    lines = (corpora / "medqa" / "test.jsonl").read_text().splitlines()[:5]
    (manual / "medqa").mkdir(parents=True)
    (manual / "medqa" / "train.jsonl").write_text(
        "\n".join(json.dumps({**json.loads(line), "realidx": f"train-{i}"}) for i, line in enumerate(lines)) + "\n")
    second = build(only=["medqa"], home=str(home), sources_root=str(corpora), registry=[str(registry)],
                   manual_dir=str(manual), strict=True)
    assert second["partial"] == {} and [s["cache"] for s in second["sources"]] == ["rebuilt"]
    _, rows = query(current_build(home), "select status, train, test, reason from tasks where task = 'MedQA'")
    assert rows == [("built", 5, 1273, None)]


def test_medinst_sources_lists_every_source_before_anything_is_downloaded(corpora, tmp_path, capsys):
    home = tmp_path / "home"
    assert main(["sources", "--format", "csv", "--home", str(home), "--sources-root", str(corpora)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    declared = sorted(p.stem for p in (REPO / "sources").glob("*.yaml"))
    assert sorted(r["source"] for r in rows) == declared
    mirrored = sorted(p.name for p in corpora.iterdir() if (p / "SOURCE.md").exists())
    assert sorted(r["source"] for r in rows if r["status"] == "mirror") == mirrored
    assert not home.exists()  # nothing fetched, nothing written
    by_status = {}
    for r in rows:
        by_status.setdefault(r["status"], []).append(r["source"])
    assert set(by_status) <= {"mirror", "origin", "manual", "not obtainable"}
    for r in rows:
        assert (r["ready"] == "True") == (r["status"] == "mirror"), r  # a fresh home: only the mirror is at hand
        if r["status"] == "origin":
            assert "from http" in r["why"], r
        if r["status"] == "manual":
            assert "download it by hand from http" in r["why"], r
    assert main(["sources", "--status", "not obtainable", "--home", str(home), "--sources-root", str(corpora)]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[-1].startswith(f"{len(by_status.get('not obtainable', []))} not obtainable (0 ready")
