"""A local OpenAI-compatible server for a model folder: `transformers serve` on loopback, for as long as needed.

    with local_server(model_dir, log_path) as base_url:
        evaluate(model=str(model_dir), base_url=base_url, ...)

The server runs in its own process group (so that it and its workers end together), on a free port
of 127.0.0.1. Continuous batching is off by default: on 2 CPU cores, with MedINST's few-shot prompts
(about 1,000 prompt tokens), it answered 8 questions in 75-141 s against 13 s without it (4 in
flight), and its KV cache took 14 GB of memory by default. The model is loaded before the first
timed request by one warm-up request, and kept loaded (transformers serve unloads an idle model
after --model-timeout seconds otherwise).
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


class ServerFailed(Exception):
    """The server did not come up, or died."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, payload: dict, timeout: float) -> dict:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": "Bearer local"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def _tail(path: Path, chars: int = 2000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return ""


@contextlib.contextmanager
def local_server(model: str | Path, log_path: Path, *, device: str = "cpu", continuous_batching: bool = False,
                 startup_seconds: float = 180, warm_up: bool = True):
    """Serve `model` (a folder) with `transformers serve`; yields the base URL (http://127.0.0.1:<port>/v1)."""
    executable = Path(sys.executable).parent / "transformers"
    if not executable.exists():
        raise ServerFailed(f"no `transformers` command beside {sys.executable}: pip install -e '.[train]'")
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [str(executable), "serve", str(model), "--device", device, "--host", "127.0.0.1", "--port", str(port),
               "--model-timeout", "86400",
               "--continuous-batching" if continuous_batching else "--no-continuous-batching"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}  # a local folder: never the Hub
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise ServerFailed(f"transformers serve did not come up on port {port} "
                                       f"(log {log_path}):\n{_tail(log_path)}") from None
                time.sleep(0.25)
        if warm_up:  # loads the model, so that the first timed request does not pay for it
            try:
                _post(f"{base}/v1/chat/completions", {"model": str(model), "max_tokens": 1, "temperature": 0,
                                                      "messages": [{"role": "user", "content": "Hello"}]},
                      timeout=startup_seconds)
            except OSError as e:
                raise ServerFailed(f"transformers serve did not answer a first request ({e}; log {log_path}):\n"
                                   f"{_tail(log_path)}") from None
        yield f"{base}/v1"
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
