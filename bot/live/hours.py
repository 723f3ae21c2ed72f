"""Office hours: when live chat may be offered (BOT_OFFICE_HOURS, BOT_CLOSED_DAYS).

The schedule is written as people write it, in the clinic's zone:
`Mon-Fri 09:00-17:00; Sat 10:00-14:00`. Closed days are ISO dates, `2026-12-25,2027-01-01`.
An empty schedule means never open, so a clinic that sets nothing gets no live chat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PART = re.compile(
    r"^(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$"
)
EXAMPLE = "Mon-Fri 09:00-17:00; Sat 10:00-14:00"


def _clock(text: str, spec: str) -> time:
    hours, minutes = (int(n) for n in text.split(":"))
    if hours == 24 and minutes == 0:
        return time.max
    if hours > 23 or minutes > 59:
        raise ValueError(f"BOT_OFFICE_HOURS: {text!r} in {spec!r} is not a time of day")
    return time(hours, minutes)


@dataclass(frozen=True)
class OfficeHours:
    # Per weekday (Monday 0), the opening spans.
    spans: tuple[tuple[tuple[time, time], ...], ...] = ((),) * 7
    closed: frozenset[date] = frozenset()
    zone: str = "America/Los_Angeles"

    @classmethod
    def parse(cls, schedule: str, closed_days: str = "", zone: str = "UTC") -> OfficeHours:
        """The schedule, or a ValueError that says what is wrong and shows an example."""
        ZoneInfo(zone)  # an unknown zone stops the start
        spans: list[list[tuple[time, time]]] = [[] for _ in DAYS]
        for part in filter(None, (p.strip().lower() for p in schedule.split(";"))):
            match = _PART.match(part)
            if not match or match["first"] not in DAYS or (match["last"] or "mon") not in DAYS:
                raise ValueError(f"BOT_OFFICE_HOURS: cannot read {part!r}; write e.g. {EXAMPLE!r}")
            first = DAYS.index(match["first"])
            last = DAYS.index(match["last"] or match["first"])
            start, end = _clock(match["start"], part), _clock(match["end"], part)
            if end <= start:
                raise ValueError(f"BOT_OFFICE_HOURS: {part!r} closes before it opens")
            day = first
            while True:
                spans[day].append((start, end))
                if day == last:
                    break
                day = (day + 1) % 7  # Fri-Mon wraps over the weekend
        closed: set[date] = set()
        for item in filter(None, (d.strip() for d in closed_days.split(","))):
            try:
                closed.add(date.fromisoformat(item))
            except ValueError:
                raise ValueError(
                    f"BOT_CLOSED_DAYS: {item!r} is not a date; write e.g. 2026-12-25,2027-01-01"
                ) from None
        return cls(tuple(tuple(s) for s in spans), frozenset(closed), zone)

    @property
    def configured(self) -> bool:
        return any(self.spans)

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(ZoneInfo(self.zone))
        if local.date() in self.closed:
            return False
        moment = local.time().replace(tzinfo=None)
        return any(start <= moment < end for start, end in self.spans[local.weekday()])
