"""What the master and a leader share: forking children, reading their channels, reaping
them and restarting them within a limit."""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.rasa_server.workers.channel import Channel, pair
from bot.rasa_server.workers.processes import send_signal
from bot.rasa_server.workers.restarts import Restarts

logger = logging.getLogger(__name__)

READY_TIMEOUT = 300.0  # seconds for a leader to load its model and start its workers
NOT_STARTED = "The new workers did not start."


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

    def __init__(self, restarts: Restarts | None = None) -> None:
        self.children: dict[int, Child] = {}
        self.selector = selectors.DefaultSelector()
        self.stopping = False
        self.failed = False
        self.restarts = restarts or Restarts()

    def channels(self) -> list[Channel]:
        """Every channel this process holds (a child it forks closes its copies)."""
        return [child.channel for child in self.children.values()]

    def fork(self, run: Callable[[socket.socket], None], **data: Any) -> Child:
        mine, theirs = pair()
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
        if self.restarts.allow():
            return True
        logger.error("Rasa processes keep dying: stopping")
        self.stopping = self.failed = True
        return False

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
            send_signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + graceful
        while self.children and time.monotonic() < deadline:
            self.reap()
            self.meanwhile()
            time.sleep(0.05)
        for pid in list(self.children):
            send_signal(pid, signal.SIGKILL)
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
