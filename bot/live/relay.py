"""A visitor's message during a live chat, in the chat proxy."""

from __future__ import annotations

import logging

from bot.live import store
from bot.live.takeover import Live
from bot.nlu.red_flags import detect
from bot.staff.times import utcnow

logger = logging.getLogger(__name__)


async def relay(live: Live, chat: store.Chat, text: str, answer: list[object]) -> list[object]:
    """A visitor's message during a live chat, after Rasa recorded it (paused, it answers
    nothing): kept for staff, and a red flag gets the emergency message at once, Rasa's own,
    in the visitor's language, whoever holds the conversation."""
    now = utcnow()
    await live.visitor_wrote(chat, text, now)
    if not detect(text):
        return answer
    try:
        emergency = await live.tracker.execute(chat.sender_id, "utter_emergency")
    except Exception as failure:
        logger.error("live chat: the emergency message failed: %s", failure)
        emergency = []
    for reply in emergency:
        if isinstance(reply, dict) and isinstance(reply.get("text"), str):
            await live.visitor_wrote(chat, reply["text"], now, author="alert")
    return [*answer, *emergency]
