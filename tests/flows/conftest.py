"""The whole corpora mirror built once per test session, for every test that reads its warehouse."""

import os

import pytest

from flows.build import build
from warehouse.catalog import query
from warehouse.layout import current_build


@pytest.fixture(scope="session")
def mirror_build(prefect_server, corpora, tmp_path_factory):
    """(home, the build's result) of one build of every declared source from the mirror.

    While developing, MEDINST_TEST_SOURCES=a,b narrows it to those sources (the full suite needs all).
    A test that publishes over this home must leave the other sources' rows as they were.
    """
    only = [s for s in os.environ.get("MEDINST_TEST_SOURCES", "").split(",") if s] or None
    home = tmp_path_factory.mktemp("mirror-home")
    return home, build(only=only, home=str(home), sources_root=str(corpora))


@pytest.fixture(scope="session")
def mirror_sql(mirror_build):
    """Run a query over the mirror build's published warehouse: its rows as tuples."""
    home, _ = mirror_build
    return lambda text: query(current_build(home), text)[1]


@pytest.fixture(scope="session")
def mirror_counts(mirror_sql) -> dict[tuple[str, str], int]:
    """Rows per (task, split) in the mirror build."""
    return {(task, split): n for task, split, n in mirror_sql("select task, split, count(*) from instructions group by all")}
