"""`bot report unanswered`: what visitors asked that the bot could not answer, grouped."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.reports import grouping
from bot.reports.conversations import UNANSWERED_KINDS, Conversation, Message
from bot.reports.privacy import scrub


@dataclass(frozen=True)
class Asked:
    text: str  # scrubbed of contact details
    kind: str
    topic: str | None
    timestamp: float


@dataclass(frozen=True)
class Group:
    count: int
    example: str
    wordings: list[tuple[str, int]]  # distinct wordings, most frequent first
    kinds: list[str]
    first: float
    last: float


def unanswered(conversations: Iterable[Conversation], since: float) -> list[Asked]:
    found = []
    for conversation in conversations:
        for message in conversation.messages:
            if message.kind in UNANSWERED_KINDS and message.timestamp >= since and message.text:
                if message.text.lstrip().startswith("/"):
                    continue  # a typed `/intent` shortcut, not a question
                found.append(_asked(message, conversation.personal))
    return found


def _asked(message: Message, personal: set[str]) -> Asked:
    kind = message.kind
    if message.topic and message.topic.startswith("not_in_article/"):
        kind = f"{kind} ({message.topic.split('/', 1)[1]})"
    return Asked(scrub(message.text, personal), kind, message.topic, message.timestamp)


def groups(
    asked: Sequence[Asked], threshold: float = grouping.THRESHOLD, background: Sequence[str] = ()
) -> list[Group]:
    result = []
    for members in grouping.group([a.text for a in asked], threshold, background):
        items = [asked[i] for i in members]
        wordings = Counter(a.text for a in items).most_common()
        kinds = [k for k, _ in Counter(a.kind for a in items).most_common()]
        result.append(
            Group(
                count=len(items),
                example=wordings[0][0],
                wordings=wordings,
                kinds=kinds,
                first=min(a.timestamp for a in items),
                last=max(a.timestamp for a in items),
            )
        )
    return result


def _day(timestamp: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(timestamp, zone).date().isoformat()


def table(found: Sequence[Group], zone: ZoneInfo, limit: int = 40, width: int = 60) -> list[str]:
    def cut(text: str, size: int) -> str:
        return text if len(text) <= size else text[: size - 1] + "…"

    lines = [f"{'count':>5}  {'example':<{width}}  {'why':<28}  last asked"]
    for g in found[:limit]:
        lines.append(
            f"{g.count:>5}  {cut(g.example, width):<{width}}  {cut(g.kinds[0], 28):<28}  "
            f"{_day(g.last, zone)}"
        )
        others = [w for w, _ in g.wordings[1:4]]
        if others:
            more = f" (+{len(g.wordings) - 4} more)" if len(g.wordings) > 4 else ""
            lines.append(f"{'':>5}  also: {cut('; '.join(others), width + 26)}{more}")
    if len(found) > limit:
        lines.append(f"... and {len(found) - limit} smaller groups (all of them in --csv)")
    return lines


def write_csv(found: Sequence[Group], path: Path, zone: ZoneInfo) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["group", "count", "example", "wordings", "why", "first_asked", "last_asked"]
        )
        for number, g in enumerate(found, 1):
            writer.writerow(
                [
                    number,
                    g.count,
                    g.example,
                    " | ".join(f"{w} (x{n})" if n > 1 else w for w, n in g.wordings),
                    "; ".join(g.kinds),
                    _day(g.first, zone),
                    _day(g.last, zone),
                ]
            )
