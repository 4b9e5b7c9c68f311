"""Download safety over local http.servers: digests, redirects to another host, truncated bodies."""

import hashlib
import json
import logging
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler
from pathlib import Path

import pytest

from schemas.errors import FetchUnavailable, SourceError
from schemas.registry import FileSpec
from warehouse.fetch import cache_path, fetch
from warehouse.lock import lock_path

BODY = b"token\tO\nfever\tB-Disease\n" * 40
BODY_SHA = hashlib.sha256(BODY).hexdigest()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Redirect(BaseHTTPRequestHandler):
    location = ""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", type(self).location + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _Truncating(BaseHTTPRequestHandler):
    """Announces the whole body, sends a tenth of it and closes the connection."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY[: len(BODY) // 10])
        self.wfile.flush()
        self.close_connection = True


def _cache_is_empty(home: Path) -> bool:
    root = home / "raw" / "sha256"
    return not root.exists() or list(root.iterdir()) == []


def test_a_digest_mismatch_is_refused_with_both_digests(serve, tmp_path):
    (tmp_path / "srv").mkdir()
    (tmp_path / "srv" / "f.tsv").write_bytes(BODY)
    origin = serve(tmp_path / "srv", _Quiet)
    wrong = "1" * 64
    with pytest.raises(SourceError, match=f"sha256 mismatch .*expected {wrong}, got {BODY_SHA}") as err:
        fetch("src", FileSpec(path="f.tsv", url=f"{origin}/f.tsv", sha256=wrong), home=tmp_path / "home")
    assert not isinstance(err.value, FetchUnavailable) and err.value.file == "f.tsv"
    assert _cache_is_empty(tmp_path / "home")


def test_a_redirect_to_another_host_is_warned_about_and_recorded(serve, tmp_path, caplog):
    (tmp_path / "srv").mkdir()
    (tmp_path / "srv" / "f.tsv").write_bytes(BODY)
    try:
        other = serve(tmp_path / "srv", _Quiet, host="127.0.0.2")
    except OSError:  # a loopback without 127.0.0.2: another port is another host:port all the same
        other = serve(tmp_path / "srv", _Quiet)
    handler = type("R", (_Redirect,), {"location": other})
    first = serve(handler=handler)
    home = tmp_path / "home"
    with caplog.at_level(logging.WARNING, logger="warehouse.fetch"):
        got = fetch("src", FileSpec(path="f.tsv", url=f"{first}/f.tsv", sha256=BODY_SHA), home=home)
    assert got.read_bytes() == BODY
    a, b = first.removeprefix("http://"), other.removeprefix("http://")
    warning = [r.getMessage() for r in caplog.records if "redirected" in r.getMessage()]
    assert len(warning) == 1 and f"from host {a} to host {b}" in warning[0]
    [line] = (home / "fetch-redirects.jsonl").read_text().splitlines()
    record = json.loads(line)
    assert (record["source"], record["file"], record["from_host"], record["to_host"]) == ("src", "f.tsv", a, b)
    assert record["location"] == f"{other}/f.tsv"


class _Moved(_Quiet):
    def do_GET(self):
        if self.path == "/old.tsv":  # a relative Location: the same host and port
            self.send_response(302)
            self.send_header("Location", "/f.tsv")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()


def test_a_redirect_within_the_host_is_followed_silently(serve, tmp_path, caplog):
    (tmp_path / "srv").mkdir()
    (tmp_path / "srv" / "f.tsv").write_bytes(BODY)
    origin = serve(tmp_path / "srv", _Moved)
    home = tmp_path / "home"
    with caplog.at_level(logging.WARNING, logger="warehouse.fetch"):
        got = fetch("src", FileSpec(path="f.tsv", url=f"{origin}/old.tsv", sha256=BODY_SHA), home=home)
    assert got.read_bytes() == BODY
    assert not [r for r in caplog.records if "redirected" in r.getMessage()]
    assert not (home / "fetch-redirects.jsonl").exists()


@pytest.mark.parametrize("pinned", [True, False], ids=["declared-digest", "no-digest"])
def test_a_truncated_download_never_enters_the_cache(pinned, serve, tmp_path):
    origin = serve(handler=_Truncating)
    home = tmp_path / "home"
    file = FileSpec(path="f.tsv", url=f"{origin}/f.tsv", sha256=BODY_SHA if pinned else None)
    with pytest.raises(FetchUnavailable) as err:
        fetch("src", file, home=home, retries=1, backoff=0.01)
    message = str(err.value)
    assert f"could not fetch {origin}/f.tsv after 2 tries" in message
    assert f"got {len(BODY) // 10} of {len(BODY)} bytes" in message or "IncompleteRead" in message
    assert _cache_is_empty(home)
    assert not cache_path(home, BODY_SHA).exists()
    assert not lock_path(home).exists()  # no digest of half a file was recorded
