"""TEST HOOK for fault injection: `MEDINST_TEST_KILL_AT=<stage>` makes a build SIGKILL itself at that stage.

Only the crash tests (tests/flows/test_crash.py, test_temporary_server.py) set it; unset (always, in normal use) it does
nothing. The stages, in the order a build reaches them:

    fetch    a file downloaded into its `.fetch-*` staging folder, not yet verified nor in the cache
    parse    the source's files fetched, nothing parsed yet
    render   the source parsed and rendered in memory, nothing staged
    write    the source's stage `.<fingerprint>.tmp` folder half written (one partition)
    publish  the build folder `.<build id>.tmp` half assembled (instructions linked, tables not written)
    switch   the build folder complete (and uploaded, for a remote home), CURRENT not yet switched

SIGKILL cannot be caught, so nothing (no `finally`, no atexit) tidies up: what is left on disk is
what a power cut or an OOM kill leaves, and the next build must cope with it.
"""

import os
import signal

ENV = "MEDINST_TEST_KILL_AT"
STAGES = ("fetch", "parse", "render", "write", "publish", "switch")


def crash_point(stage: str) -> None:
    """TEST HOOK: SIGKILL this process when MEDINST_TEST_KILL_AT names `stage`; otherwise nothing."""
    if os.environ.get(ENV) == stage:
        os.kill(os.getpid(), signal.SIGKILL)
