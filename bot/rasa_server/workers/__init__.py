"""Several Rasa workers on one machine sharing one loaded model: forked after it is loaded.

Rasa answers messages on one Python thread, so one server process uses one core. With
SANIC_WORKERS > 1 Sanic forks workers that each load the model: 0.53 GB of private memory
each (TensorFlow's runtime and the model), 1.44 GB for two. Here three kinds of process share
the work:

- the **master** is `python -m bot.rasa_server run ...` itself, before it imports Rasa: a 12 MB
  process that binds the port, starts the leaders and supervises;
- a **leader** is a new `python -m bot.rasa_server run ...` with the port's socket and a
  channel to the master. It loads the model, builds its NumPy predictions, warms it up, hands
  what loading freed back to the system, takes its objects out of the garbage collector's reach
  (so the workers do not copy pages just by scanning them) and forks the workers;
- the **workers** share the leader's pages and answer requests on the port, as Sanic's would;
- with a Socket.IO channel, one more forked process holds every Socket.IO session, and the
  workers pass it the requests for Socket.IO (socketio_relay.py), so that all the requests of
  a long-polling session reach the process that holds it.

TensorFlow cannot run in a child forked from a process that has run it: it waits forever for
thread pools that were not forked. So every prediction a worker makes is NumPy's
(bot/nlu/classifiers.py), and a worker refuses one that would need TensorFlow with an error
rather than hang. A new model (`PUT /model`, which `bot deploy` uses) gets a new leader while
the old workers go on answering; once its workers accept connections, the old ones stop taking
new ones and finish the requests in hand, and only then does the request return, as Rasa's
returns once its one agent is swapped. If the model does not load or its workers do not start,
the old ones stay and the request fails as Rasa's does. A worker that dies is forked again by
its leader, a leader is started again by the master, and a master that dies takes the others
with it. Conversation locks are the kernel's (bot/storage/lock_store.py), so a dead worker holds
none.

`python -m bot.rasa_server` becomes the master when Rasa would run several Sanic workers
(SANIC_WORKERS > 1 and a lock store that works across processes: `plan`).

The modules, by role (docs/architecture.md draws them): master.py, leader.py, worker.py, what
they share (supervisor.py, restarts.py), the line between them (channel.py), calls on processes
(processes.py), and hooks.py, in place of Rasa's and Sanic's functions.
"""

from __future__ import annotations

from bot.rasa_server.workers.hooks import install
from bot.rasa_server.workers.leader import SOCKETIO_NAME
from bot.rasa_server.workers.master import Plan, plan, run_master
from bot.rasa_server.workers.worker import WorkerError, _forbid_tensorflow

__all__ = [
    "SOCKETIO_NAME",
    "Plan",
    "WorkerError",
    "_forbid_tensorflow",
    "install",
    "plan",
    "run_master",
]
