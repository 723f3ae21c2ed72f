"""The master: `python -m bot.rasa_server run ...` before it imports Rasa. It holds the port,
starts a leader for each model and swaps them when a new model is put live."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import sys
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.rasa_server.workers.channel import LEADER, LISTENING, MODEL, error_answer, pair
from bot.rasa_server.workers.processes import children_of, describe_exit, send_signal
from bot.rasa_server.workers.restarts import Restarts
from bot.rasa_server.workers.supervisor import NOT_STARTED, READY_TIMEOUT, Child, Supervisor

logger = logging.getLogger(__name__)

STOP_LISTENING_TIMEOUT = 10.0  # seconds for retired workers to close the port
LEADER_STOP_TIMEOUT = 30.0  # seconds for a leader's workers to finish (Sanic's grace is 15)
LOG_FORMAT = "%(asctime)s %(levelname)-8s %(name)s  - %(message)s"  # as Rasa's


@dataclass
class Plan:
    """How `python -m bot.rasa_server run ...` serves with several workers."""

    argv: list[str]  # the command's own arguments, for the leaders
    host: str
    port: int
    backlog: int
    workers: int


def plan(argv: list[str], environ: Mapping[str, str]) -> Plan | None:
    """Several workers when Rasa would run several (SANIC_WORKERS > 1 and a lock store that
    works across processes: Rasa's own rule), and this process is not already a leader."""
    if not argv or argv[0] != "run" or LEADER in environ:
        return None
    try:
        workers = int(environ.get("SANIC_WORKERS", "1"))
    except ValueError:
        return None
    endpoints = Path(option(argv, "--endpoints") or "endpoints.yml")
    try:
        lock_store = (yaml.safe_load(endpoints.read_text()) or {}).get("lock_store") or {}
    except (OSError, yaml.YAMLError, AttributeError):
        return None
    if workers < 2 or lock_store.get("type") in (None, "in_memory"):
        return None
    return Plan(
        argv=list(argv),
        host=option(argv, "--interface", "-i") or "0.0.0.0",
        port=int(option(argv, "--port", "-p") or 5005),
        backlog=int(environ.get("SANIC_BACKLOG", "100")),
        workers=workers,
    )


def option(argv: list[str], *names: str) -> str | None:
    for index, word in enumerate(argv):
        if word in names and index + 1 < len(argv):
            return argv[index + 1]
        for name in names:
            if name.startswith("--") and word.startswith(name + "="):
                return word.split("=", 1)[1]
    return None


class Master(Supervisor):
    """Holds the port for every generation of workers. It is `python -m bot.rasa_server`
    before it imports Rasa: a small process that loads no model and runs no TensorFlow, and
    starts each leader as a new `python -m bot.rasa_server` with the port and a channel."""

    def __init__(self, plan: Plan, restarts: Restarts | None = None) -> None:
        super().__init__(restarts)
        self.plan = plan
        self.leader: Child | None = None
        self.requests: deque[tuple[Child, dict[str, Any]]] = deque()
        self.sock = bind(plan.host, plan.port, plan.backlog)

    def start_leader(self, model_path: str | None, remote_storage: str | None) -> Child:
        """A leader for the model the command names (None), or for exactly this one: Rasa's
        command line would put its newest model in the place of one that does not exist."""
        argv = self.plan.argv
        mine, theirs = pair()
        environ = {
            **os.environ,
            LEADER: str(theirs.fileno()),
            LISTENING: str(self.sock.fileno()),
            "SANIC_WORKERS": str(self.plan.workers),
        }
        if model_path is not None:
            environ[MODEL] = json.dumps(
                {"model_path": model_path, "remote_storage": remote_storage}
            )
        theirs.set_inheritable(True)
        self.sock.set_inheritable(True)
        pid = os.fork()
        if pid == 0:  # a new interpreter: Rasa and TensorFlow start afresh in it
            try:
                os.execve(sys.executable, [sys.executable, "-m", "bot.rasa_server", *argv], environ)
            finally:
                os._exit(127)
        data = {"model_path": model_path, "remote_storage": remote_storage}
        return self.adopt(pid, mine, theirs, data)

    def received(self, child: Child, message: dict[str, Any]) -> None:
        if "ready" in message:
            child.ready = True
            model = message.get("model")
            logger.info("Rasa workers %s answer with %s", message["ready"], model)
        elif "failed" in message:
            child.data["error"] = message["failed"]
            child.retiring = True  # it exits on its own; it is not restarted
        elif "reload" in message:
            self.requests.append((child, message))

    def died(self, child: Child, status: int) -> None:
        if child is self.leader and self.may_restart():
            logger.error(
                "Rasa's leader process exited (%s): starting another", describe_exit(status)
            )
            self.leader = self.start_leader(child.data["model_path"], child.data["remote_storage"])

    def reload(self, via: Child, message: dict[str, Any]) -> None:
        """Put a new model live on a new leader's workers, or leave everything as it is."""
        request, worker = message["reload"], message["worker"]
        model = request.get("model_path")
        logger.info("Loading model %s on new Rasa workers", model)
        new = self.start_leader(model, request.get("remote_storage"))
        if not self.wait_ready([new], READY_TIMEOUT):
            error = new.data.get("error") or error_answer(500, "LoadingError", NOT_STARTED)
            new.retiring = True
            send_signal(new.pid, signal.SIGTERM)
            via.channel.send({"answer": {"error": error}, "worker": worker})
            return
        old, self.leader = self.leader, new
        if old is not None:
            # The old workers stop taking connections before the answer goes out, so every
            # request after it reaches a new worker. Their requests in hand still finish.
            retired = children_of(old.pid)
            old.retiring = True
            for pid in [old.pid, *retired]:
                send_signal(pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_LISTENING_TIMEOUT
            while time.monotonic() < deadline and any(self.listening(p) for p in retired):
                time.sleep(0.02)
        # The old leader, still passing messages while its workers finish, hands it over.
        via.channel.send({"answer": {"reloaded": True}, "worker": worker})

    def listening(self, pid: int) -> bool:
        """Whether a worker still holds the port's socket (and so may accept on it)."""
        target = f"socket:[{os.fstat(self.sock.fileno()).st_ino}]"
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            return False  # gone
        for descriptor in descriptors:
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{pid}/fd/{descriptor}") == target:
                    return True
        return False

    def run(self) -> int:
        self.stop_on_signals()
        self.leader = self.start_leader(None, None)
        if not self.wait_ready([self.leader], READY_TIMEOUT):
            logger.error("Rasa's workers did not start: %s", self.leader.data.get("error"))
            self.stopping = self.failed = True
        while not self.stopping:
            self.poll(0.5)
            while self.requests and not self.stopping:
                self.reload(*self.requests.popleft())
        # Leaders give their workers Sanic's graceful shutdown (15 s) to finish.
        self.stop_children(LEADER_STOP_TIMEOUT)
        self.sock.close()
        return 1 if self.failed else 0


def bind(host: str, port: int, backlog: int) -> socket.socket:
    """Sanic's listening socket (sanic.server.socket.bind_socket), made here: importing Sanic
    would add 21 MB and half a second to the master."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


def run_master(plan: Plan) -> int:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    return Master(plan).run()
