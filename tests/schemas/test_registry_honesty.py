"""The registry stays honest: every declared file can be had from somewhere a user can name, every step
it names exists, and every MedINST task is either rendered or explained."""

from pathlib import Path

import pytest

from flows.registry import load_checked_registry
from flows.settings import resolve

REPO = Path(__file__).resolve().parents[2]
CORPORA = REPO.parent / "shared" / "corpora"


@pytest.fixture(scope="module")
def registry():
    # Loading checks every parser and renderer name, option and type against the code (flows.registry).
    return load_checked_registry(resolve(registry=[]))


def test_every_declared_file_has_an_origin_or_manual_download_steps(registry):
    lacking = [f"{s.id}: {f.path}" for s in registry.values() for f in s.files if not (f.url or f.manual)]
    assert lacking == []


def test_every_medinst_task_has_a_renderer_or_says_why_not(registry):
    unexplained = [f"{s.id}: {t.name}" for s in registry.values() for t in s.tasks
                   if t.in_medinst and not t.renderer and not t.availability and not s.availability]
    assert unexplained == []


def test_all_163_medinst_tasks_are_declared(registry):
    assert sum(t.in_medinst for s in registry.values() for t in s.tasks) == 163


def test_no_entry_is_left_without_a_download_for_want_of_declaring_one(registry):
    """A source without files is one whose release is truly gone or never published; its reason says so."""
    for spec in registry.values():
        text = " ".join((spec.availability or "").split()).lower()
        assert "no pinned download declared yet" not in text, spec.id
        if not spec.files:
            assert len(text) > 60, f"{spec.id}: a source without files must say exactly why"


def _in_mirror(source: str, path: str) -> bool:
    return (CORPORA / source / path).exists()


def test_a_source_never_built_from_its_real_files_here_says_so(registry):
    """`untested` is set where a file is not in the corpora mirror (required: always; optional: it may say
    that the mirror's part was built and the rest not), and only there."""
    for spec in registry.values():
        if not spec.files:
            continue
        required = [f.path for f in spec.files if not f.optional and not _in_mirror(spec.id, f.path)]
        optional = [f.path for f in spec.files if f.optional and not _in_mirror(spec.id, f.path)]
        if required:
            assert spec.untested, (spec.id, required)
        if not required and not optional:
            assert not spec.untested, spec.id


def test_a_file_of_the_mirror_carries_its_digest(registry):
    """Mirror files were hashed when the mirror was made (SOURCE.md); only files never seen here lack one."""
    missing = [f"{s.id}: {f.path}" for s in registry.values() for f in s.files
               if _in_mirror(s.id, f.path) and not f.sha256]
    assert missing == []
