import functools
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPORA = REPO.parent / "shared" / "corpora"

# Keep Prefect's state (its SQLite database, logs) out of the user's home and quiet in tests.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Builds never reach a real origin from a test (on a machine with internet they would download whole corpora):
# they read the mirror and files served by the tests themselves. A test of origins passes offline=False.
os.environ.setdefault("MEDINST_OFFLINE", "1")


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


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves a folder without logging each request."""

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    """Start an http.server on `host` with `handler` (serving `directory` when given); returns its base
    URL. Stopped after the test."""
    servers = []

    def start(directory: Path | None = None, handler=QuietHandler, host: str = "127.0.0.1") -> str:
        factory = functools.partial(handler, directory=str(directory)) if directory is not None else handler
        server = ThreadingHTTPServer((host, 0), factory)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://{host}:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
