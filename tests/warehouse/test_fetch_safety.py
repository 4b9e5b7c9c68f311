"""Issue 16, cases 4, 7 and 8: a full disk of ours is not a skip, declared paths stay inside their source's
mirror folder, and credentials in a mirror URL are used but never shown or stored."""

import base64
import hashlib
import json
import logging
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

import pytest

from schemas.errors import FetchUnavailable, SourceError
from schemas.registry import FileSpec
from warehouse.fetch import _record_redirect, _try, fetch, sha256_tree
from warehouse.lock import lock_path
from warehouse.redact import redact

TOKEN = "planted-token-16"
BODY = b"token\tO\nfever\tB-Disease\n" * 40
BODY_SHA = hashlib.sha256(BODY).hexdigest()


def _cache_files(home: Path) -> list[Path]:
    root = home / "raw" / "sha256"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- case 4: an I/O failure of our own is not "cannot be fetched" ---------------------------------

def test_a_full_disk_of_ours_is_an_error_not_a_skip_reason_and_is_not_retried():
    """/dev/full answers every write with a real ENOSPC from the kernel."""
    attempts = []

    def write_to_a_full_disk():
        attempts.append(1)
        with open("/dev/full", "wb") as f:
            f.write(b"x" * 4096)

    with pytest.raises(SourceError) as err:
        _try(write_to_a_full_disk, "http://mirror.example/hoc/hoc.tsv", retries=3, backoff=0.01, source_id="hoc",
             file="hoc.tsv")
    assert not isinstance(err.value, FetchUnavailable)
    assert err.value.source == "hoc" and err.value.file == "hoc.tsv"
    assert "No space left on device" in str(err.value) and "not a failure of the source" in str(err.value)
    assert attempts == [1]


def test_an_unreachable_host_is_still_a_skip_reason():
    def refused():
        raise ConnectionRefusedError(111, "Connection refused")

    reason = _try(refused, "http://mirror.example/hoc/hoc.tsv", retries=1, backoff=0.01, source_id="hoc",
                  file="hoc.tsv")
    assert reason == ("unreachable",
                      "could not fetch http://mirror.example/hoc/hoc.tsv after 2 tries: [Errno 111] Connection refused")


def test_no_right_to_write_the_staging_folder_is_ours_and_a_refused_mirror_read_is_the_source_s(tmp_path):
    """Root ignores file modes here, so the PermissionErrors are raised as the OS would raise them."""
    staging = tmp_path / "raw" / "sha256" / ".fetch-x"

    def cannot_write():
        raise PermissionError(13, "Permission denied", str(staging / "content"))

    def access_denied_by_the_mirror():  # what s3fs raises for a bucket's AccessDenied
        raise PermissionError(13, "Access Denied", "bucket/corpora/hoc/hoc.tsv")

    with pytest.raises(SourceError, match=r"hoc: hoc.tsv: fetching s3://bucket/corpora/hoc/hoc.tsv failed on this "
                                          r"machine: \[Errno 13\] Permission denied"):
        _try(cannot_write, "s3://bucket/corpora/hoc/hoc.tsv", 3, 0.01, "hoc", "hoc.tsv", staging)
    assert _try(access_denied_by_the_mirror, "s3://bucket/corpora/hoc/hoc.tsv", 0, 0.01, "hoc", "hoc.tsv",
                staging)[1].startswith("could not fetch s3://bucket/corpora/hoc/hoc.tsv after 1 tries: [Errno 13]")


# --- case 7: declared paths stay inside <root>/<source_id>/ ---------------------------------------

def test_a_mirror_file_that_is_a_link_out_of_its_source_folder_is_refused(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "demo").mkdir(parents=True)
    (mirror / "demo" / "passwd").symlink_to("/etc/passwd")
    unpinned = FileSpec(path="passwd", url="https://example.invalid/demo/passwd")
    with pytest.raises(SourceError, match=r"demo: passwd: refused .*/mirror/demo/passwd: it leads to /etc/passwd, "
                                          r"outside the source's mirror folder .*/mirror/demo") as err:
        fetch("demo", unpinned, home=tmp_path / "home", sources_root=str(mirror))
    assert not isinstance(err.value, FetchUnavailable)
    assert _cache_files(tmp_path / "home") == [] and not lock_path(tmp_path / "home").exists()


def test_a_path_that_climbs_out_is_refused_by_fetch_too(tmp_path):
    """The registry refuses `..` (tests/schemas); fetch does not rely on it."""
    mirror = tmp_path / "mirror"
    (mirror / "demo").mkdir(parents=True)
    climbing = FileSpec.model_construct(path="../../../../../../../../etc/passwd", url="https://example.invalid/x",
                                        sha256=None, member=None, kind="file", include=None, split=None, role="data")
    with pytest.raises(SourceError, match=r"outside the source's mirror folder"):
        fetch("demo", climbing, home=tmp_path / "home", sources_root=str(mirror))
    assert _cache_files(tmp_path / "home") == [] and not lock_path(tmp_path / "home").exists()


def test_a_link_out_of_a_mirror_folder_is_refused_and_links_inside_it_are_followed(tmp_path):
    mirror = tmp_path / "mirror"
    folder = mirror / "demo" / "texts"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text("alpha\n")
    (folder / "same.txt").symlink_to("a.txt")  # inside the folder: followed, it is the same content
    secret = tmp_path / "outside"
    secret.mkdir()
    (secret / "id_rsa").write_text("not for the warehouse\n")
    (folder / "keys").symlink_to(secret)
    texts = FileSpec(path="texts", url="https://example.invalid/demo/texts.zip", kind="directory")
    with pytest.raises(SourceError, match=r"demo: texts: refused .*/mirror/demo/texts/keys: it leads to "
                                          r".*/outside, outside the source's mirror folder"):
        fetch("demo", texts, home=tmp_path / "home", sources_root=str(mirror))
    assert _cache_files(tmp_path / "home") == []
    (folder / "keys").unlink()
    got = fetch("demo", texts, home=tmp_path / "home", sources_root=str(mirror))
    assert sorted(p.name for p in got.iterdir()) == ["a.txt", "same.txt"]
    assert (got / "same.txt").read_text() == "alpha\n" and got.name == sha256_tree(got)


# --- case 8: credentials in URLs ------------------------------------------------------------------

@pytest.mark.parametrize("url, shown", [
    ("http://user:planted@host:8000/corpora/hoc/a.tsv", "http://***@host:8000/corpora/hoc/a.tsv"),
    ("https://planted@github.com/org/repo.git", "https://***@github.com/org/repo.git"),
    ("s3://KEY:pl@nted@bucket/corpora", "s3://***@bucket/corpora"),
    ("https://b.s3.amazonaws.com/f?X-Amz-Credential=planted&X-Amz-Signature=planted&x=1",
     "https://b.s3.amazonaws.com/f?X-Amz-Credential=***&X-Amz-Signature=***&x=1"),
    ("https://h/f?sig=planted&token=planted#frag", "https://h/f?sig=***&token=***#frag"),
    ("not found at http://u:planted@h/x; not found at https://h/y?access_token=planted",
     "not found at http://***@h/x; not found at https://h/y?access_token=***"),
    ("/mirror/corpora/hoc/user@host.txt", "/mirror/corpora/hoc/user@host.txt"),
    ("https://example.org/a@b/c", "https://example.org/a@b/c"),
])
def test_redact_hides_user_info_and_secret_query_parameters(url, shown):
    assert redact(url) == shown


class _NeedsAuth(SimpleHTTPRequestHandler):
    """Serves files only to Basic auth user:TOKEN, as a private mirror would."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.headers.get("Authorization") != "Basic " + base64.b64encode(f"user:{TOKEN}".encode()).decode():
            self.send_error(401, "who are you")
            return
        super().do_GET()


def test_a_mirror_url_with_a_password_is_used_and_the_password_is_stored_nowhere(serve, tmp_path, caplog):
    mirror = tmp_path / "mirror"
    (mirror / "demo").mkdir(parents=True)
    (mirror / "demo" / "train.tsv").write_bytes(BODY)
    root = serve(mirror, handler=_NeedsAuth).replace("http://", f"http://user:{TOKEN}@")
    home = tmp_path / "home"
    unpinned = FileSpec(path="train.tsv", url="https://example.invalid/demo/train.tsv")
    with caplog.at_level(logging.INFO, logger="warehouse.fetch"):
        got = fetch("demo", unpinned, home=home, sources_root=root)
        with pytest.raises(FetchUnavailable) as err:
            fetch("demo", FileSpec(path="absent.tsv", url="https://example.invalid/demo/absent.tsv"), home=home,
                  sources_root=root, retries=0)
    assert got.read_bytes() == BODY
    port = root.rsplit(":", 1)[1]
    assert json.loads(lock_path(home).read_text())["demo"]["train.tsv"] == {
        "sha256": BODY_SHA, "url": f"http://***@127.0.0.1:{port}/demo/train.tsv"}
    assert f"not found at http://***@127.0.0.1:{port}/demo/absent.tsv" in str(err.value)
    assert "fetching http://***@127.0.0.1" in caplog.text
    assert TOKEN not in caplog.text and TOKEN not in str(err.value) and TOKEN not in err.value.reason
    assert [p for p in home.rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()] == []


def test_a_redirect_record_names_hosts_without_credentials(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="warehouse.fetch"):
        _record_redirect(tmp_path, "demo", "a.tsv", f"http://user:{TOKEN}@mirror:8000/demo/a.tsv",
                         f"https://cdn.example/a.tsv?X-Amz-Signature={TOKEN}")
    line = json.loads((tmp_path / "fetch-redirects.jsonl").read_text())
    assert line["from_host"] == "mirror:8000" and line["to_host"] == "cdn.example"
    assert line["url"] == "http://***@mirror:8000/demo/a.tsv"
    assert line["location"] == "https://cdn.example/a.tsv?X-Amz-Signature=***"
    assert TOKEN not in caplog.text and "from host mirror:8000 to host cdn.example" in caplog.text

