"""Issue 16, case 10 (input size): a gzip bomb (8 MB that inflate to 8 GiB), a file that is one endless line
and a 200 MiB CSV field fail their source with the file, the line and the limit named, within bounded memory.

The hostile cases run the real parsers in a child process held to 4 GiB of address space (RLIMIT_AS): before
the fix they ran out of it (and, unbounded, were killed by the kernel's OOM killer without a message)."""

import gzip
import io
import json
import os
import resource
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from schemas.errors import SourceError
from transforms.parsers import csv_table
from transforms.parsers._common import InputFile

REPO = Path(__file__).resolve().parents[2]
MiB = 1 << 20
LINE_REFUSAL = ("the line has more than 67108864 bytes, the limit MEDINST_MAX_LINE_BYTES "
                "(set MEDINST_MAX_LINE_BYTES higher if the input is genuine)")
CSV_OPTIONS = {"family": "pairs", "columns": {"text_1": 1, "text_2": 2, "label": 3}}

# Parse one file with one parser and print the outcome: rows, or the SourceError.
PARSE = """
import json, sys
from pathlib import Path
from schemas.errors import SourceError
from transforms.parsers import {parser} as parser
from transforms.parsers._common import InputFile
try:
    frame = parser.parse([InputFile(Path(sys.argv[1]), sys.argv[2], "train")], json.loads(sys.argv[3]), "src")
    print("rows", frame.height)
except SourceError as e:
    print(e)
"""


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def _parse_in_child(parser: str, path: Path, name: str, options: dict | None = None, **env: str) -> str:
    """What the parser says of the file, parsed in a child process held to 4 GiB."""
    done = subprocess.run(
        [sys.executable, "-c", PARSE.format(parser=parser), str(path), name, json.dumps(options or {})],
        cwd=REPO, capture_output=True, text=True, timeout=600, preexec_fn=_limit_memory,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("MEDINST_MAX")}, **env},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """8 MB of gzip that inflate to 8 GiB of NUL bytes (128 gzip members of 64 MiB each): no line end anywhere."""
    member = gzip.compress(b"\0" * (64 * MiB), compresslevel=9)
    path = tmp_path_factory.mktemp("bomb") / "f0a1"  # the raw cache names files by digest
    path.write_bytes(member * 128)
    assert path.stat().st_size < 9_000_000
    return path


@pytest.mark.parametrize("parser, name, options", [
    ("pubtator", "bomb.PubTator.txt.gz", {}),  # text_lines
    ("jsonl_table", "bomb.jsonl.gz", {"columns": {"text_1": "a", "text_2": "b", "label": "c"}}),  # text_lines
    ("mcq_jsonl", "bomb.jsonl.gz", {}),  # line_chunks
    ("csv_table", "bomb.csv.gz", CSV_OPTIONS),  # line_chunks, Polars
])
def test_gzip_bomb_for_a_line_reader_is_one_endless_line(bomb, parser, name, options):
    assert _parse_in_child(parser, bomb, name, options) == f"src: {name}, line 1: {LINE_REFUSAL}"


@pytest.mark.parametrize("parser, name", [
    ("conll_iob", "bomb.conll.gz"),  # read_text: the whole file
    ("pubmedqa_json", "bomb.json.gz"),  # not JSON: read whole to name the line
])
def test_gzip_bomb_for_a_whole_file_reader_stops_at_the_decompressed_limit(bomb, parser, name):
    said = _parse_in_child(parser, bomb, name, MEDINST_MAX_DECOMPRESSED_BYTES=str(512 * MiB))
    assert said == (f"src: {name}: the file decompresses to more than 536870912 bytes, the limit "
                    "MEDINST_MAX_DECOMPRESSED_BYTES (set MEDINST_MAX_DECOMPRESSED_BYTES higher if the input is genuine)")


def test_gzip_bomb_of_one_json_string_stops_at_the_decompressed_limit(tmp_path):
    """PubMedQA's reader streams one JSON object (ijson): 8 GiB inside one string still stop at the limit."""
    path = tmp_path / "f0a2"
    path.write_bytes(gzip.compress(b'{"1": {"QUESTION": "') + gzip.compress(b"x" * (64 * MiB), compresslevel=9) * 128)
    said = _parse_in_child("pubmedqa_json", path, "ori_pqaa.json.gz", MEDINST_MAX_DECOMPRESSED_BYTES=str(16 * MiB))
    assert said == ("src: ori_pqaa.json.gz: the file decompresses to more than 16777216 bytes, the limit "
                    "MEDINST_MAX_DECOMPRESSED_BYTES (set MEDINST_MAX_DECOMPRESSED_BYTES higher if the input is genuine)")


def test_gzipped_files_under_the_limits_read_as_before(tmp_path):
    path = tmp_path / "f0a3"
    path.write_bytes(gzip.compress(b"0,How do I sleep?,How can I sleep better?,1\n" * 3))
    frame = csv_table.parse([InputFile(path, "mqp.csv.gz", "train")], {**CSV_OPTIONS, "header": False}, "src")
    assert frame["text_1"].to_list() == ["How do I sleep?"] * 3
    assert frame["source_line"].to_list() == [1, 2, 3]


def test_200_mib_csv_field_is_refused(tmp_path):
    """Unquoted, the fast (Polars) path: before the fix the piece of one line peaked at 4.5 GB."""
    path = tmp_path / "big.csv"
    with open(path, "wb") as f:
        f.write(b"id,question_1,question_2,label\n1,short,")
        f.write(b"a" * (200 * MiB))
        f.write(b",1\n")
    assert _parse_in_child("csv_table", path, "big.csv", CSV_OPTIONS) == f"src: big.csv, line 2: {LINE_REFUSAL}"


def test_200_mib_quoted_csv_field_is_refused(tmp_path):
    """Quoted, the csv module's path (a quote on line 2 sends the file there): its lines are bounded too."""
    path = tmp_path / "big.csv"
    with open(path, "wb") as f:
        f.write(b'id,question_1,question_2,label\n1,"a, b",c,0\n2,short,"')
        f.write(b"a" * (200 * MiB))
        f.write(b'",1\n')
    assert _parse_in_child("csv_table", path, "big.csv", CSV_OPTIONS) == f"src: big.csv, line 3: {LINE_REFUSAL}"


def test_quoted_field_over_many_lines_is_refused_past_the_line_limit(tmp_path, monkeypatch):
    """A quoted field may span lines: the csv module's field limit is the line limit, with the record's line."""
    monkeypatch.setenv("MEDINST_MAX_LINE_BYTES", str(MiB))
    path = tmp_path / "long.csv"
    path.write_text('id,question_1,question_2,label\n1,"a, b",c,0\n2,short,"' + "word\n" * 300_000 + '",1\n')
    with pytest.raises(SourceError) as err:
        csv_table.parse([InputFile(path, "long.csv", "train")], CSV_OPTIONS, "src")
    assert str(err.value) == ("src: long.csv, line 3: a field has more than 1048576 bytes, the limit "
                              "MEDINST_MAX_LINE_BYTES (set MEDINST_MAX_LINE_BYTES higher if the input is genuine)")


def test_quoted_field_longer_than_the_csv_module_default_reads(tmp_path):
    """Python's csv module refuses fields over 128 KiB by default; a real long text (300 KiB) reads."""
    text = "word " * 60_000
    path = tmp_path / "long.csv"
    path.write_text(f'id,question_1,question_2,label\n1,"{text}",other,1\n')
    frame = csv_table.parse([InputFile(path, "long.csv", "train")], CSV_OPTIONS, "src")
    assert frame["text_1"].to_list() == [text.strip()]


def _archive(path: Path, kind: str, members: dict[str, bytes]) -> Path:
    if kind == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in members.items():
                z.writestr(name, data)
    else:
        with tarfile.open(path, "w:gz") as t:
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_archive_member_past_the_decompressed_limit_is_refused(tmp_path, monkeypatch, kind):
    monkeypatch.setenv("MEDINST_MAX_DECOMPRESSED_BYTES", str(32 * MiB))
    small = b"id,question_1,question_2,label\n1,a,b,0\n"
    big = small + (b"2," + b"a" * 1000 + b",b,1\n") * 40_000  # 40 MiB
    path = _archive(tmp_path / f"a.{kind}", kind, {"data/small.csv": small, "data/big.csv": big})
    options = {**CSV_OPTIONS, "members": {"data/small.csv": "train", "data/big.csv": "test"}}
    with pytest.raises(SourceError) as err:
        csv_table.parse([InputFile(path, f"release.{kind}")], options, "src")
    assert str(err.value) == (f"src: release.{kind}/data/big.csv: the member decompresses to more than 33554432 "
                              "bytes, the limit MEDINST_MAX_DECOMPRESSED_BYTES (set MEDINST_MAX_DECOMPRESSED_BYTES "
                              "higher if the input is genuine)")
    monkeypatch.setenv("MEDINST_MAX_DECOMPRESSED_BYTES", str(64 * MiB))
    frame = csv_table.parse([InputFile(path, f"release.{kind}")], options, "src")
    assert frame.height == 2 + 40_000
