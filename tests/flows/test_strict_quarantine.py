"""`strict=True` fails a source on any quarantined row, even one its `max_quarantined` allows."""

import pytest

from flows.build import BuildFailed, build
from warehouse.catalog import query
from warehouse.layout import current_build

pytestmark = pytest.mark.integration

# ddi_corpus declares `max_quarantined: 1` for its one document with a bad entity offset.
BAD_FILE = "Train/DrugBank/Eszopiclone_ddi.xml"
CHECK = "entity offsets reproduce the text"


def test_strict_fails_on_an_allowed_quarantined_row(prefect_server, corpora, tmp_path):
    home = tmp_path / "home"
    with pytest.raises(BuildFailed) as failed:
        build(only=["ddi_corpus"], strict=True, home=str(home), sources_root=str(corpora))
    message = str(failed.value)
    assert "ddi_corpus" in message and "--strict" in message
    assert CHECK in message
    assert f"{BAD_FILE}, line " in message  # the file and the line the record starts on
    assert "the published warehouse is unchanged" in message
    assert current_build(home) is None

    # Without strict the row is allowed: the build publishes and the quarantine view says why.
    # (The staged source is reused from the cache: strict must fail a cached result too, checked last.)
    result = build(only=["ddi_corpus"], home=str(home), sources_root=str(corpora))
    build_dir = current_build(home)
    assert build_dir is not None and build_dir.name == result["build_id"]
    _, rows = query(build_dir, "select source, stage, reason, file, line from quarantine")
    assert len(rows) == 1
    source, stage, reason, file, line = rows[0]
    assert (source, stage, reason, file) == ("ddi_corpus", "family", CHECK, BAD_FILE)
    assert isinstance(line, int) and line >= 1

    with pytest.raises(BuildFailed, match=r"ddi_corpus.*--strict"):
        build(only=["ddi_corpus"], strict=True, home=str(home), sources_root=str(corpora))
    assert current_build(home) == build_dir  # the published warehouse untouched
