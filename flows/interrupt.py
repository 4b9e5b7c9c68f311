"""Ctrl-C on a command that runs a flow: stop within a second, mark the flow run cancelled, say one line.

Left to itself, an interrupted flow waits for its running tasks (a parse may take minutes), and its
temporary Prefect server, in the same process group, dies of the same Ctrl-C, so every state report
that follows retries against a dead server and the run stays "Running" in the database forever.
Here the server runs in its own session (flows.prefect_server), the flow records its run id as it
starts (`remember_run`), and the handler marks that run Cancelled, prints one line and ends the
process at once. Nothing is lost: the build lock dies with the process, stages and leftovers are
cleaned by the next build, and the published warehouse only ever changes by an atomic rename.
"""

import os
import signal
import sys

RUNNING: dict[str, str] = {}  # the flow run this process is running now


def remember_run() -> None:
    """Called first thing in a flow: the run id the interrupt handler will mark cancelled."""
    from prefect.runtime import flow_run

    if flow_run.id:
        RUNNING["id"] = str(flow_run.id)


def _cancel_run() -> str:
    run_id = RUNNING.get("id")
    if not run_id:
        return "no flow run had started"
    from prefect.client.orchestration import get_client
    from prefect.states import Cancelled

    try:
        with get_client(sync_client=True, httpx_settings={"timeout": 3.0}) as client:
            client.set_flow_run_state(run_id, Cancelled(message="interrupted from the keyboard (Ctrl-C)"), force=True)
    except Exception as e:  # the server may be gone too: say so, exit all the same
        return f"its flow run {run_id} could not be marked cancelled ({type(e).__name__})"
    return f"flow run {run_id} marked cancelled"


def exit_on_interrupt(command: str, unchanged: str) -> None:
    """Install the SIGINT handler for `medinst <command>`; `unchanged` says what the interrupt left as it was."""

    def handler(signum, frame) -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a second Ctrl-C kills outright
        what = _cancel_run()
        print(f"medinst {command}: interrupted; {unchanged} ({what})", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)  # not sys.exit: that would wait for the flow's worker threads to finish their sources

    signal.signal(signal.SIGINT, handler)
