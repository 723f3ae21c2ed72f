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
(numpy_predict.prepare), and a worker refuses one that would need TensorFlow with an error
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
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import gc
import inspect
import json
import logging
import os
import selectors
import signal
import socket
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

import yaml

from bot.rasa_server import socketio_relay

logger = logging.getLogger(__name__)

READY_TIMEOUT = 300.0  # seconds for a leader to load its model and start its workers
RESTART_LIMIT = 5  # processes forked again within RESTART_WINDOW before giving up
RESTART_WINDOW = 60.0
WARM_UP = ("hello", "how long does it last?", "how much does it cost?", "thanks, bye")
PR_SET_PDEATHSIG = 1
PR_SET_NAME = 15
SOCKETIO_NAME = "rasa-socketio"  # the Socket.IO process's name (at most 15 bytes)
NOT_STARTED = "The new workers did not start."
STOP_LISTENING_TIMEOUT = 10.0  # seconds for retired workers to close the port
LEADER_STOP_TIMEOUT = 30.0  # seconds for a leader's workers to finish (Sanic's grace is 15)
LOG_FORMAT = "%(asctime)s %(levelname)-8s %(name)s  - %(message)s"  # as Rasa's
LEADER = "ALUMA_RASA_LEADER"  # in a leader's environment: its channel to the master
LISTENING = "ALUMA_RASA_LISTENING"  # and the port's socket
MODEL = "ALUMA_RASA_MODEL"  # and the model to load, if not the command's

_serve_arguments: dict[str, Any] = {}  # what `rasa run` asked serve_application for
_worker: Worker | None = None  # in a worker: its agent and its line to its leader


class WorkerError(RuntimeError):
    """Something a forked worker cannot do."""


class Channel:
    """One end of a socketpair carrying JSON lines, read without blocking."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.unread = b""

    def send(self, message: dict[str, Any]) -> bool:
        try:
            self.sock.sendall(json.dumps(message).encode() + b"\n")
            return True
        except OSError:
            return False  # the other side is gone: nobody waits for this

    def receive(self) -> list[dict[str, Any]] | None:
        """The complete messages that arrived; None once the other side has closed."""
        try:
            data = self.sock.recv(65536, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return []
        except OSError:
            data = b""
        if not data:
            return None
        self.unread += data
        *lines, self.unread = self.unread.split(b"\n")
        return [json.loads(line) for line in lines]

    def close(self) -> None:
        self.sock.close()


def _pair() -> tuple[Channel, socket.socket]:
    mine, theirs = socket.socketpair()
    return Channel(mine), theirs


@dataclass
class Child:
    """A process this one forked: a leader (for the master) or a worker (for a leader)."""

    pid: int
    channel: Channel
    ready: bool = False
    retiring: bool = False
    data: dict[str, Any] = field(default_factory=dict)


class Supervisor:
    """Forks children, reads their channels, reaps and restarts them."""

    def __init__(self) -> None:
        self.children: dict[int, Child] = {}
        self.selector = selectors.DefaultSelector()
        self.stopping = False
        self.failed = False
        self.restarts: deque[float] = deque()

    def channels(self) -> list[Channel]:
        """Every channel this process holds (a child it forks closes its copies)."""
        return [child.channel for child in self.children.values()]

    def fork(self, run: Callable[[socket.socket], None], **data: Any) -> Child:
        mine, theirs = _pair()
        pid = os.fork()
        if pid == 0:  # the child: `run` never returns
            mine.close()
            for channel in self.channels():
                channel.close()
            self.selector.close()
            run(theirs)
            os._exit(1)
        return self.adopt(pid, mine, theirs, data)

    def adopt(self, pid: int, mine: Channel, theirs: socket.socket, data: dict[str, Any]) -> Child:
        """After the fork, in this process: the child's end closed, its channel watched."""
        theirs.close()
        child = Child(pid, mine, data=data)
        self.children[pid] = child
        self.selector.register(mine.sock, selectors.EVENT_READ, child)
        return child

    def poll(self, timeout: float) -> None:
        for key, _ in self.selector.select(timeout):
            self.readable(key.data)
        self.reap()

    def readable(self, child: Child | None) -> None:
        """A child's channel has messages, or has closed."""
        assert child is not None
        messages = child.channel.receive()
        if messages is None:
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(child.channel.sock)
            return
        for message in messages:
            self.received(child, message)

    def received(self, child: Child, message: dict[str, Any]) -> None:
        raise NotImplementedError

    def died(self, child: Child, status: int) -> None:
        raise NotImplementedError

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            child = self.children.pop(pid, None)
            if child is None:
                continue
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(child.channel.sock)
            child.channel.close()
            if not (child.retiring or self.stopping):
                self.died(child, status)

    def may_restart(self) -> bool:
        now = time.monotonic()
        self.restarts.append(now)
        while self.restarts[0] < now - RESTART_WINDOW:
            self.restarts.popleft()
        if len(self.restarts) > RESTART_LIMIT:
            logger.error("Rasa processes keep dying: stopping")
            self.stopping = self.failed = True
            return False
        return True

    def wait_ready(self, children: list[Child], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.stopping:
            if any(c.pid not in self.children or c.retiring for c in children):
                return False  # one died, or said it failed, before it was ready
            if all(c.ready for c in children):
                return True
            self.poll(0.2)
        return False

    def stop_children(self, graceful: float) -> None:
        for pid in self.children:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + graceful
        while self.children and time.monotonic() < deadline:
            self.reap()
            self.meanwhile()
            time.sleep(0.05)
        for pid in list(self.children):
            _signal(pid, signal.SIGKILL)
        while self.children:
            self.reap()
            time.sleep(0.05)

    def meanwhile(self) -> None:
        """What goes on while the children finish their requests."""

    def stop_on_signals(self) -> None:
        def stop(_signum: int, _frame: Any) -> None:
            self.stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)


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
    endpoints = Path(_option(argv, "--endpoints") or "endpoints.yml")
    try:
        lock_store = (yaml.safe_load(endpoints.read_text()) or {}).get("lock_store") or {}
    except (OSError, yaml.YAMLError, AttributeError):
        return None
    if workers < 2 or lock_store.get("type") in (None, "in_memory"):
        return None
    return Plan(
        argv=list(argv),
        host=_option(argv, "--interface", "-i") or "0.0.0.0",
        port=int(_option(argv, "--port", "-p") or 5005),
        backlog=int(environ.get("SANIC_BACKLOG", "100")),
        workers=workers,
    )


def _option(argv: list[str], *names: str) -> str | None:
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

    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan
        self.leader: Child | None = None
        self.requests: deque[tuple[Child, dict[str, Any]]] = deque()
        self.sock = _bind(plan.host, plan.port, plan.backlog)

    def start_leader(self, model_path: str | None, remote_storage: str | None) -> Child:
        """A leader for the model the command names (None), or for exactly this one: Rasa's
        command line would put its newest model in the place of one that does not exist."""
        argv = self.plan.argv
        mine, theirs = _pair()
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
            logger.error("Rasa's leader process exited (%s): starting another", _exit(status))
            self.leader = self.start_leader(child.data["model_path"], child.data["remote_storage"])

    def reload(self, via: Child, message: dict[str, Any]) -> None:
        """Put a new model live on a new leader's workers, or leave everything as it is."""
        request, worker = message["reload"], message["worker"]
        model = request.get("model_path")
        logger.info("Loading model %s on new Rasa workers", model)
        new = self.start_leader(model, request.get("remote_storage"))
        if not self.wait_ready([new], READY_TIMEOUT):
            error = new.data.get("error") or _error(500, "LoadingError", NOT_STARTED)
            new.retiring = True
            _signal(new.pid, signal.SIGTERM)
            via.channel.send({"answer": {"error": error}, "worker": worker})
            return
        old, self.leader = self.leader, new
        if old is not None:
            # The old workers stop taking connections before the answer goes out, so every
            # request after it reaches a new worker. Their requests in hand still finish.
            retired = _children(old.pid)
            old.retiring = True
            for pid in [old.pid, *retired]:
                _signal(pid, signal.SIGTERM)
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


def _bind(host: str, port: int, backlog: int) -> socket.socket:
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
    ):
        super().__init__()
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
        return self.fork(functools.partial(_run_worker, self.settings, self.agent, theirs, None))

    def fork_socketio(self) -> Child:
        assert self.socketio is not None
        run = functools.partial(
            _run_worker, self.socketio, self.agent, [self.settings["sock"]], SOCKETIO_NAME
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
        logger.error("Rasa worker %s exited (%s)", child.pid, _exit(status))
        if self.may_restart():
            gc.freeze()
            if child.data.get("socketio"):
                self.fork_socketio()
            else:
                self.fork_worker()

    def run(self) -> int:
        self.stop_on_signals()
        _settle_memory()
        first = [self.fork_worker() for _ in range(self.workers)]
        if self.socketio is not None:
            first.append(self.fork_socketio())
        if not self.wait_ready(first, READY_TIMEOUT):
            self.master.send({"failed": _error(500, "LoadingError", NOT_STARTED)})
            self.stopping = self.failed = True
        else:
            model = self.agent.model_name
            self.master.send({"ready": [c.pid for c in first], "model": model})
        while not self.stopping:
            self.poll(0.5)
        self.from_master()  # an answer for a worker that asked may have come with the signal
        self.stop_children(_graceful(self.settings) + 5)
        return 1 if self.failed else 0


def _load(model_path: str | None, remote_storage: str | None) -> Any:
    from rasa.core.agent import load_agent

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    agent = loop.run_until_complete(
        load_agent(
            model_path=model_path,
            remote_storage=remote_storage,
            endpoints=_serve_arguments.get("endpoints"),
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
    each classifier, spaCy's and the featurizers' first calls."""
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier

    from bot.rasa_server import numpy_predict

    runner = agent.processor.graph_runner
    for node in getattr(runner, "_instantiated_nodes", {}).values():
        component = getattr(node, "_component", None)
        if isinstance(component, DIETClassifier):
            numpy_predict.prepare(component)
    for text in WARM_UP:
        await agent.parse_message(text)


def _error(status: int, reason: str, message: str) -> dict[str, Any]:
    return {"status": status, "reason": reason, "message": message}


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, signum)


def _exit(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"code {os.WEXITSTATUS(status)}"


def _graceful(settings: dict[str, Any]) -> float:
    return float(settings["app"].config.GRACEFUL_SHUTDOWN_TIMEOUT)


def _settle_memory() -> None:
    """Before forking: what loading left over goes back to the system (malloc keeps freed
    memory; 48-63 MB after loading our model), and the objects made so far stay out of the
    children's garbage collections, whose scans would write to (and so copy) their pages."""
    gc.collect()
    with contextlib.suppress(AttributeError, OSError):  # a C library without malloc_trim
        ctypes.CDLL(None).malloc_trim(0)
    gc.freeze()


def _die_with_parent() -> None:
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)


# -- in a worker -------------------------------------------------------------------------------
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


def _run_worker(
    settings: dict[str, Any],
    agent: Any,
    theirs: list[socket.socket],
    name: str | None,
    channel: socket.socket,
) -> None:
    global _worker
    code = 1
    try:
        _die_with_parent()
        for sock in theirs:  # a worker serves the port, the Socket.IO process its own socket
            sock.close()
        if name is not None:  # what `ps -o comm` and /proc/<pid>/comm show
            with contextlib.suppress(OSError, AttributeError):
                ctypes.CDLL(None).prctl(PR_SET_NAME, name.encode())
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # Sanic's serve sets its own handler
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _worker = Worker(agent, channel)
        _forbid_tensorflow()
        _fresh_connections(agent)
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


def _fresh_connections(agent: Any) -> None:
    """Database connections opened before the fork stay the leader's (SQLAlchemy's advice)."""
    store = agent.tracker_store
    for each in (store, getattr(store, "_tracker_store", None)):
        engine = getattr(each, "engine", None)
        if engine is not None:
            engine.dispose(close=False)


async def _notify_ready(app: Any, loop: Any) -> None:
    if _worker is not None:
        _worker.tell({"ready": os.getpid()})


async def _refuse_unload(request: Any) -> Any:
    if _worker is not None and request.method == "DELETE" and request.path == "/model":
        from sanic import response

        message = "Unloading the model is not available with several Rasa workers."
        return response.json(
            {"status": "failure", "reason": "Conflict", "message": message, "code": 409},
            status=409,
        )
    return None


# -- in place of Sanic's and Rasa's ------------------------------------------------------------
def serve_leader(server_settings: dict[str, Any], workers: int = 1) -> None:
    """In a leader, in place of Sanic's `serve_single` and `serve_multiple`: load the model
    named on the command line, then fork the workers onto the master's socket."""
    from sanic.server.events import trigger_events

    from bot.channels import socketio as socketio_channel

    master = Channel(socket.socket(fileno=int(os.environ[LEADER])))
    sock = socket.socket(fileno=int(os.environ[LISTENING]))
    requested = json.loads(os.environ.pop(MODEL, "null")) or {
        "model_path": _serve_arguments.get("model_path"),
        "remote_storage": _serve_arguments.get("remote_storage"),
    }
    for name in (LEADER, LISTENING):
        del os.environ[name]  # the workers are not leaders
    main_start = server_settings.pop("main_start", None)
    main_stop = server_settings.pop("main_stop", None)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    trigger_events(main_start, loop)
    app = server_settings["app"]
    app.register_listener(_notify_ready, "after_server_start")
    app.register_middleware(_refuse_unload, "request")
    server_settings.update(sock=sock, host=None, port=None, reuse_port=True, run_multiple=True)
    model = requested["model_path"]
    code = 1
    try:
        _die_with_parent()
        agent = _load(model, requested["remote_storage"])
        if not agent.is_ready():
            message = f"Agent with name '{model}' could not be loaded."
            master.send({"failed": _error(400, "BadRequest", message)})
        else:
            paths = socketio_channel.paths
            code = Leader(server_settings, max(workers, 1), master, agent, paths).run()
    except Exception as error:  # as Rasa answers a model that does not load
        logger.exception("Model %s did not load", model)
        message = f"An unexpected error occurred. Error: {error}"
        master.send({"failed": _error(500, "LoadingError", message)})
    trigger_events(main_stop, loop)
    if code:
        raise SystemExit(code)


def install() -> None:
    import rasa.core.run
    import rasa.server
    import sanic.app

    serve_application = rasa.core.run.serve_application
    if getattr(serve_application, "_aluma_workers", False):
        return
    load_agent_on_start = rasa.core.run.load_agent_on_start
    load_agent = rasa.server._load_agent

    @functools.wraps(serve_application)
    def remembering_serve_application(*args: Any, **kwargs: Any) -> Any:
        bound = inspect.signature(serve_application).bind(*args, **kwargs)
        bound.apply_defaults()
        for name in ("model_path", "endpoints", "remote_storage"):
            _serve_arguments[name] = bound.arguments[name]
        return serve_application(*args, **kwargs)

    async def agent_of_the_worker(
        model_path: Any, endpoints: Any, remote_storage: Any, app: Any, loop: Any
    ) -> Any:
        if _worker is None:
            return await load_agent_on_start(model_path, endpoints, remote_storage, app, loop)
        app.ctx.agent = _worker.agent  # loaded by the leader
        return app.ctx.agent

    async def load_agent_on_new_workers(
        model_path: str | None = None,
        model_server: Any = None,
        remote_storage: str | None = None,
        endpoints: Any = None,
    ) -> Any:
        if _worker is None:
            return await load_agent(
                model_path=model_path,
                model_server=model_server,
                remote_storage=remote_storage,
                endpoints=endpoints,
            )
        from rasa.server import ErrorResponse

        if endpoints is None or model_server is not None:  # a model to test, or a model server
            raise ErrorResponse(
                HTTPStatus.CONFLICT,
                "Conflict",
                "Loading a model this way is not available with several Rasa workers.",
            )
        answer = await _worker.ask(
            {"reload": {"model_path": model_path, "remote_storage": remote_storage}}
        )
        if "error" in answer:
            error = answer["error"]
            raise ErrorResponse(HTTPStatus(error["status"]), error["reason"], error["message"])
        return _worker.agent  # this worker is stopping; until then it answers as before

    setattr(remembering_serve_application, "_aluma_workers", True)  # noqa: B010
    rasa.core.run.serve_application = remembering_serve_application
    rasa.core.run.load_agent_on_start = agent_of_the_worker
    rasa.server._load_agent = load_agent_on_new_workers
    if LEADER in os.environ:  # started by a master (`plan`): serve its socket with workers
        sanic.app.serve_multiple = serve_leader
        sanic.app.serve_single = serve_leader
