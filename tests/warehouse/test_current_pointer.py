"""warehouse/CURRENT: one clear error when it names no build, the mode of every other file when written
(issue 16, case 13); the builds themselves are real folders with a catalog file."""

import os
from pathlib import Path

import pytest

from warehouse.layout import BrokenCurrent, builds_dir, current_build, last_published, published_log, switch_current


def published(home: Path, *ids: str) -> None:
    for build_id in ids:
        folder = builds_dir(home) / build_id
        folder.mkdir(parents=True)
        (folder / "catalog.duckdb").write_bytes(b"")
        switch_current(home, build_id)
        with open(published_log(home), "a") as log:
            log.write(build_id + "\n")


def test_no_current_before_the_first_build(tmp_path):
    assert current_build(tmp_path) is None and last_published(tmp_path) is None


@pytest.mark.parametrize("text", ["garbage\n", "", "\n", "../../etc\n", ".hidden\n", "a/b\n",
                                  "20991231T000000000000Z-0000000000\n"])
def test_a_current_naming_no_build_is_one_clear_error(tmp_path, text):
    published(tmp_path, "20260101T000000000000Z-aaaaaaaaaa")
    (tmp_path / "warehouse" / "CURRENT").write_text(text)
    with pytest.raises(BrokenCurrent) as e:
        current_build(tmp_path)
    assert str(e.value) == (f"{tmp_path}/warehouse/CURRENT names no published build ({text.strip()!r}): "
                            "run `medinst build` to publish one")
    assert last_published(tmp_path) == builds_dir(tmp_path) / "20260101T000000000000Z-aaaaaaaaaa"


def test_last_published_skips_builds_that_are_gone(tmp_path):
    published(tmp_path, "20260101T000000000000Z-aaaaaaaaaa", "20260102T000000000000Z-bbbbbbbbbb")
    (builds_dir(tmp_path) / "20260102T000000000000Z-bbbbbbbbbb" / "catalog.duckdb").unlink()
    assert last_published(tmp_path).name == "20260101T000000000000Z-aaaaaaaaaa"


def test_current_gets_the_mode_of_every_other_file(tmp_path):
    old = os.umask(0o027)
    try:
        published(tmp_path, "20260101T000000000000Z-aaaaaaaaaa")
        (tmp_path / "other").write_text("x")
    finally:
        os.umask(old)
    mode = (tmp_path / "warehouse" / "CURRENT").stat().st_mode & 0o777
    assert mode == (tmp_path / "other").stat().st_mode & 0o777 == 0o640
    assert current_build(tmp_path).name == "20260101T000000000000Z-aaaaaaaaaa"
