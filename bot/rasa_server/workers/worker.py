"""A worker: serves the port with the agent it was forked with, and asks its leader for what it
cannot do alone (a new model)."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import json
import logging
import os
import signal
import socket
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from bot.rasa_server.workers.processes import PR_SET_NAME, die_with_parent

logger = logging.getLogger(__name__)


class WorkerError(RuntimeError):
    """Something a forked worker cannot do."""


@dataclass
class Worker:
    """A worker's own view: the agent it was forked with and its channel to its leader."""

    agent: Any
    channel: socket.socket
    asking: asyncio.Lock = field(default_factory=asyncio.Lock)

    def tell(self, message: dict[str, Any]) -> None:
        self.channel.sendall(json.dumps(message).encode() + b"\n")

    async def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        async with self.asking:  # one question at a time on the one channel
            loop = asyncio.get_running_loop()
            self.channel.setblocking(False)
            await loop.sock_sendall(self.channel, json.dumps(message).encode() + b"\n")
            answer = b""
            while not answer.endswith(b"\n"):
                chunk = await loop.sock_recv(self.channel, 65536)
                if not chunk:
                    raise WorkerError("the leader process closed the channel")
                answer += chunk
            return dict(json.loads(answer))


def run_worker(
    settings: dict[str, Any],
    agent: Any,
    theirs: list[socket.socket],
    name: str | None,
    channel: socket.socket,
) -> None:
    code = 1
    try:
        die_with_parent()
        for sock in theirs:  # a worker serves the port, the Socket.IO process its own socket
            sock.close()
        if name is not None:  # what `ps -o comm` and /proc/<pid>/comm show
            with contextlib.suppress(OSError, AttributeError):
                ctypes.CDLL(None).prctl(PR_SET_NAME, name.encode())
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # Sanic's serve sets its own handler
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        worker = Worker(agent, channel)
        settings["app"].ctx.rasa_worker = worker  # what the app's listeners ask `worker_of`
        _reload_through(worker)
        _forbid_tensorflow()
        fresh_connections(agent)
        from sanic.server import serve

        serve(**settings)
        code = 0
    except BaseException:
        logger.exception("Rasa worker %s failed", os.getpid())
    finally:
        logging.shutdown()
        os._exit(code)


def _forbid_tensorflow() -> None:
    from rasa.utils.tensorflow.models import RasaModel

    def refuse(self: Any, *args: Any, **kwargs: Any) -> Any:
        logger.error("A prediction needed TensorFlow, which a forked Rasa worker cannot run")
        raise WorkerError("TensorFlow cannot run in a forked Rasa worker")

    RasaModel.run_inference = refuse


def fresh_connections(agent: Any) -> None:
    """Database connections opened before the fork stay the leader's (SQLAlchemy's advice)."""
    store = agent.tracker_store
    for each in (store, getattr(store, "_tracker_store", None)):
        engine = getattr(each, "engine", None)
        if engine is not None:
            engine.dispose(close=False)


def worker_of(app: Any) -> Worker | None:
    """The worker a process is, on the app it serves; None in a leader or a Rasa of its own."""
    return getattr(app.ctx, "rasa_worker", None)


def _reload_through(worker: Worker) -> None:
    """Rasa's `PUT /model` in this worker asks the leader for new workers instead (the workers'
    fix in fixes.py: rasa.server:_load_agent); Rasa looks the function up on each request."""
    import rasa.server

    rasa.server._load_agent = functools.partial(load_agent_via_leader, worker)


async def load_agent_via_leader(
    worker: Worker,
    model_path: str | None = None,
    model_server: Any = None,
    remote_storage: str | None = None,
    endpoints: Any = None,
) -> Any:
    from rasa.server import ErrorResponse

    if endpoints is None or model_server is not None:  # a model to test, or a model server
        raise ErrorResponse(
            HTTPStatus.CONFLICT,
            "Conflict",
            "Loading a model this way is not available with several Rasa workers.",
        )
    answer = await worker.ask(
        {"reload": {"model_path": model_path, "remote_storage": remote_storage}}
    )
    if "error" in answer:
        error = answer["error"]
        raise ErrorResponse(HTTPStatus(error["status"]), error["reason"], error["message"])
    return worker.agent  # this worker is stopping; until then it answers as before


async def notify_ready(app: Any, loop: Any) -> None:
    worker = worker_of(app)
    if worker is not None:
        worker.tell({"ready": os.getpid()})


async def refuse_unload(request: Any) -> Any:
    if (
        worker_of(request.app) is not None
        and request.method == "DELETE"
        and request.path == "/model"
    ):
        from sanic import response

        message = "Unloading the model is not available with several Rasa workers."
        return response.json(
            {"status": "failure", "reason": "Conflict", "message": message, "code": 409},
            status=409,
        )
    return None
