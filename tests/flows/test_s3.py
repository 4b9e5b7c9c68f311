"""A build whose MEDINST_HOME is on S3 (moto's server on loopback), then `medinst sql`, benchmark and export on it."""

import json
import logging
import urllib.request

import pytest

from flows.benchmark import benchmark
from flows.build import build
from flows.cli import main
from flows.settings import resolve
from warehouse.catalog import read_instructions
from warehouse.layout import current_build

pytestmark = pytest.mark.integration

BUCKET = "medinst-test"
HOME = f"s3://{BUCKET}/medinst"
SOURCES = ["biosses", "medqa", "mqp"]
COUNTS = "task,split,n\nBIOSSES,dev,16\nBIOSSES,test,20\nBIOSSES,train,64\nMQP,train,3048\nMedQA,test,1273\n"


def _clear_s3fs_instances():
    """s3fs caches filesystem instances by their arguments, not by the environment that configured them."""
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """A moto S3 server on 127.0.0.1 with one bucket; AWS_ENDPOINT_URL and dummy credentials point every client at it."""
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request
    env = pytest.MonkeyPatch()
    for key in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_SESSION_TOKEN"):
        env.delenv(key, raising=False)
    env.setenv("AWS_ACCESS_KEY_ID", "testing")
    env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    env.setenv("AWS_DEFAULT_REGION", "us-east-1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
    env.setenv("MEDINST_WORKDIR", str(tmp_path_factory.mktemp("workdir")))
    _clear_s3fs_instances()
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    try:
        yield client
    finally:
        # moto keeps its buckets in process-wide state, which outlives the server: leave none to later tests.
        urllib.request.urlopen(urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST")).close()
        _clear_s3fs_instances()
        server.stop()
        env.undo()


def keys(client, prefix: str = "") -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


@pytest.fixture(scope="module")
def built(s3, prefect_server, corpora):
    first = build(only=SOURCES, home=HOME, sources_root=str(corpora))
    second = build(only=SOURCES, home=HOME, sources_root=str(corpora))
    return first, second


def sql(query: str, capsys) -> tuple[int, str, str]:
    code = main(["sql", query, "--home", HOME, "--format", "csv"])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_sql_reads_the_build_from_s3(built, capsys):
    code, out, _ = sql("select task, split, count(*) as n from instructions group by all order by all", capsys)
    assert code == 0
    assert out == COUNTS
    code, out, _ = sql("select source, status, recomputed from sources order by source", capsys)
    assert out == "source,status,recomputed\nbiosses,built,False\nmedqa,partial,False\nmqp,built,False\n"


def test_bucket_holds_raw_files_stages_builds_and_the_pointer(built, s3):
    first, second = built
    stored = keys(s3, "medinst/")
    assert any(k.startswith("medinst/raw/sha256/") for k in stored)
    current = s3.get_object(Bucket=BUCKET, Key="medinst/warehouse/CURRENT")["Body"].read().decode()
    assert current.strip() == second["build_id"]
    for result in built:
        build_prefix = f"medinst/warehouse/builds/{result['build_id']}/"
        assert f"{build_prefix}instructions/category=STS/task=BIOSSES/split=train/biosses-00000.parquet" in stored
        for name in ("catalog.duckdb", "tasks.parquet", "sources.parquet", "build_stats.parquet", "quarantine.parquet",
                     "manifest.json"):
            assert build_prefix + name in stored
    for s in first["sources"]:
        stage = [k for k in stored if k.startswith(f"medinst/stage/{s['source']}/")]
        assert any(k.endswith("/_SUCCESS") for k in stage) and any(k.endswith(".parquet") for k in stage)
    assert any(k.startswith("medinst/prefect-results/") for k in stored)
    # Nothing is assembled on the store under a temporary name.
    assert not [k for k in stored if "/." in k]


def test_second_build_recomputes_nothing(built):
    first, second = built
    assert {s["cache"] for s in first["sources"]} == {"rebuilt"}
    assert {s["cache"] for s in second["sources"]} == {"cached"}
    assert first["home"] == second["home"] == HOME


def test_sql_on_s3_stays_inside_the_build(built, capsys):
    code, _, err = sql(f"select * from read_csv('{HOME}/warehouse/CURRENT')", capsys)
    assert code == 1 and "Permission Error" in err
    code, _, err = sql("select * from read_csv('/etc/passwd')", capsys)
    assert code == 1 and "Permission Error" in err
    code, _, err = sql("create table x as select 1", capsys)
    assert code == 1 and "read-only" in err


def test_a_fresh_working_copy_finds_everything_on_s3(built, s3, tmp_path, monkeypatch, capsys):
    """Another machine: an empty working copy, the same bucket, no mirror. Nothing is fetched from an origin."""
    monkeypatch.setenv("MEDINST_WORKDIR", str(tmp_path / "elsewhere"))
    code, out, _ = sql("select task, split, count(*) as n from instructions group by all order by all", capsys)
    assert (code, out) == (0, COUNTS)
    result = build(only=SOURCES, home=HOME, sources_root=str(tmp_path / "no-mirror"))
    assert {s["cache"] for s in result["sources"]} == {"cached"}
    assert not (resolve(home=HOME).home / "raw").exists()  # cached results and stages on S3 sufficed

    for key in keys(s3, "medinst/stage/biosses/"):  # biosses must be staged again, from raw files on S3
        s3.delete_object(Bucket=BUCKET, Key=key)
    result = build(only=SOURCES, home=HOME, sources_root=str(tmp_path / "no-mirror"))
    assert {s["source"]: s["cache"] for s in result["sources"]} == {"biosses": "rebuilt", "medqa": "cached",
                                                                     "mqp": "cached"}
    raw = resolve(home=HOME).home / "raw"
    assert len([p for p in raw.rglob("*") if p.is_file()]) == 2  # biosses' two files, downloaded from the bucket
    code, out, _ = sql("select task, split, count(*) as n from instructions group by all order by all", capsys)
    assert (code, out) == (0, COUNTS)


def test_rows_equal_a_local_build(built, corpora, tmp_path):
    local = tmp_path / "home"
    build(only=SOURCES, home=str(local), sources_root=str(corpora))
    remote_rows = read_instructions(current_build(resolve(home=HOME).home)).sort("uid")
    local_rows = read_instructions(current_build(local)).sort("uid")
    assert remote_rows.columns == local_rows.columns
    assert remote_rows.equals(local_rows)


def test_benchmark_and_export_on_s3(built, s3, capsys):
    result = benchmark(home=HOME, mixture_size=1000)
    assert result["present"] == 2  # BIOSSES and MedQA
    code, out, _ = sql("select task, count(*) as n from benchmark where setting = 'zero-shot' group by all order by all",
                       capsys)
    assert (code, out) == (0, "task,n\nBIOSSES,20\nMedQA,1273\n")
    build_id = result["build_id"]  # the current build (later tests built again since `built`)
    assert f"medinst/warehouse/builds/{build_id}/derived/benchmark.parquet" in keys(s3, "medinst/")

    out_url = f"s3://{BUCKET}/exports/jsonl"
    assert main(["export", "--format", "jsonl", "--out", out_url, "--home", HOME]) == 0
    assert "exported build" in capsys.readouterr().out
    exported = keys(s3, "exports/jsonl/")
    assert exported == ["exports/jsonl/BIOSSES/dev.json", "exports/jsonl/BIOSSES/test.json",
                        "exports/jsonl/BIOSSES/train.json", "exports/jsonl/MQP/train.json",
                        "exports/jsonl/MedQA/test.json"]
    body = s3.get_object(Bucket=BUCKET, Key="exports/jsonl/BIOSSES/train.json")["Body"].read().decode()
    assert len(body.splitlines()) == 64
    assert set(json.loads(body.splitlines()[0])) == {"instruction", "input", "output", "history"}
    assert main(["export", "--format", "jsonl", "--out", out_url, "--home", HOME]) == 1
    assert "exists and is not empty" in capsys.readouterr().err


def test_only_on_s3_carries_the_other_sources_and_the_marts(built, s3, tmp_path, monkeypatch, capsys):
    """Issue 16: `--only` over a remote home, from another machine's empty working copy, carries the other
    sources' stages and the benchmark marts (runs after test_benchmark_and_export_on_s3)."""
    monkeypatch.setenv("MEDINST_WORKDIR", str(tmp_path / "another-machine"))
    before = current_build(resolve(home=HOME).home).name
    result = build(only=["mqp"], home=HOME, sources_root=str(tmp_path / "no-mirror"))
    assert {s["source"]: s["cache"] for s in result["sources"]} == {"biosses": "carried", "medqa": "carried",
                                                                     "mqp": "cached"}
    assert result["derived"]["benchmark"] == f"carried from build {before}"
    code, out, _ = sql("select task, split, count(*) as n from instructions group by all order by all", capsys)
    assert (code, out) == (0, COUNTS)
    code, out, _ = sql("select task, count(*) as n from benchmark where setting = 'zero-shot' group by all order by all",
                       capsys)
    assert (code, out) == (0, "task,n\nBIOSSES,20\nMedQA,1273\n")


def test_raw_cache_on_s3_serves_files_and_folders_to_another_working_copy(s3, tmp_path, monkeypatch):
    from schemas.registry import FileSpec
    from warehouse.fetch import fetch, sha256_file, sha256_tree
    from warehouse.lock import locked_digest
    from warehouse.storage import attach

    url = f"s3://{BUCKET}/fetch-test"
    folder = tmp_path / "mirror" / "demo" / "text"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("alpha\n")
    (folder / "sub" / "b.txt").write_text("beta\n")
    (folder.parent / "one.txt").write_text("one\n")
    files = [FileSpec(path="text", url="https://example.invalid/text", sha256=sha256_tree(folder), kind="directory"),
             FileSpec(path="one.txt", url="https://example.invalid/one.txt", sha256=sha256_file(folder.parent / "one.txt"))]
    undeclared = FileSpec(path="one.txt", url="https://example.invalid/one.txt")

    monkeypatch.setenv("MEDINST_WORKDIR", str(tmp_path / "first"))
    first = attach(url)
    for f in files:
        fetch("demo", f, home=first, sources_root=str(tmp_path / "mirror"))
    fetch("demo", undeclared, home=first, sources_root=str(tmp_path / "mirror"))  # recorded in the lock file
    stored = keys(s3, "fetch-test/")
    assert f"fetch-test/raw/sha256/{files[1].sha256[:2]}/{files[1].sha256}" in stored
    assert f"fetch-test/raw/sha256/{files[0].sha256[:2]}/{files[0].sha256}/sub/b.txt" in stored
    assert "fetch-test/sources.lock.json" in stored

    # Another machine, no mirror and no network: everything comes from the bucket, verified.
    monkeypatch.setenv("MEDINST_WORKDIR", str(tmp_path / "second"))
    second = attach(url)
    assert second != first
    got = [fetch("demo", f, home=second, sources_root=None, retries=0) for f in files]
    assert (got[0] / "sub" / "b.txt").read_text() == "beta\n" and got[1].read_text() == "one\n"
    assert locked_digest(second, "demo", "one.txt") == files[1].sha256

    # A damaged object in the remote cache is fetched again from the mirror.
    s3.put_object(Bucket=BUCKET, Key=f"fetch-test/raw/sha256/{files[1].sha256[:2]}/{files[1].sha256}", Body=b"junk")
    monkeypatch.setenv("MEDINST_WORKDIR", str(tmp_path / "third"))
    third = attach(url)
    assert fetch("demo", files[1], home=third, sources_root=str(tmp_path / "mirror"), retries=0).read_text() == "one\n"
