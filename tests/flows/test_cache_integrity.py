"""Caches are verified before they are reused (issue 16, cases 2 and 3), on the real mirror under a Prefect test server.

Case 2: a raw-cache file altered after download is hashed again before it is parsed, and fetched again when it
does not match. Case 3: a stage records what it holds (manifest.json); a part deleted, truncated or flipped is
found before reuse and the source rebuilt; publish checks every file it publishes against the manifest; a
published build shares no inode with a stage.
"""

import hashlib
import logging
import os
import shutil
from pathlib import Path

import pytest
import yaml

from flows.build import BuildFailed, build
from warehouse.catalog import query
from warehouse.fetch import cache_path, sha256_file
from warehouse.layout import current_build

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration

MQP_SHA = "94ecd609a9ca9350e1cff2438aa55a034762f01c1a68732aaae3e4be7b03cf57"  # sources/mqp.yaml: mqp.csv
NCBI = {("NCBI-disease-NED", "train"): 592, ("NCBI-disease-NED", "dev"): 100, ("NCBI-disease-NED", "test"): 100}
PART = "instructions/category=NED/task=NCBI-disease-NED/split={split}/part-00000.parquet"


def sql(home: Path, text: str) -> list[tuple]:
    return query(current_build(home), text)[1]


def counts(home: Path) -> dict[tuple[str, str], int]:
    return {(t, s): n for t, s, n in sql(home, "select task, split, count(*) from instructions group by all")}


def stage_of(home: Path, source: str) -> Path:
    [stage] = [p for p in (home / "stage" / source).iterdir() if not p.name.startswith(".")]
    return stage


def warnings(caplog, source: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and source in r.getMessage()]


# --- case 2: a raw file altered in the cache ---------------------------------------------------------------------

@pytest.fixture
def mqp_home(prefect_server, corpora, tmp_path):
    home = tmp_path / "home"
    build(only=["mqp"], home=str(home), sources_root=str(corpora))
    return home


def alter_raw(home: Path) -> str:
    """`sed -i 's/drink alcohol/drink Xlcohol/'` on the cached mqp.csv; returns the altered file's sha256."""
    raw = cache_path(home, MQP_SHA)
    raw.write_text(raw.read_text().replace("drink alcohol", "drink Xlcohol"))
    return sha256_file(raw)


def test_a_raw_file_altered_in_the_cache_is_fetched_again_before_it_is_parsed(mqp_home, corpora, caplog):
    drinks = sql(mqp_home, "select count(*) from instructions where input like '%drink alcohol%'")
    assert drinks[0][0] > 0
    altered = alter_raw(mqp_home)
    shutil.rmtree(mqp_home / "stage" / "mqp")  # the stage gone: mqp must be parsed again from its raw file
    with caplog.at_level(logging.WARNING, logger="warehouse.fetch"):
        result = build(only=["mqp"], home=str(mqp_home), sources_root=str(corpora))
    assert [(s["source"], s["cache"], s["rows"]) for s in result["sources"]] == [("mqp", "rebuilt", 3048)]
    assert sql(mqp_home, "select count(*) from instructions where input like '%Xlcohol%'") == [(0,)]
    assert sql(mqp_home, "select count(*) from instructions where input like '%drink alcohol%'") == drinks
    assert sql(mqp_home, "select distinct source_sha256 from instructions") == [(MQP_SHA,)]
    assert sha256_file(cache_path(mqp_home, MQP_SHA)) == MQP_SHA  # the cache entry healed
    assert warnings(caplog, "mqp") == [
        f"mqp: mqp.csv: the cached copy raw/sha256/94/{MQP_SHA} has sha256 {altered}, not {MQP_SHA}; "
        "fetching it again"]


def test_an_altered_raw_file_that_cannot_be_fetched_again_fails_naming_the_file_and_both_digests(mqp_home, tmp_path):
    altered = alter_raw(mqp_home)
    before = (mqp_home / "warehouse" / "CURRENT").read_text()
    # The origin unreachable (its host does not resolve) and no mirror: the damaged entry cannot be replaced.
    registry = tmp_path / "registry"
    registry.mkdir()
    data = yaml.safe_load((REPO / "sources" / "mqp.yaml").read_text())
    data["files"][0]["url"] = "https://example.invalid/mqp.csv"
    (registry / "mqp.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(BuildFailed, match=rf"mqp: mqp.csv: the cached copy raw/sha256/94/{MQP_SHA} has sha256 "
                                          rf"{altered}, not {MQP_SHA}, and it could not be fetched again: not found"):
        build(only=["mqp"], home=str(mqp_home), sources_root=str(tmp_path / "no-mirror"), registry=[str(registry)])
    assert (mqp_home / "warehouse" / "CURRENT").read_text() == before
    assert sql(mqp_home, "select count(*) from instructions where input like '%Xlcohol%'") == [(0,)]
    assert not cache_path(mqp_home, MQP_SHA).exists()  # the damaged entry is not kept for a later build to parse


# --- case 3: stage parts damaged after they were written ---------------------------------------------------------

@pytest.fixture
def ncbi_home(prefect_server, corpora, tmp_path):
    home = tmp_path / "home"
    build(only=["ncbi_disease"], home=str(home), sources_root=str(corpora))
    assert counts(home) == NCBI
    return home


ROWS = "select uid, split, input, output from instructions order by uid"
PUBLISH_STATS = "select task, split, rows from build_stats where step = 'publish'"


def rebuild_heals(home: Path, corpora: Path, caplog, why: str) -> None:
    """The next build finds the damage, rebuilds ncbi_disease with a warning saying why, and publishes all 792 rows."""
    with caplog.at_level(logging.WARNING):
        result = build(only=["ncbi_disease"], home=str(home), sources_root=str(corpora))
    assert [(s["source"], s["cache"], s["rows"]) for s in result["sources"]] == [("ncbi_disease", "rebuilt", 792)]
    assert counts(home) == NCBI
    assert {(t, s): n for t, s, n in sql(home, PUBLISH_STATS)} == NCBI
    assert sql(home, "select sum(train + dev + test) from tasks where source = 'ncbi_disease'") == [(792,)]
    [warning] = [w for w in warnings(caplog, "ncbi_disease") if "rebuilding" in w]
    assert why in warning, warning


def test_a_deleted_stage_part_is_found_and_the_source_rebuilt(ncbi_home, corpora, caplog):
    stage = stage_of(ncbi_home, "ncbi_disease")
    (stage / PART.format(split="dev")).unlink()  # `_SUCCESS` kept
    rebuild_heals(ncbi_home, corpora, caplog, f"{PART.format(split='dev')}: missing")


def test_a_truncated_stage_part_leaves_the_published_build_whole_and_is_rebuilt(ncbi_home, corpora, caplog):
    stage = stage_of(ncbi_home, "ncbi_disease")
    part = stage / PART.format(split="train")
    size = part.stat().st_size
    os.truncate(part, 100)
    assert counts(ncbi_home) == NCBI  # the published build holds its own copy
    rebuild_heals(ncbi_home, corpora, caplog, f"{PART.format(split='train')}: 100 bytes, the manifest says {size}")


def test_a_flipped_bit_in_a_stage_part_is_found_and_the_source_rebuilt(ncbi_home, corpora, caplog):
    rows = sql(ncbi_home, ROWS)
    part = stage_of(ncbi_home, "ncbi_disease") / PART.format(split="train")
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0x10  # same size, a value inside the data pages
    part.write_bytes(bytes(data))
    rebuild_heals(ncbi_home, corpora, caplog, f"{PART.format(split='train')}: sha256 ")
    assert sql(ncbi_home, ROWS) == rows


def test_a_stage_without_a_manifest_is_rebuilt(ncbi_home, corpora, caplog):
    """A stage written before stages had manifests (or whose manifest was lost) is not trusted."""
    (stage_of(ncbi_home, "ncbi_disease") / "manifest.json").unlink()
    rebuild_heals(ncbi_home, corpora, caplog, "no manifest.json")


def test_a_part_damaged_after_its_check_fails_publish_naming_it(ncbi_home, corpora, monkeypatch):
    """Damage between the reuse check and publish (a race this test forces by skipping the check): publish checks
    every file it publishes against the manifest, fails naming it, and the published warehouse stays as it was."""
    import flows.build

    monkeypatch.setattr(flows.build, "stage_problem", lambda *args, **kwargs: None)  # the check passed earlier
    before = (ncbi_home / "warehouse" / "CURRENT").read_text()
    published = current_build(ncbi_home) / "instructions" / "category=NED" / "task=NCBI-disease-NED" / "split=test"
    # The staged part and the copy the current build published (which publish would otherwise link) both damaged.
    for part in (stage_of(ncbi_home, "ncbi_disease") / PART.format(split="test"), published / "ncbi_disease-00000.parquet"):
        data = bytearray(part.read_bytes())
        data[len(data) // 2] ^= 0x01
        part.write_bytes(bytes(data))
    with pytest.raises(BuildFailed, match=rf"ncbi_disease: {PART.format(split='test')}: sha256 [0-9a-f]{{64}}, the "
                                          r"manifest says [0-9a-f]{64}; the published warehouse is unchanged"):
        build(only=["ncbi_disease"], home=str(ncbi_home), sources_root=str(corpora))
    assert (ncbi_home / "warehouse" / "CURRENT").read_text() == before


def test_published_builds_share_no_inode_with_a_stage(ncbi_home, corpora):
    build(only=["ncbi_disease"], home=str(ncbi_home), sources_root=str(corpora))  # a no-op rebuild as well
    staged = {(st.st_dev, st.st_ino) for p in (ncbi_home / "stage").rglob("*") if p.is_file() for st in [p.stat()]}
    published = [p for p in (ncbi_home / "warehouse" / "builds").rglob("*") if p.is_file()]
    assert len(published) > 10
    assert [p for p in published if (p.stat().st_dev, p.stat().st_ino) in staged] == []


def test_a_rebuild_shares_the_previous_builds_unchanged_files_but_never_a_damaged_one(ncbi_home, corpora):
    first = current_build(ncbi_home)
    damaged = first / "instructions" / "category=NED" / "task=NCBI-disease-NED" / "split=dev" / "ncbi_disease-00000.parquet"
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0x01  # the published copy altered behind our back
    damaged.write_bytes(bytes(data))
    build(only=["ncbi_disease"], home=str(ncbi_home), sources_root=str(corpora))  # nothing changed
    second = current_build(ncbi_home)
    assert second != first
    shared, fresh = [], []
    for p in (second / "instructions").rglob("*.parquet"):
        twin = first / p.relative_to(second)
        (shared if p.stat().st_ino == twin.stat().st_ino else fresh).append(p.relative_to(second).as_posix())
    assert sorted(shared) == [f"instructions/category=NED/task=NCBI-disease-NED/split={s}/ncbi_disease-00000.parquet"
                              for s in ("test", "train")]
    assert fresh == ["instructions/category=NED/task=NCBI-disease-NED/split=dev/ncbi_disease-00000.parquet"]
    assert counts(ncbi_home) == NCBI  # the damaged copy was not taken over: the dev part came from the stage


def test_the_stage_manifest_records_every_part(ncbi_home):
    import json

    stage = stage_of(ncbi_home, "ncbi_disease")
    manifest = json.loads((stage / "manifest.json").read_text())
    files = {f["path"]: f for f in manifest["files"]}
    on_disk = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*")
                     if p.is_file() and p.name not in ("manifest.json", "_SUCCESS"))
    assert sorted(files) == on_disk
    for path, f in files.items():
        assert f["bytes"] == (stage / path).stat().st_size
        assert f["sha256"] == hashlib.sha256((stage / path).read_bytes()).hexdigest()
    assert {PART.format(split=s): n for (_, s), n in NCBI.items()} == {
        p: f["rows"] for p, f in files.items() if p.startswith("instructions/")}
    assert manifest["rows"] == 792
