"""What the hooks in place of Rasa's functions and the processes they start share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.rasa_server.workers.worker import Worker

_serve_arguments: dict[str, Any] = {}  # what `rasa run` asked serve_application for
_worker: Worker | None = None  # in a worker: its agent and its line to its leader
