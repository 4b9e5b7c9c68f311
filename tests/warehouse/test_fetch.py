"""Fetching over HTTP from a local http.server that serves the corpora mirror."""

import hashlib
import json
import re
import zipfile
from http.server import SimpleHTTPRequestHandler

import pytest

from schemas.errors import FetchUnavailable, SourceError
from schemas.registry import FileSpec
from warehouse.fetch import cache_path, fetch, sha256_tree
from warehouse.lock import lock_path, locked_digest

DEVEL_SHA = "b4e1e7efcc2a35047bf2f3d281648357470e674f555d4a26a0049ac37d59cc61"  # ncbi_disease_iob/devel.tsv


class _Flaky(SimpleHTTPRequestHandler):
    """Answers 503 to the first `failures` requests, then serves files."""

    failures = 0

    def log_message(self, *args):
        pass

    def do_GET(self):
        if type(self).failures > 0:
            type(self).failures -= 1
            self.send_error(503, "try again")
            return
        super().do_GET()


def spec(path: str, sha: str, kind: str = "file") -> FileSpec:
    return FileSpec(path=path, url="https://example.invalid/origin/" + path, sha256=sha, kind=kind)


def test_fetches_a_mirror_file_over_http_into_the_content_addressed_cache(serve, corpora, tmp_path):
    root = serve(corpora)
    got = fetch("ncbi_disease_iob", spec("devel.tsv", DEVEL_SHA), home=tmp_path, sources_root=root)
    assert got == tmp_path / "raw" / "sha256" / "b4" / DEVEL_SHA
    assert hashlib.sha256(got.read_bytes()).hexdigest() == DEVEL_SHA
    assert got.read_bytes() == (corpora / "ncbi_disease_iob" / "devel.tsv").read_bytes()


def test_a_cached_file_is_not_fetched_again(serve, corpora, tmp_path):
    fetch("ncbi_disease_iob", spec("devel.tsv", DEVEL_SHA), home=tmp_path, sources_root=serve(corpora))
    # The mirror root now points nowhere: a second fetch must come from the cache.
    again = fetch("ncbi_disease_iob", spec("devel.tsv", DEVEL_SHA), home=tmp_path, sources_root="http://127.0.0.1:9")
    assert again == cache_path(tmp_path, DEVEL_SHA)


def test_checksum_mismatch_names_source_and_file_and_caches_nothing(serve, corpora, tmp_path):
    wrong = "0" * 64
    with pytest.raises(SourceError, match="sha256 mismatch") as err:
        fetch("ncbi_disease_iob", spec("devel.tsv", wrong), home=tmp_path, sources_root=serve(corpora))
    assert err.value.source == "ncbi_disease_iob" and err.value.file == "devel.tsv"
    assert f"got {DEVEL_SHA}" in str(err.value)
    assert not cache_path(tmp_path, wrong).exists()
    assert [p.name for p in (tmp_path / "raw" / "sha256").iterdir()] == []  # no staging left over


def test_a_file_absent_from_mirror_and_origin_is_unavailable(serve, corpora, tmp_path):
    with pytest.raises(FetchUnavailable) as err:
        fetch("ncbi_disease_iob", spec("nope.tsv", DEVEL_SHA), home=tmp_path, sources_root=serve(corpora))
    assert err.value.file == "nope.tsv"
    assert re.search(r"not found at http://127.0.0.1:\d+/ncbi_disease_iob/nope.tsv; "
                     r"unreachable: https://example.invalid/origin/nope.tsv: its host example.invalid does not "
                     r"resolve", str(err.value))
    assert err.value.kind == "unreachable"  # a host that does not resolve: no network, or a wrong name


def test_an_origin_answering_404_is_not_found_rather_than_unreachable(serve, tmp_path):
    origin = serve(tmp_path)  # an empty folder: every file is a 404
    with pytest.raises(FetchUnavailable) as err:
        fetch("demo", FileSpec(path="f.tsv", url=f"{origin}/f.tsv"), home=tmp_path / "home")
    assert err.value.kind == "not found" and f"not found at {origin}/f.tsv" in err.value.reason


def test_offline_never_contacts_the_origin(serve, corpora, tmp_path):
    origin = serve(corpora)  # it has the file: offline must still not take it
    declared = FileSpec(path="devel.tsv", url=f"{origin}/ncbi_disease_iob/devel.tsv", sha256=DEVEL_SHA)
    with pytest.raises(FetchUnavailable) as err:
        fetch("ncbi_disease_iob", declared, home=tmp_path, offline=True)
    assert err.value.kind == "offline"
    assert err.value.reason == f"offline: its origin {origin}/ncbi_disease_iob/devel.tsv was not tried"
    assert fetch("ncbi_disease_iob", declared, home=tmp_path) == cache_path(tmp_path, DEVEL_SHA)  # online: fetched
    assert fetch("ncbi_disease_iob", declared, home=tmp_path, offline=True) == cache_path(tmp_path, DEVEL_SHA)


def test_a_manual_download_is_read_from_the_manual_folder(corpora, tmp_path):
    declared = FileSpec(path="devel.tsv", manual={"page": "https://example.org/login",
                                                  "steps": "Sign in, download devel.tsv"})
    manual = tmp_path / "manual"
    with pytest.raises(FetchUnavailable) as err:
        fetch("ncbi_disease_iob", declared, home=tmp_path / "home", manual_root=str(manual))
    assert err.value.kind == "manual"
    assert err.value.reason.endswith(
        f"a manual download: download it by hand from https://example.org/login: Sign in, download devel.tsv; "
        f"put it at {manual}/ncbi_disease_iob/devel.tsv")
    (manual / "ncbi_disease_iob").mkdir(parents=True)
    (manual / "ncbi_disease_iob" / "devel.tsv").write_bytes((corpora / "ncbi_disease_iob" / "devel.tsv").read_bytes())
    got = fetch("ncbi_disease_iob", declared, home=tmp_path / "home", manual_root=str(manual))
    assert got == cache_path(tmp_path / "home", DEVEL_SHA)  # its digest is recorded by this first read
    assert locked_digest(tmp_path / "home", "ncbi_disease_iob", "devel.tsv") == DEVEL_SHA


def test_a_declared_file_needs_an_origin_or_manual_steps():
    with pytest.raises(ValueError, match="needs its origin `url`, or `manual` download steps"):
        FileSpec(path="f.tsv")


def test_falls_back_to_the_origin_when_the_mirror_lacks_a_file(serve, corpora, tmp_path):
    origin = serve(corpora)
    file = FileSpec(path="devel.tsv", url=f"{origin}/ncbi_disease_iob/devel.tsv", sha256=DEVEL_SHA)
    got = fetch("ncbi_disease_iob", file, home=tmp_path, sources_root=str(tmp_path / "empty-mirror"))
    assert hashlib.sha256(got.read_bytes()).hexdigest() == DEVEL_SHA


def test_an_undeclared_digest_is_recorded_in_the_lock_file_and_verified_from_then_on(serve, corpora, tmp_path):
    root = serve(corpora)
    unpinned = FileSpec(path="devel.tsv", url="https://example.invalid/devel.tsv")
    got = fetch("ncbi_disease_iob", unpinned, home=tmp_path, sources_root=root)
    assert got == cache_path(tmp_path, DEVEL_SHA)
    assert json.loads(lock_path(tmp_path).read_text()) == {
        "ncbi_disease_iob": {"devel.tsv": {"sha256": DEVEL_SHA, "url": f"{root}/ncbi_disease_iob/devel.tsv"}}
    }
    # The mirror's file changes: the locked digest catches it.
    mirror = tmp_path / "mirror" / "ncbi_disease_iob"
    mirror.mkdir(parents=True)
    (mirror / "devel.tsv").write_text("changed\tO\n")
    got.unlink()
    with pytest.raises(SourceError, match=f"sha256 mismatch .* expected {DEVEL_SHA}"):
        fetch("ncbi_disease_iob", unpinned, home=tmp_path, sources_root=str(tmp_path / "mirror"))


def test_server_errors_are_retried_with_backoff(serve, corpora, tmp_path):
    _Flaky.failures = 2
    root = serve(corpora, handler=_Flaky)
    got = fetch("ncbi_disease_iob", spec("devel.tsv", DEVEL_SHA), home=tmp_path, sources_root=root, backoff=0.01)
    assert hashlib.sha256(got.read_bytes()).hexdigest() == DEVEL_SHA
    assert _Flaky.failures == 0


def test_gives_up_after_the_last_retry(serve, corpora, tmp_path):
    _Flaky.failures = 10
    root = serve(corpora, handler=_Flaky)
    with pytest.raises(FetchUnavailable, match="could not fetch .* after 3 tries"):
        fetch("ncbi_disease_iob", spec("devel.tsv", DEVEL_SHA), home=tmp_path, sources_root=root, retries=2, backoff=0.01)


def test_fetches_a_folder_over_http_and_checks_its_tree_hash(serve, tmp_path):
    mirror = tmp_path / "mirror"
    folder = mirror / "demo" / "text"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("alpha\n")
    (folder / "sub" / "b.txt").write_text("beta\n")
    tree = sha256_tree(folder)
    got = fetch("demo", spec("text", tree, kind="directory"), home=tmp_path / "home", sources_root=serve(mirror))
    assert sorted(p.relative_to(got).as_posix() for p in got.rglob("*") if p.is_file()) == ["a.txt", "sub/b.txt"]
    assert (got / "sub" / "b.txt").read_text() == "beta\n"


def test_fetches_from_a_local_mirror_folder(corpora, tmp_path):
    got = fetch("ncbi_disease_iob", spec("devel.tsv", DEVEL_SHA), home=tmp_path, sources_root=str(corpora))
    assert hashlib.sha256(got.read_bytes()).hexdigest() == DEVEL_SHA


def test_tree_hash_matches_the_documented_shell_recipe(tmp_path):
    (tmp_path / "x.txt").write_text("x\n")
    (tmp_path / "y.txt").write_text("y\n")
    listing = "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in sorted(tmp_path.iterdir())
    )
    assert sha256_tree(tmp_path) == hashlib.sha256(listing.encode()).hexdigest()


def test_a_folder_with_include_is_the_matching_files_alone_from_the_mirror_and_from_an_archive(serve, tmp_path):
    mirror = tmp_path / "mirror"
    folder = mirror / "demo" / "train"
    folder.mkdir(parents=True)
    (folder / "d.txt").write_text("text\n")
    (folder / "d.a1").write_text("T1\tProtein 0 4\ttext\n")
    only = tmp_path / "only"
    only.mkdir()
    for name in ("d.txt", "d.a1"):
        (only / name).write_bytes((folder / name).read_bytes())
    tree = sha256_tree(only)
    (folder / "d.json").write_text("{}")  # in the release, but not part of the declared folder
    archive = tmp_path / "origin" / "release.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as z:
        for p in folder.iterdir():
            z.write(p, f"release/train/{p.name}")
    declared = FileSpec(path="train", kind="directory", sha256=tree, include=["*.txt", "*.a1"],
                        url=f"{serve(tmp_path / 'origin')}/release.zip", member="release/train")
    from_mirror = fetch("demo", declared, home=tmp_path / "home1", sources_root=str(mirror))
    from_origin = fetch("demo", declared, home=tmp_path / "home2")
    for got in (from_mirror, from_origin):
        assert sorted(p.name for p in got.iterdir()) == ["d.a1", "d.txt"]
    with pytest.raises(ValueError, match="needs `kind: directory`"):
        FileSpec(path="x.txt", url="https://example.invalid/x.txt", include=["*.txt"])
