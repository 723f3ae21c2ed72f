"""What "talk to a person" gets, decided in the action server (actions/handoff.py): a live chat
when the office is open and staff are online, else the handoff form as always."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from bot.live import store, words
from bot.live.config import LiveConfig
from bot.live.store import Chat

# After a wait that ended unanswered the form follows at once, not another wait.
RECENT_END = timedelta(minutes=30)


@dataclass(frozen=True)
class Offer:
    chat: Chat | None  # the waiting chat, when live chat is what the visitor gets
    words: str  # what to say first ("" when nothing)


def decide(
    engine: Engine,
    config: LiveConfig,
    sender_id: str,
    now: datetime,
    language: str | None,
    page_url: str | None,
    question: str | None,
) -> Offer:
    if not config.hours.configured:
        return Offer(None, "")  # no live chat set up: today's behaviour, word for word
    latest = store.latest_for(engine, sender_id)
    if latest and latest.state == "form" and latest.ended_at and now - latest.ended_at < RECENT_END:
        return Offer(None, "")
    queued = words.say("queued", language, minutes=words.minutes(config.wait_seconds, language))
    if latest and latest.state in store.ACTIVE:
        return Offer(latest, queued)
    staff = store.online_staff(engine, now, config.presence_seconds)
    if config.hours.is_open(now) and staff:
        chat = store.enqueue(engine, sender_id, now, language or "en", page_url, question)
        return Offer(chat, queued)
    return Offer(None, words.say("away" if config.hours.is_open(now) else "closed", language))
