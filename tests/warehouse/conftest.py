import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


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
