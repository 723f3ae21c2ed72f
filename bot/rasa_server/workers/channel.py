"""The line between two of the server's processes: JSON messages over a socketpair, and
what the master hands a leader in its environment."""

from __future__ import annotations

import json
import socket
from typing import Any

LEADER = "ALUMA_RASA_LEADER"  # in a leader's environment: its channel to the master
LISTENING = "ALUMA_RASA_LISTENING"  # and the port's socket
MODEL = "ALUMA_RASA_MODEL"  # and the model to load, if not the command's


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


def pair() -> tuple[Channel, socket.socket]:
    mine, theirs = socket.socketpair()
    return Channel(mine), theirs


def error_answer(status: int, reason: str, message: str) -> dict[str, Any]:
    return {"status": status, "reason": reason, "message": message}
