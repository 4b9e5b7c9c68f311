"""Building a registry entry from a miniature of its release.

Most sources outside the corpora mirror were never built from their real files here. Their tests write a
miniature release by hand, after the format's documentation, with the same layout (archive, members, file
names) as the real one; `miniature` serves it over HTTP at the declared origin's path and builds the
registry's own YAML from it: fetch (member extraction included), parse, render, validate.
"""

import shutil
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from flows.build import with_locked_digests
from flows.settings import BUILTIN_REGISTRY
from schemas.registry import SourceSpec, load_source
from transforms.pipeline import SourceRun, process_source
from warehouse.fetch import fetch


@dataclass
class Built:
    spec: SourceSpec
    run: SourceRun
    rows: pl.DataFrame  # the valid instruction rows of every task

    def task(self, name: str, split: str | None = None) -> pl.DataFrame:
        """One task's rows (in one split), in the order they were rendered."""
        rows = self.rows.filter(pl.col("task") == name)
        return rows if split is None else rows.filter(pl.col("split") == split)

    def counts(self) -> dict[tuple[str, str], int]:
        """Rows per (task, split)."""
        return {(t, s): n for t, s, n in self.rows.group_by("task", "split").len().iter_rows()}


@pytest.fixture
def miniature(tmp_path, serve):
    """build(source_id, releases, manual={}) -> Built.

    `releases` maps each declared origin URL (exactly as the YAML has it) to the local file standing in
    for it; `manual` maps a manual download's declared path to its local stand-in. Declared files whose
    URL is not given are left out (a test of part of a release). Digests are not checked: the real
    files' digests are unknown here (the lock records them on first download).
    """

    def build(source_id: str, releases: dict[str, Path], manual: dict[str, Path] | None = None) -> Built:
        spec = load_source(BUILTIN_REGISTRY / f"{source_id}.yaml")
        origin = tmp_path / "origin"
        for url, local in releases.items():
            parts = urllib.parse.urlsplit(url)
            dest = origin / parts.netloc / parts.path.lstrip("/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(local, dest)
        base = serve(origin)
        manual_root = tmp_path / "manual"
        for path, local in (manual or {}).items():
            (manual_root / source_id / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(local, manual_root / source_id / path)
        files = []
        for f in spec.files:
            if f.url in releases:
                parts = urllib.parse.urlsplit(f.url)
                files.append(f.model_copy(update={"url": f"{base}/{parts.netloc}{parts.path}", "sha256": None}))
            elif f.path in (manual or {}):
                files.append(f.model_copy(update={"sha256": None}))
        assert files, f"{source_id}: none of the declared files was given"
        spec = spec.model_copy(update={"files": files})
        home = tmp_path / "home"
        local = {f.path: fetch(source_id, f, home=home, manual_root=str(manual_root), retries=0)
                 for f in files}
        spec = with_locked_digests(spec, home)  # rows carry their file's digest, recorded by the first fetch
        parts: list[pl.DataFrame] = []
        scratch = tmp_path / "scratch"
        scratch.mkdir(exist_ok=True)
        run = process_source(spec, local, "test", scratch, parts.append)
        rows = pl.concat(parts) if parts else pl.DataFrame()
        return Built(spec, run, rows)

    return build
