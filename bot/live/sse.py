"""Server-sent events: the framing, and the headers that keep nginx from buffering them."""

from __future__ import annotations

import json
from typing import Any

HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
# Each stream ends after this long and the browser reconnects (EventSource does, with
# Last-Event-ID), so no proxy or server timeout ever cuts one mid-message.
STREAM_SECONDS = 50.0
HEARTBEAT_SECONDS = 15.0


def event(kind: str, data: Any, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def last_id(header: str | None, query: str | None) -> int:
    """Where a reconnecting stream resumes: Last-Event-ID, else ?after=, else the start."""
    for value in (header, query):
        if value and value.isdigit() and len(value) < 19:
            return int(value)
    return 0
