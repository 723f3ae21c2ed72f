"""Times as staff read them: in the clinic's zone, with the time left to the 24-hour promise."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

DUE_SOON = timedelta(hours=4)  # a handoff this close to its reply-by time is flagged and reminded


def local(when: datetime, zone: str) -> str:
    """'Tue 25 Nov, 3:05 PM PST' in the clinic's zone."""
    at = when.astimezone(ZoneInfo(zone))
    return at.strftime("%a %d %b, ") + at.strftime("%I:%M %p").lstrip("0") + at.strftime(" %Z")


def duration(span: timedelta) -> str:
    """'3 d 2 h', '26 h 12 min', '7 min'; spans under a minute count as one."""
    minutes = max(1, int(span.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        return f"{hours // 24} d {hours % 24} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def urgency(reply_by: datetime, now: datetime) -> str:
    """'overdue', 'due-soon' (within DUE_SOON) or 'on-time'."""
    if now >= reply_by:
        return "overdue"
    if reply_by - now <= DUE_SOON:
        return "due-soon"
    return "on-time"


def time_left(reply_by: datetime, now: datetime) -> str:
    if now >= reply_by:
        return f"overdue by {duration(now - reply_by)}"
    return f"{duration(reply_by - now)} left"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
