"""`python -m bot.rasa_server run ...`: the `rasa` command with our fixes installed first.

Every Rasa server the project starts (`make run`, `make run-prod`, tests, benchmarks) goes
through here; `rasa shell` and `rasa test` run Rasa as shipped, which only costs them speed.
Unless the environment says otherwise, the server runs a worker per core (at most
MAX_WORKERS), forked after the model is loaded (workers.py: this process then supervises, and
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
    (workers.py, socketio_relay.py)."""
    return max(1, min(len(os.sched_getaffinity(0)), MAX_WORKERS))


def main() -> None:
    os.environ.setdefault("SANIC_WORKERS", str(default_workers()))
    os.environ.setdefault("SANIC_BACKLOG", str(BACKLOG))
    from bot.rasa_server import workers

    plan = workers.plan(sys.argv[1:], os.environ)
    if plan is not None:  # this process holds the port; leaders it starts run Rasa
        raise SystemExit(workers.run_master(plan))
    rasa_server.install()
    workers.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
