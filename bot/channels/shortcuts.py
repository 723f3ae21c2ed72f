"""Typed `/intent{...}` shortcuts are Rasa's way for buttons to skip NLU and set entities.

A visitor must not be able to force an intent or fill a slot that way, so every message a
channel receives passes through `neutralise` first. A few harmless, entity-free shortcuts that
third-party widgets send on their own (rasa-webchat's "/get_started") are kept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage

ALLOWED = {"/greet": "/greet", "/get_started": "/greet", "/restart": "/restart", "/help": "/help"}


def neutralise(text: str | None) -> str:
    """The text as NLU should see it: allowed shortcuts as they are, anything else as plain text."""
    clean = (text or "").strip()
    if not clean.startswith("/"):
        return clean
    if clean.lower() in ALLOWED:
        return ALLOWED[clean.lower()]
    return clean.lstrip("/").strip()


def guarded(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
) -> Callable[[UserMessage], Awaitable[Any]]:
    """Wraps a channel's message handler so that every message is neutralised first."""

    async def handle(message: UserMessage) -> Any:
        message.text = neutralise(message.text)
        return await on_new_message(message)

    return handle
