"""Persisted task results (MEDINST_HOME/prefect-results) are data: JSON written, and only JSON of our
own serializer read back. A crafted result file (a pickle that runs code, or JSON naming a decoder to
import) is never deserialized: the source is recomputed and its result file rewritten as JSON."""

import asyncio
import json
from pathlib import Path

import pytest
from prefect._internal.result_records import ResultRecord, ResultRecordMetadata
from prefect.serializers import PickleSerializer

from flows.build import build
from flows.results import SERIALIZER, LocalJsonResults, RemoteJsonResults

pytestmark = pytest.mark.integration


class RunsCode:
    """Unpickling this runs code: it writes the file named by `marker`."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return exec, (f"open({str(self.marker)!r}, 'w').write('code ran')",)


def result_file(home: Path, source: str) -> Path:
    (path,) = (home / "prefect-results").glob(f"build-source-{source}-*")
    return path


def pickled(path: Path, marker: Path) -> bytes:
    """The record Prefect writes with its default (cloudpickle) serializer, holding an object that runs code."""
    metadata = ResultRecordMetadata(storage_key=str(path), serializer=PickleSerializer(picklelib="cloudpickle"))
    return ResultRecord(metadata=metadata, result=RunsCode(marker)).serialize()


def json_with_decoder(path: Path, marker: Path) -> bytes:
    """A JSON record whose serializer names code to import and call while decoding."""
    record = json.loads(path.read_bytes())
    record["metadata"]["serializer"] = {"type": "json", "jsonlib": "json",
                                        "object_decoder": "prefect.serializers.prefect_json_object_decoder"}
    record["result"] = json.dumps({"__class__": "pathlib.Path", "data": str(marker)})
    return json.dumps(record).encode()


@pytest.mark.parametrize("crafted", [pickled, json_with_decoder])
def test_a_crafted_result_file_is_never_deserialized(prefect_server, corpora, tmp_path, crafted):
    home, marker = tmp_path / "home", tmp_path / "code-ran"
    first = build(only=["biosses"], home=str(home), sources_root=str(corpora))
    path = result_file(home, "biosses")
    record = json.loads(path.read_bytes())  # written as JSON, by our serializer, holding plain data
    assert record["metadata"]["serializer"]["type"] == "json"
    assert json.loads(record["result"])["source"] == "biosses"

    path.write_bytes(crafted(path, marker))
    second = build(only=["biosses"], home=str(home), sources_root=str(corpora))
    assert not marker.exists()
    assert [(s["source"], s["rows"], s["cache"]) for s in second["sources"]] == [("biosses", 100, "rebuilt")]
    assert [s["rows"] for s in first["sources"]] == [100]
    record = json.loads(path.read_bytes())  # healed: the crafted file was replaced by a JSON result
    assert json.loads(record["result"])["source"] == "biosses"

    third = build(only=["biosses"], home=str(home), sources_root=str(corpora))
    assert [s["cache"] for s in third["sources"]] == ["cached"]  # our own JSON results are reused


@pytest.mark.parametrize("remote", [False, True])
def test_both_result_blocks_read_back_only_our_json(tmp_path, remote):
    """The local block and the one for an s3:// home (here on fsspec's in-memory file system) alike."""
    block = (RemoteJsonResults(basepath=f"memory://{tmp_path.name}/prefect-results") if remote
             else LocalJsonResults(basepath=str(tmp_path / "prefect-results")))
    ours = ResultRecord(metadata=ResultRecordMetadata(storage_key="k", serializer=SERIALIZER), result={"rows": 1})
    block.write_path("ours", ours.serialize(), _sync=True)
    assert ResultRecord.deserialize(block.read_path("ours", _sync=True)).result == {"rows": 1}
    block.write_path("crafted", pickled(Path("k"), tmp_path / "code-ran"), _sync=True)
    with pytest.raises(ValueError, match="crafted: not a JSON result of medinst; refused"):
        block.read_path("crafted", _sync=True)
    with pytest.raises(ValueError, match="not a JSON result of medinst"):  # the async read, as async tasks use
        asyncio.run(block.aread_path("crafted"))
    assert not (tmp_path / "code-ran").exists()
