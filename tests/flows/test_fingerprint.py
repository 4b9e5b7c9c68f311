"""The cache key (flows.fingerprint) covers every module of ours that a source's parser and renderers
run, including helpers they import from other modules: a changed helper rebuilds the source."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def fingerprint_in(code: Path, source: str) -> str:
    """The fingerprint of a shipped source, computed by the code in `code` (a copy of the project's packages)."""
    script = ("from pathlib import Path; from flows.fingerprint import fingerprint; from schemas.registry import load_source; "
              f"print(fingerprint(load_source(Path({str(REPO / 'sources' / f'{source}.yaml')!r})), '1.0'))")
    done = subprocess.run([sys.executable, "-c", script], cwd=code, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def code(tmp_path) -> Path:
    """A copy of the project's packages, to edit; `python -c` run in it imports the copy, not the checkout."""
    for package in ("flows", "transforms", "schemas", "warehouse"):
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


# (source, a module its parser or renderer imports from elsewhere, a module it does not use)
CASES = [
    ("bionlp_st_2016_ge", "transforms/parsers/brat.py", "transforms/parsers/ddi_xml.py"),  # pubannotation_json_v1
    ("meqsum", "transforms/parsers/csv_table.py", "transforms/parsers/jsonl_table.py"),  # xlsx_table_v1
    ("gad", "transforms/render/te.py", "transforms/render/ner.py"),  # pairclass_v1
]


@pytest.mark.parametrize(("source", "helper", "unrelated"), CASES)
def test_a_changed_helper_changes_the_fingerprint(code, source, helper, unrelated):
    before = fingerprint_in(code, source)
    with open(code / unrelated, "a") as f:
        f.write("\n# a change in a module this source does not run\n")
    assert fingerprint_in(code, source) == before
    with open(code / helper, "a") as f:
        f.write("\n# a change in a helper that this source's parser or renderer imports\n")
    assert fingerprint_in(code, source) != before
