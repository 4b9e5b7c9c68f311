"""Writing miniature releases: archives with the members a test gives (text or bytes)."""

import io
import tarfile
import zipfile
from pathlib import Path


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
