"""Every Socket.IO request to the one process that holds the sessions, whichever worker gets it.

A Socket.IO session is state in one process, and its long-polling transport (how rasa-webchat
starts every session, and all it has where WebSockets are blocked) sends the session's requests
on several connections. With several workers accepting on one port, about half of them reached a
worker that did not hold the session and were refused ("Invalid session"). So a leader with a
Socket.IO channel forks one more process that serves only Socket.IO, on a Unix socket of its own
(in the abstract namespace: nothing to clean up), and a worker passes a request for Socket.IO to
it byte for byte, with the rest of that connection, as soon as the request line shows the path.
Every other request is read by Sanic as before: one look at the first bytes of each request.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Any

logger = logging.getLogger(__name__)

UNAVAILABLE = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
LONGEST_METHOD = len(b"OPTIONS")


def listen() -> tuple[socket.socket, str]:
    """In a leader: the Socket.IO process's socket, named after the leader."""
    address = f"\0aluma-socketio-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(address)
    sock.listen(1024)
    return sock, address


def is_for(head: bytes, prefixes: tuple[bytes, ...]) -> bool | None:
    """Whether the request starting with `head` is for one of the paths; None: too few bytes."""
    space = head.find(b" ", 0, LONGEST_METHOD + 1)
    if space == -1:
        return None if len(head) <= LONGEST_METHOD else False
    target = head[space + 1 :]
    for prefix in prefixes:
        if target.startswith(prefix):
            return True
        if prefix.startswith(target):
            return None
    return False


class Upstream(asyncio.Protocol):
    """The connection to the Socket.IO process, carrying one visitor's connection."""

    def __init__(self, client: asyncio.Transport, head: bytes) -> None:
        self.client = client
        self.waiting = [head]  # what the visitor sent before the connection was made
        self.transport: Any = None  # uvloop's transports are not asyncio.Transport
        self.closed = False

    async def connect(self, address: str) -> None:
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:  # uvloop's create_unix_connection takes no abstract address; a socket it takes
            await loop.sock_connect(sock, address)
            await loop.create_unix_connection(lambda: self, sock=sock)
        except OSError as error:
            sock.close()
            logger.error("The Socket.IO process cannot be reached: %s", error)
            if not self.client.is_closing():
                self.client.write(UNAVAILABLE)
                self.client.close()

    def send(self, data: bytes) -> None:
        if self.transport is None:
            self.waiting.append(data)
        else:
            self.transport.write(data)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        if self.closed:
            transport.close()
            return
        transport.write(b"".join(self.waiting))
        self.waiting = []

    def data_received(self, data: bytes) -> None:
        self.client.write(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.client.close()

    def pause_writing(self) -> None:
        self.client.pause_reading()

    def resume_writing(self) -> None:
        self.client.resume_reading()


def relaying(protocol: type[Any], address: str, paths: set[str]) -> type[Any]:
    """Sanic's protocol class, passing requests for `paths` to the Socket.IO process."""
    from sanic.http import Stage

    prefixes = tuple(path.encode() for path in sorted(paths))

    class Relaying(protocol):
        __slots__ = ("head", "upstream")  # Sanic's protocols have slots, and no __dict__

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.upstream: Upstream | None = None
            self.head = b""  # the start of a request, until it shows where it goes
            super().connection_made(transport)

        def data_received(self, data: bytes) -> None:
            if self.upstream is not None:
                self.upstream.send(data)
                return
            if self.head or (not self.recv_buffer and self.between_requests()):
                head, self.head = self.head + data, b""
                found = is_for(head, prefixes)
                if found is None:
                    self.head = head
                    return
                if found:
                    self.hand_over(head)
                    return
                data = head
            super().data_received(data)

        def between_requests(self) -> bool:
            http = getattr(self, "_http", None)  # None before the connection's task starts
            return http is None or http.stage is Stage.IDLE

        def hand_over(self, head: bytes) -> None:
            transport: Any = getattr(self, "transport")  # noqa: B009 - typed Any on purpose
            setattr(self, "transport", None)  # noqa: B010 - so Sanic's close leaves it alone
            self.connections.discard(self)
            if self._task is not None:
                self._task.cancel()  # it waits for a request that is not coming
            self.upstream = Upstream(transport, head)
            self.loop.create_task(self.upstream.connect(address))

        def connection_lost(self, exc: Exception | None) -> None:
            if self.upstream is not None:
                self.upstream.close()
            super().connection_lost(exc)

        def pause_writing(self) -> None:
            if self.upstream is not None and self.upstream.transport is not None:
                self.upstream.transport.pause_reading()
            super().pause_writing()

        def resume_writing(self) -> None:
            if self.upstream is not None and self.upstream.transport is not None:
                self.upstream.transport.resume_reading()
            super().resume_writing()

    Relaying.__name__ = Relaying.__qualname__ = f"Relaying{protocol.__name__}"
    return Relaying
