"""A stage records what it holds and is checked against it (issue 16, case 3); a raw-cache entry is hashed again
before it is parsed (case 2). Real files; the remote home is fsspec's in-memory filesystem."""

import hashlib
import json
import logging
import os
import re

import polars as pl
import pytest

from schemas.errors import FetchUnavailable, SourceError
from schemas.registry import FileSpec
from warehouse import storage
from warehouse.fetch import cache_path, fetch, sha256_tree
from warehouse.stage import (
    NOT_STAGED,
    StageDamaged,
    StageWriter,
    check_stage,
    copy_checked,
    local_stage,
    read_manifest,
    stage_problem,
)

TRAIN = "instructions/category=STS/task=T/split=train/part-00000.parquet"
TRAIN_2 = "instructions/category=STS/task=T/split=train/part-00001.parquet"
TEST = "instructions/category=STS/task=T/split=test/part-00000.parquet"


def rows(split: str, n: int) -> pl.DataFrame:
    return pl.DataFrame({"category": "STS", "task": "T", "split": split, "uid": [f"{split}{i}" for i in range(n)],
                         "input": [f"sentence {i} " * 20 for i in range(n)]})


def write_stage(home, source="s", fingerprint="f" * 64):
    writer = StageWriter(home, source, fingerprint)
    writer.write(pl.concat([rows("train", 30), rows("test", 7)]))
    writer.write(rows("train", 5))
    return writer.finish(pl.DataFrame({"reason": ["x"]}), pl.DataFrame({"step": ["publish"], "rows": [42]}))


def test_finish_writes_a_manifest_of_every_file_before_success(tmp_path):
    stage = write_stage(tmp_path)
    manifest = json.loads((stage / "manifest.json").read_text())
    files = {f["path"]: f for f in manifest["files"]}
    assert sorted(files) == sorted([TRAIN, TRAIN_2, TEST, "quarantine.parquet", "stats.parquet"])
    assert {p: f["rows"] for p, f in files.items()} == {TRAIN: 30, TRAIN_2: 5, TEST: 7, "quarantine.parquet": 1,
                                                         "stats.parquet": 1}
    for path, f in files.items():
        data = (stage / path).read_bytes()
        assert (f["bytes"], f["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    assert manifest["rows"] == 42
    assert manifest["splits"] == [{"category": "STS", "task": "T", "split": "test", "rows": 7},
                                  {"category": "STS", "task": "T", "split": "train", "rows": 35}]
    assert (manifest["source"], manifest["fingerprint"]) == ("s", "f" * 64)
    assert (stage / "_SUCCESS").stat().st_mtime_ns >= (stage / "manifest.json").stat().st_mtime_ns
    assert check_stage(stage) is None and stage_problem(tmp_path, "s", "f" * 64) is None


def flip(path, at=None):
    data = bytearray(path.read_bytes())
    data[len(data) // 2 if at is None else at] ^= 0x04
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage, why", [
    (lambda s: (s / TRAIN).unlink(), f"{TRAIN}: missing"),
    (lambda s: os.truncate(s / TRAIN_2, 10), rf"{TRAIN_2}: 10 bytes, the manifest says \d+"),
    (lambda s: flip(s / TEST), rf"{TEST}: sha256 [0-9a-f]{{64}}, the manifest says [0-9a-f]{{64}}"),
    (lambda s: flip(s / "stats.parquet"), r"stats.parquet: sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}"),
    (lambda s: (s / TRAIN).with_name("part-00009.parquet").write_bytes((s / TRAIN).read_bytes()),
     r"instructions/category=STS/task=T/split=train/part-00009.parquet: not in the manifest"),
    (lambda s: (s / "manifest.json").unlink(), "no manifest.json"),
    (lambda s: (s / "manifest.json").write_text("{"), r"manifest.json unreadable \(Expecting .*\)"),
    (lambda s: (s / "manifest.json").write_text(json.dumps({"rows": 1, "files": [
        {"path": "../../../etc/passwd", "bytes": 1, "sha256": "0", "rows": 1}]})),
     r"manifest.json unreadable \(bad entry .*etc/passwd.*\)"),
    (lambda s: (s / "_SUCCESS").unlink(), "no _SUCCESS marker"),
])
def test_a_damaged_stage_says_what_is_wrong(tmp_path, damage, why):
    stage = write_stage(tmp_path)
    damage(stage)
    problem = stage_problem(tmp_path, "s", "f" * 64)
    assert re.fullmatch(why, problem), problem


def test_no_stage_is_not_staged(tmp_path):
    assert stage_problem(tmp_path, "s", "f" * 64) == NOT_STAGED


def test_copy_checked_gives_the_build_its_own_inode_and_refuses_a_changed_file(tmp_path):
    stage = write_stage(tmp_path)
    manifest = read_manifest(stage, "s")
    entry = next(f for f in manifest["files"] if f["path"] == TRAIN)
    dst = tmp_path / "build" / "s-00000.parquet"
    copy_checked(stage, entry, dst, "s")
    assert dst.read_bytes() == (stage / TRAIN).read_bytes()
    assert dst.stat().st_ino != (stage / TRAIN).stat().st_ino and dst.stat().st_nlink == 1
    os.truncate(stage / TRAIN, 0)
    assert pl.read_parquet(dst).height == 30  # the copy does not change with the stage
    with pytest.raises(StageDamaged, match=rf"^s: {TRAIN}: 0 bytes, the manifest says {entry['bytes']}$"):
        copy_checked(stage, entry, tmp_path / "build" / "again.parquet", "s")
    (stage / TRAIN).unlink()
    with pytest.raises(StageDamaged, match=rf"^s: {TRAIN}: missing from {stage}$"):
        copy_checked(stage, entry, tmp_path / "build" / "again.parquet", "s")


def test_a_remote_stage_is_checked_on_the_store_and_a_damaged_working_copy_downloaded_again(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDINST_WORKDIR", str(tmp_path / "work"))
    url = f"memory://medinst-stage-test-{os.getpid()}/home"
    home = storage.home_path(url)
    stage = write_stage(home)
    remote_stage = storage.join(url, "stage", "s", "f" * 64)
    try:
        assert stage_problem(home, "s", "f" * 64) is None
        flip(stage / TRAIN)  # the working copy damaged: publish's local_stage fetches the store's copy again
        assert check_stage(local_stage(home, "s", "f" * 64)) is None
        fs, path = storage.filesystem(remote_stage)
        fs.pipe_file(f"{path}/{TRAIN}", b"short")
        assert re.fullmatch(rf"{TRAIN}: 5 bytes, the manifest says \d+", stage_problem(home, "s", "f" * 64))
        fs.rm(f"{path}/{TEST}")
        assert stage_problem(home, "s", "f" * 64) == f"{TEST}: missing"
        fs.rm(f"{path}/_SUCCESS")
        assert stage_problem(home, "s", "f" * 64) == NOT_STAGED
    finally:
        storage.remove_tree(url)


# --- case 2: the raw cache ---------------------------------------------------------------------------------------

def cached(home, corpora, source, file: FileSpec):
    """`file` fetched from the mirror into the raw cache of `home`."""
    return fetch(source, file, home=home, sources_root=str(corpora))


MQP = FileSpec(path="mqp.csv", url="https://example.invalid/mqp.csv",
               sha256="94ecd609a9ca9350e1cff2438aa55a034762f01c1a68732aaae3e4be7b03cf57")


def test_a_cached_file_altered_after_download_is_fetched_again(tmp_path, corpora, caplog):
    path = cached(tmp_path, corpora, "mqp", MQP)
    path.write_text(path.read_text().replace("drink alcohol", "drink Xlcohol"))
    with caplog.at_level(logging.WARNING, logger="warehouse.fetch"):
        again = fetch("mqp", MQP, home=tmp_path, sources_root=str(corpora))
    assert again == path and again.read_bytes() == (corpora / "mqp" / "mqp.csv").read_bytes()
    assert "mqp: mqp.csv: the cached copy raw/sha256/94/94ecd609" in caplog.text and "fetching it again" in caplog.text
    assert [p.name for p in (tmp_path / "raw" / "sha256").iterdir()] == ["94"]  # nothing set aside is left


def test_a_cached_file_altered_and_not_to_be_had_again_fails_and_is_not_skipped(tmp_path, corpora):
    path = cached(tmp_path, corpora, "mqp", MQP)
    path.write_bytes(path.read_bytes()[:-1])
    got = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(SourceError) as err:
        fetch("mqp", MQP, home=tmp_path, sources_root=str(tmp_path / "no-mirror"), retries=0)
    assert not isinstance(err.value, FetchUnavailable)  # skipping it would publish less than was asked
    assert str(err.value).startswith(f"mqp: mqp.csv: the cached copy raw/sha256/94/{MQP.sha256} has sha256 {got}, "
                                     f"not {MQP.sha256}, and it could not be fetched again: not found at ")
    assert not path.exists()


def test_a_cached_folder_altered_after_download_is_fetched_again(tmp_path):
    folder = tmp_path / "mirror" / "src" / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("alpha\n")
    (folder / "sub" / "b.txt").write_text("beta\n")
    spec = FileSpec(path="docs", url="https://example.invalid/docs", sha256=sha256_tree(folder), kind="directory")
    home = tmp_path / "home"
    path = fetch("src", spec, home=home, sources_root=str(tmp_path / "mirror"))
    assert path == cache_path(home, spec.sha256) and (path / "sub" / "b.txt").read_text() == "beta\n"
    (path / "sub" / "b.txt").write_text("bXta\n")
    again = fetch("src", spec, home=home, sources_root=str(tmp_path / "mirror"))
    assert sha256_tree(again) == spec.sha256 and (again / "sub" / "b.txt").read_text() == "beta\n"
