"""A leader: loads the model, then forks the workers (and the Socket.IO process) from it."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import gc
import json
import logging
import os
import selectors
import socket
from collections.abc import Mapping
from typing import Any

from bot.rasa_server import socketio_relay
from bot.rasa_server.workers.channel import LEADER, LISTENING, MODEL, Channel, error_answer
from bot.rasa_server.workers.processes import describe_exit, die_with_parent
from bot.rasa_server.workers.restarts import Restarts
from bot.rasa_server.workers.supervisor import NOT_STARTED, READY_TIMEOUT, Child, Supervisor
from bot.rasa_server.workers.worker import notify_ready, refuse_unload, run_worker

logger = logging.getLogger(__name__)

WARM_UP = ("hello", "how long does it last?", "how much does it cost?", "thanks, bye")


SOCKETIO_NAME = "rasa-socketio"  # the Socket.IO process's name (at most 15 bytes)


class Leader(Supervisor):
    """Holds the loaded model; forks the workers from it (and the Socket.IO process when there
    are `socketio_paths`) and forks again any that die."""

    def __init__(
        self,
        settings: dict[str, Any],
        workers: int,
        master: Channel,
        agent: Any,
        socketio_paths: set[str] | None = None,
        restarts: Restarts | None = None,
    ):
        super().__init__(restarts)
        self.settings = settings
        self.workers = workers
        self.master = master
        self.agent = agent
        self.selector.register(master.sock, selectors.EVENT_READ, None)
        self.socketio: dict[str, Any] | None = None
        if socketio_paths:
            sock, address = socketio_relay.listen()
            protocol = socketio_relay.relaying(settings["protocol"], address, socketio_paths)
            self.settings = {**settings, "protocol": protocol}
            self.socketio = {**settings, "sock": sock}

    def channels(self) -> list[Channel]:
        return [*super().channels(), self.master]

    def fork_worker(self) -> Child:
        theirs = [self.socketio["sock"]] if self.socketio else []
        return self.fork(functools.partial(run_worker, self.settings, self.agent, theirs, None))

    def fork_socketio(self) -> Child:
        assert self.socketio is not None
        run = functools.partial(
            run_worker, self.socketio, self.agent, [self.settings["sock"]], SOCKETIO_NAME
        )
        return self.fork(run, socketio=True)

    def readable(self, child: Child | None) -> None:
        if child is None:  # the master's channel
            self.from_master()
        else:
            super().readable(child)

    def from_master(self) -> None:
        messages = self.master.receive()
        if messages is None:  # the master is gone
            self.stopping = True
            return
        for message in messages:
            worker = self.children.get(int(message["worker"]))
            if worker is not None:
                worker.channel.send(message["answer"])

    def received(self, child: Child, message: dict[str, Any]) -> None:
        if "ready" in message:
            child.ready = True
        elif "reload" in message:
            self.master.send({"reload": message["reload"], "worker": child.pid})

    def meanwhile(self) -> None:
        # A worker that asked for a new model waits for the answer while it finishes.
        readable = self.selector.select(0)
        if any(key.data is None for key, _ in readable):
            self.from_master()

    def died(self, child: Child, status: int) -> None:
        logger.error("Rasa worker %s exited (%s)", child.pid, describe_exit(status))
        if self.may_restart():
            gc.freeze()
            if child.data.get("socketio"):
                self.fork_socketio()
            else:
                self.fork_worker()

    def run(self) -> int:
        self.stop_on_signals()
        settle_memory()
        first = [self.fork_worker() for _ in range(self.workers)]
        if self.socketio is not None:
            first.append(self.fork_socketio())
        if not self.wait_ready(first, READY_TIMEOUT):
            self.master.send({"failed": error_answer(500, "LoadingError", NOT_STARTED)})
            self.stopping = self.failed = True
        else:
            model = self.agent.model_name
            self.master.send({"ready": [c.pid for c in first], "model": model})
        while not self.stopping:
            self.poll(0.5)
        self.from_master()  # an answer for a worker that asked may have come with the signal
        self.stop_children(graceful_seconds(self.settings) + 5)
        return 1 if self.failed else 0


def load(model_path: str | None, remote_storage: str | None, endpoints: Any) -> Any:
    from rasa.core.agent import load_agent

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    agent = loop.run_until_complete(
        load_agent(
            model_path=model_path,
            remote_storage=remote_storage,
            endpoints=endpoints,
            loop=loop,
        )
    )
    if agent.is_ready():
        loop.run_until_complete(warm_up(agent))
    loop.close()
    asyncio.set_event_loop(None)
    return agent


async def warm_up(agent: Any) -> None:
    """What a first message would build, built once for every worker: NumPy's predictions for
    each classifier (bot/nlu/classifiers.py, normally built as it loads), spaCy's and the
    featurizers' first calls."""
    from bot.nlu.classifiers import NumpyPrediction

    runner = agent.processor.graph_runner
    for node in getattr(runner, "_instantiated_nodes", {}).values():
        component = getattr(node, "_component", None)
        if isinstance(component, NumpyPrediction):
            component.numpy_model()
    for text in WARM_UP:
        await agent.parse_message(text)


def graceful_seconds(settings: dict[str, Any]) -> float:
    return float(settings["app"].config.GRACEFUL_SHUTDOWN_TIMEOUT)


def settle_memory() -> None:
    """Before forking: what loading left over goes back to the system (malloc keeps freed
    memory; 48-63 MB after loading our model), and the objects made so far stay out of the
    children's garbage collections, whose scans would write to (and so copy) their pages."""
    gc.collect()
    with contextlib.suppress(AttributeError, OSError):  # a C library without malloc_trim
        ctypes.CDLL(None).malloc_trim(0)
    gc.freeze()


def serve_leader(
    server_settings: dict[str, Any], workers: int = 1, *, arguments: Mapping[str, Any]
) -> None:
    """In a leader, in place of Sanic's `serve_single` and `serve_multiple`: load the model
    named on the command line (`arguments`: serve_application's), then fork the workers onto
    the master's socket."""
    from sanic.server.events import trigger_events

    from bot.channels import socketio as socketio_channel

    master = Channel(socket.socket(fileno=int(os.environ[LEADER])))
    sock = socket.socket(fileno=int(os.environ[LISTENING]))
    requested = json.loads(os.environ.pop(MODEL, "null")) or {
        "model_path": arguments.get("model_path"),
        "remote_storage": arguments.get("remote_storage"),
    }
    for name in (LEADER, LISTENING):
        del os.environ[name]  # the workers are not leaders
    main_start = server_settings.pop("main_start", None)
    main_stop = server_settings.pop("main_stop", None)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    trigger_events(main_start, loop)
    app = server_settings["app"]
    app.register_listener(notify_ready, "after_server_start")
    app.register_middleware(refuse_unload, "request")
    server_settings.update(sock=sock, host=None, port=None, reuse_port=True, run_multiple=True)
    model = requested["model_path"]
    code = 1
    try:
        die_with_parent()
        agent = load(model, requested["remote_storage"], arguments.get("endpoints"))
        if not agent.is_ready():
            message = f"Agent with name '{model}' could not be loaded."
            master.send({"failed": error_answer(400, "BadRequest", message)})
        else:
            paths = socketio_channel.paths
            code = Leader(server_settings, max(workers, 1), master, agent, paths).run()
    except Exception as error:  # as Rasa answers a model that does not load
        logger.exception("Model %s did not load", model)
        message = f"An unexpected error occurred. Error: {error}"
        master.send({"failed": error_answer(500, "LoadingError", message)})
    trigger_events(main_stop, loop)
    if code:
        raise SystemExit(code)
