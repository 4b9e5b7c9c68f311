"""Helpers the tests share (tests/ is on sys.path through its conftest.py): miniature archives with the members
a test gives (text or bytes), and registry copies with one source changed."""

import io
import tarfile
import zipfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def zip_of(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def tar_of(path: Path, members: dict[str, str | bytes], mode: str = "w:gz") -> Path:
    """A tar archive (mode "w:gz" gzipped, "w" plain)."""
    with tarfile.open(path, mode) as tar:
        for name, data in members.items():
            data = data.encode("utf-8") if isinstance(data, str) else data
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def registry_copy(tmp_path: Path, source: str, edit) -> Path:
    """A registry folder (tmp_path/registry) redeclaring one shipped source, changed by `edit(dict)`."""
    folder = tmp_path / "registry"
    folder.mkdir(exist_ok=True)
    data = yaml.safe_load((REPO / "sources" / f"{source}.yaml").read_text())
    edit(data)
    (folder / f"{source}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder
