"""Reminders to staff: once when an unanswered handoff is within 4 hours of its reply-by time,
once more when it is overdue. Each is an outbox row with its own key, so it is sent once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine

from bot.delivery import outbox
from bot.handoffs.store import UNANSWERED, handoffs
from bot.staff.times import DUE_SOON


def enqueue_reminders(engine: Engine, channels: tuple[str, ...], now: datetime, sender: str) -> int:
    unanswered = handoffs.c.status.in_(UNANSWERED)
    # A handoff found already overdue (the service was down) gets the overdue reminder only.
    due_soon = (unanswered, handoffs.c.reply_by > now, handoffs.c.reply_by <= now + DUE_SOON)
    overdue = (unanswered, handoffs.c.reply_by <= now)
    count = 0
    for kind, conditions in (("due_soon", due_soon), ("overdue", overdue)):
        for channel in channels:
            for row in outbox.missing(engine, kind, channel, *conditions):
                count += outbox.enqueue(engine, row.id, row.reference, kind, channel, now, sender)
    return count
