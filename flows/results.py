"""Where the build's cached task results live (MEDINST_HOME/prefect-results), kept as JSON data only.

Prefect decodes a result file with the serializer that the *file* names: a file claiming `pickle`
is unpickled whatever the task says, and the JSON serializer's default decoder imports the classes a
file names. Whoever can write the home (an s3:// bucket) could so run code on the next build. Here
results are written with `SERIALIZER` (plain `json`, no object hooks: a result is a dict of plain
values) and the storage blocks below refuse to read back anything else; Prefect then sees no cached
result, recomputes the source and overwrites the file.
"""

import hashlib
import json
from pathlib import Path

from prefect.filesystems import LocalFileSystem, RemoteFileSystem
from prefect.logging import get_logger
from prefect.serializers import JSONSerializer

from warehouse.storage import join, remote_of

SERIALIZER = JSONSerializer(object_encoder=None, object_decoder=None)
_OURS = SERIALIZER.model_dump(mode="json")
log = get_logger("medinst.results")


def checked(content: bytes, path: str) -> bytes:
    """`content` if it is a result record written with SERIALIZER; else a ValueError (and a warning)."""
    try:
        serializer = json.loads(content)["metadata"]["serializer"]
    except (ValueError, TypeError, KeyError):  # not JSON (a pickle, say), or not a result record
        serializer = None
    if serializer != _OURS:
        log.warning("refused the cached result %s: not a JSON result of medinst (serializer %s); recomputing",
                    path, serializer.get("type") if isinstance(serializer, dict) else "unknown")
        raise ValueError(f"{path}: not a JSON result of medinst; refused")
    return content


class _JsonOnly:
    """Reads back only what `checked` accepts (Prefect calls read_path with _sync=True, or aread_path)."""

    def read_path(self, path: str, _sync: bool | None = None) -> bytes:
        return checked(super().read_path(path, _sync=True), path)

    async def aread_path(self, path: str) -> bytes:
        return checked(await super().aread_path(path), path)


class LocalJsonResults(_JsonOnly, LocalFileSystem):
    _block_type_name = "MedINST Local JSON Results"


class RemoteJsonResults(_JsonOnly, RemoteFileSystem):
    _block_type_name = "MedINST Remote JSON Results"


def result_storage(home: Path) -> str:
    """A results block for this MEDINST_HOME, so cached task results live beside the data.

    For a remote home, on `<url>/prefect-results`: the store's credentials and endpoint come from
    each process's environment and are not saved in the block.
    """
    remote = remote_of(home)
    name = "medinst-results-" + hashlib.sha256((remote or str(home)).encode()).hexdigest()[:12]
    block = (RemoteJsonResults(basepath=join(remote, "prefect-results")) if remote
             else LocalJsonResults(basepath=str(home / "prefect-results")))
    block.save(name, overwrite=True)
    return f"{block.get_block_type_slug()}/{name}"
