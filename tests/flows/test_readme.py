"""The README's worked example of adding a corpus without code, run as written."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
pytestmark = pytest.mark.integration


def test_worked_example_prints_what_the_readme_says(tmp_path):
    text = README.read_text()
    section = text[text.index("## Adding a corpus without code") :]
    script, expected = re.findall(r"```(?:sh)?\n(.*?)```", section, flags=re.S)[:2]
    script = script.replace(".venv/bin/medinst", f"{sys.executable} -m flows")
    run = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.endswith(expected)
