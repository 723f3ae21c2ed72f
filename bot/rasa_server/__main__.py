"""`python -m bot.rasa_server run ...`: the `rasa` command with our fixes installed first.

Every Rasa server the project starts (`make run`, `make run-prod`, tests, benchmarks) goes
through here, and so do the conversation tests (`python -m bot.rasa_server test core ...`), so
that they test what visitors talk to. It refuses to start when a fix does not match the
installed Rasa (fixes.py); `RASA_FIXES=-name` starts without that one.
Unless the environment says otherwise, the server runs a worker per core (at most
MAX_WORKERS), forked after the model is loaded (workers/: this process then supervises, and
Rasa runs in the processes it starts), and queues up to BACKLOG
connections before the kernel turns new ones away (Rasa's default, 100, made the 101st of 200
visitors arriving together wait for TCP's retries: 1, 3, 7 s ...).
"""

from __future__ import annotations

import os
import sys

from bot import rasa_server

MAX_WORKERS = 4  # each adds the memory it writes to; the model's pages are shared
BACKLOG = 1024


def default_workers() -> int:
    """A worker per core; Socket.IO's sessions are one process's whatever the count
    (workers/, socketio_relay.py)."""
    return max(1, min(len(os.sched_getaffinity(0)), MAX_WORKERS))


def main() -> None:
    from bot.rasa_server import fixes

    try:  # before the master forks anything: each leader would refuse in turn
        enabled = {fix.name for fix in fixes.check()}
    except fixes.FixRefused as refused:
        raise SystemExit(str(refused)) from None
    os.environ.setdefault("SANIC_WORKERS", str(default_workers()))
    os.environ.setdefault("SANIC_BACKLOG", str(BACKLOG))
    from bot.rasa_server import workers

    # Without the workers' fix, Rasa serves as shipped (Sanic's own workers, each its model).
    plan = workers.plan(sys.argv[1:], os.environ) if "workers" in enabled else None
    if plan is not None:  # this process holds the port; leaders it starts run Rasa
        raise SystemExit(workers.run_master(plan))
    rasa_server.install()
    fixes.install(["workers"])
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
