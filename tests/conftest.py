import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPORA = REPO.parent / "shared" / "corpora"

# Keep Prefect's state (its SQLite database, logs) out of the user's home and quiet in tests.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture(scope="session")
def corpora() -> Path:
    """The real corpora mirror beside the project (../shared/corpora)."""
    if not (CORPORA / "ncbi_disease").is_dir():
        pytest.fail(f"the corpora mirror is missing at {CORPORA}: the integration tests need it")
    return CORPORA


@pytest.fixture(scope="session")
def prefect_server():
    """One Prefect test server for the whole session (it takes about 10 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield
