"""The week at a glance: how many handoffs, how many answered within the 24-hour promise, and
the median time to answer."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.handoffs.store import UNANSWERED, handoff_progress, handoffs

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class WeekStats:
    since: datetime
    handoffs: int
    open_now: int
    overdue_now: int
    judged: int  # answered, or past their reply-by time: the ones the promise can be judged on
    on_time: int
    median_to_answer: timedelta | None

    @property
    def on_time_percent(self) -> float | None:
        return 100 * self.on_time / self.judged if self.judged else None


def week_stats(engine: Engine, now: datetime) -> WeekStats:
    """Handoffs asked in the last 7 days. One still open and not yet due is not counted as late."""
    since = now - WEEK
    query = (
        select(
            handoffs.c.created_at,
            handoffs.c.reply_by,
            handoffs.c.status,
            handoff_progress.c.answered_at,
        )
        .select_from(
            handoffs.outerjoin(handoff_progress, handoff_progress.c.handoff_id == handoffs.c.id)
        )
        .where(handoffs.c.created_at >= since)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    answered = [r for r in rows if r.answered_at is not None]
    judged = [r for r in rows if r.answered_at is not None or r.reply_by <= now]
    on_time = [r for r in answered if r.answered_at <= r.reply_by]
    waits = [r.answered_at - r.created_at for r in answered]
    unanswered = [r for r in rows if r.status in UNANSWERED]
    return WeekStats(
        since=since,
        handoffs=len(rows),
        open_now=len(unanswered),
        overdue_now=sum(1 for r in unanswered if r.reply_by <= now),
        judged=len(judged),
        on_time=len(on_time),
        median_to_answer=statistics.median(waits) if waits else None,
    )
