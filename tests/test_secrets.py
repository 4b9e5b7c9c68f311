"""Planted secrets never leave the environment: build, benchmark, export and evaluate (against a local
stub OpenAI-compatible server) run as `medinst` subprocesses with secrets in their environment, and
every byte they leave behind is searched: stdout and stderr, MEDINST_HOME (warehouse, catalog,
Prefect result storage, runs), the export, and PREFECT_HOME (the ephemeral server's database, where
the runs' logs, artifacts and parameters live)."""

import base64
import functools
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.integration

SECRETS = {
    "AWS_SECRET_ACCESS_KEY": "planted-secret-XYZ",
    "AWS_ACCESS_KEY_ID": "planted-keyid-XYZ",
    "OPENAI_API_KEY": "planted-key-XYZ",
    "HF_TOKEN": "planted-hf-XYZ",
}


class _Stub(BaseHTTPRequestHandler):
    authorizations: list[str] = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).authorizations.append(self.headers.get("Authorization", ""))
        data = json.dumps({"id": "stub", "object": "chat.completion", "created": 0, "model": body["model"],
                           "choices": [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant", "content": "3"}}],
                           "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _grep(root: Path, needles: list[bytes]) -> list[str]:
    hits = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        blob = path.read_bytes()
        hits += [f"{path}: {n.decode()}" for n in needles if n in blob]
    return hits


def test_planted_secrets_appear_nowhere(corpora, tmp_path):
    home, out, prefect_home = tmp_path / "home", tmp_path / "export", tmp_path / "prefect"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}  # an ephemeral server
    env.update(SECRETS, PREFECT_HOME=str(prefect_home), PREFECT_LOGGING_LEVEL="INFO",
               PREFECT_SERVER_ANALYTICS_ENABLED="false", MEDINST_HOME=str(home))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    commands = [
        ["build", "--only", "biosses", "mqp", "medqa", "--sources-root", str(corpora)],
        ["benchmark", "--size", "200"],
        ["export", "--format", "jsonl", "--out", str(out)],
        ["evaluate", "--model", "stub-model", "--base-url", base_url, "--tasks", "BIOSSES",
         "--settings", "zero-shot", "--limit", "3", "--max-tokens", "8"],
        ["sql", "select count(*) from instructions"],
    ]
    logs = tmp_path / "logs"
    logs.mkdir()
    try:
        for i, args in enumerate(commands):
            done = subprocess.run([sys.executable, "-m", "flows.cli", *args, "--home", str(home)], cwd=REPO, env=env,
                                  capture_output=True, timeout=600)
            (logs / f"{i}-{args[0]}.out").write_bytes(done.stdout + b"\n" + done.stderr)
            assert done.returncode == 0, (args, done.stderr.decode()[-3000:])
    finally:
        server.shutdown()
        server.server_close()
    # the key was really in use: the stub got it as the bearer token, as it should
    assert _Stub.authorizations and all(a == f"Bearer {SECRETS['OPENAI_API_KEY']}" for a in _Stub.authorizations)
    assert any(prefect_home.rglob("*.db")), "the runs' Prefect database was not where expected"
    # positive control: the search does see the runs' logs and artifacts where they are stored
    assert _grep(prefect_home, [b"building 3 source(s)", b"medinst-eval-"]) != []
    assert any(home.rglob("catalog.duckdb")) and any(out.rglob("*"))
    needles = [v.encode() for v in SECRETS.values()] + [b"planted-"]
    found = []
    for root in (logs, home, out, prefect_home):
        found += _grep(root, needles)
    assert found == []  # secrets found: 0


TOKEN = "planted-mirror-token-XYZ"


class _PrivateMirror(SimpleHTTPRequestHandler):
    """The corpora mirror served only to Basic auth medinst:TOKEN."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.headers.get("Authorization") != "Basic " + base64.b64encode(f"medinst:{TOKEN}".encode()).decode():
            self.send_error(401, "who are you")
            return
        super().do_GET()


def test_a_password_in_the_mirror_url_is_used_and_appears_nowhere(corpora, tmp_path):
    """Issue 16, case 8: MEDINST_SOURCES_ROOT=http://user:TOKEN@host/... (and --sources-root) with a file
    that is not pinned (the lock file records where it came from) and one that is absent (its skip reason,
    naming the URL, goes to the output, the logs and the published `sources` view)."""
    home, prefect_home, registry = tmp_path / "home", tmp_path / "prefect", tmp_path / "registry"
    registry.mkdir()
    for source, edit in (("biosses", lambda d: [f.pop("sha256") for f in d["files"]]),
                         ("mqp", lambda d: d["files"][0].update(path="absent.csv"))):
        data = yaml.safe_load((REPO / "sources" / f"{source}.yaml").read_text())
        edit(data)
        (registry / f"{source}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_PrivateMirror, directory=str(corpora)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://medinst:{TOKEN}@127.0.0.1:{server.server_address[1]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(PREFECT_HOME=str(prefect_home), PREFECT_LOGGING_LEVEL="INFO", PREFECT_SERVER_ANALYTICS_ENABLED="false",
               MEDINST_HOME=str(home), MEDINST_REGISTRY=str(registry))
    build = ["build", "--only", "biosses", "mqp"]
    runs = [(build, {"MEDINST_SOURCES_ROOT": root}), ([*build, "--sources-root", root], {}),
            (["sql", "select source, status, reason from sources where source = 'mqp'", "--format", "csv"], {})]
    output = b""
    try:
        for args, extra in runs:
            done = subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=REPO, env=env | extra,
                                  capture_output=True, timeout=600)
            output += done.stdout + b"\n" + done.stderr + b"\n"
            assert done.returncode == 0, (args, done.stderr.decode()[-3000:])
    finally:
        server.shutdown()
        server.server_close()
    port = server.server_address[1]
    shown = f"http://***@127.0.0.1:{port}"
    # the mirror was used (biosses built from it) and the redacted URL is where it should be
    assert f"mqp,skipped,cannot be fetched: not found at {shown}/mqp/absent.csv" in output.decode()
    assert json.loads((home / "sources.lock.json").read_text())["biosses"]["Annotation-Pairs.docx"]["url"] == \
        f"{shown}/biosses/Annotation-Pairs.docx"
    assert _grep(prefect_home, [b"not found at http://***@127.0.0.1"]) != []  # the search sees the runs' logs and artifacts
    (tmp_path / "output.txt").write_bytes(output)
    assert _grep(tmp_path, [TOKEN.encode()]) == []  # output, home, lock file, warehouse, Prefect's database
