"""The conversation as staff will read it, from the Rasa tracker's events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from bot.language import detect

MAX_TURNS = 200
MAX_TEXT = 2000
MAX_STAFF_NAME = 64


def _when(event: dict[str, Any]) -> str | None:
    stamp = event.get("timestamp")
    if not isinstance(stamp, (int, float)):
        return None
    return datetime.fromtimestamp(stamp, tz=timezone.utc).isoformat(timespec="seconds")


def transcript_from_events(
    events: Iterable[dict[str, Any]], max_turns: int = MAX_TURNS
) -> list[dict[str, Any]]:
    """User and bot turns of the current session, oldest first, at most `max_turns` of them.
    A bot turn that carries `metadata.staff` was written by that member of staff in a live
    chat (bot/live/tracker.py): its role is `staff`, with their name."""
    turns: list[dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "session_started":
            turns = []
        elif kind in ("user", "bot") and event.get("text"):
            metadata = event.get("metadata") or {}
            staff = metadata.get("staff") if isinstance(metadata, dict) else None
            role = "visitor" if kind == "user" else ("staff" if staff else "assistant")
            turn: dict[str, Any] = {
                "role": role,
                "text": str(event["text"])[:MAX_TEXT],
                "at": _when(event),
            }
            if staff:
                turn["staff"] = str(staff)[:MAX_STAFF_NAME]
            turns.append(turn)
    return turns[-max_turns:]


def page_url_from_events(events: Iterable[dict[str, Any]]) -> str | None:
    """The page the visitor was on, as the widget sends it in each message's metadata."""
    url = None
    for event in events:
        if event.get("event") == "user":
            metadata = event.get("metadata") or {}
            candidate = metadata.get("page_url") if isinstance(metadata, dict) else None
            if isinstance(candidate, str) and candidate.startswith(("http://", "https://")):
                url = candidate[:2000]
    return url


def visitor_language(question: str, transcript: Iterable[dict[str, Any]]) -> str:
    """The language the visitor wrote in (`en` or `es`), as the assistant decided it per
    message: their last message that tells, else the question, else English."""
    texts = [question, *(str(t.get("text", "")) for t in transcript if t.get("role") == "visitor")]
    decided = [language for text in texts if (language := detect(text))]
    return decided[-1] if decided else "en"
