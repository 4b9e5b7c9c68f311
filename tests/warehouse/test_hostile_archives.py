"""Hostile archives served from a local http.server are refused, and nothing lands outside the cache.

Each test builds its archive on the spot. Refused kinds (ARCHIVE_KINDS): zip and tar members named
with `..` or an absolute path, zip symlinks, tar symlinks, hard links and device/fifo entries, and
zip and tar archives whose members decompress to more than `warehouse.fetch.MAX_ARCHIVE_BYTES`.
"""

import io
import tarfile
import uuid
import zipfile
from pathlib import Path

import pytest

import warehouse.fetch as fetch_module
from schemas.errors import FetchUnavailable, SourceError
from schemas.registry import FileSpec
from warehouse.fetch import fetch


def _zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    blob = io.BytesIO()
    with zipfile.ZipFile(blob, "w") as z:
        for info, data in entries:
            z.writestr(info, data)
    return blob.getvalue()


def _tar(entries: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    blob = io.BytesIO()
    with tarfile.open(fileobj=blob, mode="w:gz") as t:
        for info, data in entries:
            if data is not None:
                info.size = len(data)
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return blob.getvalue()


def _tarinfo(name: str, type_=tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = type_, linkname, 0o644
    return info


def _zip_symlink(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o120777 << 16)
    return info, target.encode()


ESCAPE = "escaped-" + uuid.uuid4().hex  # a name no run of these tests could have left anywhere
GOOD = ("data/ok.txt", b"fine\n")


def _hostile() -> dict[str, tuple[str, bytes, str]]:
    """kind -> (archive file name, archive bytes, what the refusal says)."""
    up = "../../../../../../" + ESCAPE + ".txt"
    absolute = f"/tmp/{ESCAPE}.txt"
    return {
        "zip-dotdot": ("a.zip", _zip([GOOD, (up, b"x")]), "'..' path component"),
        "zip-absolute": ("a.zip", _zip([GOOD, (absolute, b"x")]), "absolute path"),
        "zip-symlink": ("a.zip", _zip([GOOD, _zip_symlink("data/link", "/etc/passwd")]), "symbolic link"),
        "zip-bomb": ("a.zip", _zip([GOOD, ("data/big.bin", b"\0" * 50_000)]), "decompress to more than"),
        "tar-dotdot": ("a.tar.gz", _tar([(_tarinfo(GOOD[0]), GOOD[1]), (_tarinfo(up), b"x")]), "'..' path component"),
        "tar-absolute": ("a.tar.gz", _tar([(_tarinfo(GOOD[0]), GOOD[1]), (_tarinfo(absolute), b"x")]), "absolute path"),
        "tar-symlink": ("a.tar.gz", _tar([(_tarinfo(GOOD[0]), GOOD[1]),
                                          (_tarinfo("data/link", tarfile.SYMTYPE, "/etc/passwd"), None)]),
                        "symbolic link"),
        "tar-hardlink": ("a.tar.gz", _tar([(_tarinfo(GOOD[0]), GOOD[1]),
                                           (_tarinfo("data/hard", tarfile.LNKTYPE, "/etc/passwd"), None)]),
                         "hard link"),
        "tar-fifo": ("a.tar.gz", _tar([(_tarinfo(GOOD[0]), GOOD[1]), (_tarinfo("data/pipe", tarfile.FIFOTYPE), None)]),
                     "not a regular file"),
        "tar-bomb": ("a.tar.gz", _tar([(_tarinfo(GOOD[0]), GOOD[1]), (_tarinfo("data/big.bin"), b"\0" * 50_000)]),
                     "decompress to more than"),
    }


ARCHIVE_KINDS = sorted(_hostile())


def _escaped(roots: list[Path]) -> list[Path]:
    found = []
    for root in roots:
        found += [p for p in root.rglob(f"{ESCAPE}*")]
    return found + [p for p in Path("/tmp").glob(f"{ESCAPE}*")]


@pytest.mark.parametrize("as_folder", [False, True], ids=["member-file", "member-folder"])
@pytest.mark.parametrize("kind", ARCHIVE_KINDS)
def test_a_hostile_archive_is_refused_and_writes_nothing_outside_the_cache(kind, as_folder, serve, tmp_path,
                                                                           monkeypatch):
    monkeypatch.setattr(fetch_module, "MAX_ARCHIVE_BYTES", 10_000)
    name, blob, says = _hostile()[kind]
    served = tmp_path / "origin"
    served.mkdir()
    (served / name).write_bytes(blob)
    home = tmp_path / "deep" / "er" / "home"  # '..' members would climb out through these parents
    file = FileSpec(path="ok", url=f"{serve(served)}/{name}", member="data" if as_folder else GOOD[0],
                    kind="directory" if as_folder else "file")
    with pytest.raises(SourceError) as err:
        fetch("hostile_src", file, home=home, retries=0)
    assert not isinstance(err.value, FetchUnavailable)  # bad content fails the build, it is not skipped
    assert err.value.source == "hostile_src" and err.value.file == "ok"
    assert says in str(err.value) and "refused archive" in str(err.value)
    if "bomb" not in kind:
        assert "member '" in str(err.value)  # names the member
    assert _escaped([tmp_path, tmp_path.parent]) == []
    assert list((home / "raw" / "sha256").iterdir()) == []  # no cache entry, no staging left over
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep", "origin"]


@pytest.mark.parametrize("suffix", ["zip", "tar.gz"])
def test_a_benign_archive_still_extracts_a_member_and_a_folder(suffix, serve, tmp_path):
    entries = [("data/a.txt", b"alpha\n"), ("data/sub/b.txt", b"beta\n"), ("other.txt", b"o\n")]
    if suffix == "zip":
        blob = _zip(entries)
    else:
        blob = _tar([(_tarinfo("data", tarfile.DIRTYPE), None)] + [(_tarinfo(n), d) for n, d in entries])
    served = tmp_path / "origin"
    served.mkdir()
    (served / f"b.{suffix}").write_bytes(blob)
    url = f"{serve(served)}/b.{suffix}"
    one = fetch("benign", FileSpec(path="a.txt", url=url, member="data/a.txt"), home=tmp_path / "home")
    assert one.read_bytes() == b"alpha\n"
    tree = fetch("benign", FileSpec(path="data", url=url, member="data", kind="directory"), home=tmp_path / "home")
    assert sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file()) == ["a.txt", "sub/b.txt"]


def test_the_kinds_refused():
    assert len(ARCHIVE_KINDS) == 10
