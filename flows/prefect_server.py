"""Prefect's temporary server, for a command run without PREFECT_API_URL, bound to the command's life.

Prefect starts that server as a child process on first use and stops it from `atexit`; a command that
is SIGKILLed (or OOM-killed) never runs atexit, and its server ran on forever with PPID 1. Started
here instead, from the main thread, the server asks the kernel (Linux PR_SET_PDEATHSIG) for SIGTERM
when its parent dies, however it dies. Elsewhere Prefect's own start and atexit stay as they were.
"""

import ctypes
import functools
import os
import signal
import subprocess
import sys
import time

from prefect.server.api.server import SubprocessASGIServer
from prefect.settings import PREFECT_API_URL

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _dies_with(parent: int):
    """A preexec_fn: in the child, before exec, ask for SIGTERM when `parent` dies."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork: nothing to load in the child

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the prctl: no signal would come
            os._exit(1)

    return preexec


class _BoundServer(SubprocessASGIServer):
    """Prefect's server, its process started with `_dies_with` (Prefect builds the command), in a session of
    its own: a Ctrl-C at the terminal reaches the command, which marks its run cancelled (flows.interrupt)
    while the server still answers, and the server dies with the command."""

    while_starting = None  # called once, right after the process is spawned, before waiting for it

    def _run_uvicorn_command(self) -> subprocess.Popen:
        popen = subprocess.Popen
        subprocess.Popen = functools.partial(popen, preexec_fn=_dies_with(os.getpid()), start_new_session=True)
        try:
            process = super()._run_uvicorn_command()
        finally:
            subprocess.Popen = popen
        work, self.while_starting = self.while_starting, None
        if work is not None:
            work()
        return process


def bind_temporary_server(say=None, while_starting=None) -> None:
    """Start the temporary server now, if this process would use one. Call it from the main thread:
    the kernel signals the child when the *thread* that started it ends. `say(text)` is told before
    and after (it takes seconds); `while_starting()` runs in this thread while the server's process
    boots (e.g. the imports the command needs next), or at once when no server is started."""
    if PREFECT_API_URL.value() or not sys.platform.startswith("linux"):
        if while_starting is not None:
            while_starting()
        return
    started = time.monotonic()
    if say:
        say("starting a temporary Prefect server for this command (set PREFECT_API_URL to use a running one)...")
    # SubprocessASGIServer keeps one instance per port: Prefect's own `SubprocessASGIServer()` in
    # get_client() then returns this one, already running.
    server = _BoundServer()
    server.while_starting = while_starting
    server.start()
    if say:
        say(f"temporary Prefect server ready at {server.address} in {time.monotonic() - started:.1f} s")
