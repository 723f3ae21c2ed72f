"""`bot report summary`: conversations, answers, fallbacks and handoffs per day, and a chart."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.reports.conversations import ANSWERED, FALLBACK_KINDS, Conversation

COLUMNS = ("conversations", "answered", "fallbacks", "handoffs")


@dataclass
class Day:
    day: date
    conversations: int = 0
    answered: int = 0  # questions answered with an FAQ answer
    fallbacks: int = 0  # not understood, out of scope, or not in the article
    handoffs: int = 0  # questions handed to staff (stored)

    def values(self) -> tuple[int, ...]:
        return tuple(getattr(self, c) for c in COLUMNS)


def days(
    conversations: Iterable[Conversation], first: date, last: date, zone: ZoneInfo
) -> list[Day]:
    by_day = {
        first + timedelta(n): Day(first + timedelta(n)) for n in range((last - first).days + 1)
    }

    def day_of(timestamp: float) -> Day | None:
        return by_day.get(datetime.fromtimestamp(timestamp, zone).date())

    for conversation in conversations:
        seen: set[date] = set()
        for message in conversation.messages:
            day = day_of(message.timestamp)
            if day is None:
                continue
            if day.day not in seen:
                seen.add(day.day)
                day.conversations += 1
            if message.kind == ANSWERED:
                day.answered += 1
            elif message.kind in FALLBACK_KINDS:
                day.fallbacks += 1
        for stored in conversation.handoffs_stored:
            if (day := day_of(stored)) is not None:
                day.handoffs += 1
    return list(by_day.values())


def table(rows: Sequence[Day]) -> list[str]:
    lines = [f"{'day':<10}  " + "  ".join(f"{c:>13}" for c in COLUMNS)]
    for row in rows:
        lines.append(f"{row.day.isoformat():<10}  " + "  ".join(f"{v:>13}" for v in row.values()))
    totals = [sum(r.values()[i] for r in rows) for i in range(len(COLUMNS))]
    lines.append(f"{'total':<10}  " + "  ".join(f"{v:>13}" for v in totals))
    return lines


def write_csv(rows: Sequence[Day], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["day", *COLUMNS])
        for row in rows:
            writer.writerow([row.day.isoformat(), *row.values()])


def chart(rows: Sequence[Day], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(figsize=(10, 4.5), dpi=100)
    x = [r.day for r in rows]
    for index, column in enumerate(COLUMNS):
        axes.plot(x, [r.values()[index] for r in rows], marker="o", markersize=3, label=column)
    axes.set_title(title)
    axes.set_ylabel("per day")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left")
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(path, format="png")
    plt.close(figure)
