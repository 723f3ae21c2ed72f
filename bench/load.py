"""Simulated visitors against a running assistant (loopback only), for bench/scale.py.

Each visitor has a 5-turn conversation: FAQ questions drawn from the held-out development set
(so a parse cache cannot make the numbers look better than real traffic), and one visitor in
ten goes through a complete handoff. Visitors either fire turns back to back (0-0.2 s apart) or
type like people (2-6 s apart). Request loops are bounded in count and in time.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from bot.channels.inbound import TECHNICAL_PROBLEM

DEV_SET = Path(__file__).parent / "data" / "nlu_dev.yml"
HANDOFF_TURNS = [
    "is it covered by insurance?",
    "yes please",
    "Robin Lee",
    "robin@example.com",
    "yes",
]


def faq_questions() -> list[str]:
    examples = yaml.safe_load(DEV_SET.read_text())["examples"]
    return [e["text"] for e in examples if e["label"].startswith("faq/")]


@dataclass
class Pace:
    name: str
    low: float
    high: float


BACK_TO_BACK = Pace("back_to_back", 0.0, 0.2)
TYPING = Pace("typing", 2.0, 6.0)


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    first_turns: list[float] = field(default_factory=list)  # each conversation's opening
    later_turns: list[float] = field(default_factory=list)
    handoff_turns: list[float] = field(default_factory=list)  # in the handoff conversations
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    handoffs_confirmed: int = 0
    handoffs_started: int = 0

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def say(
    session: aiohttp.ClientSession, url: str, sender: str, text: str, result: Result
) -> list[dict[str, Any]] | None:
    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as response:
            body = await response.json(content_type=None)
            if response.status != 200 or not isinstance(body, list) or not body:
                result.error(f"http_{response.status}" if response.status != 200 else "empty")
                return None
            if any(TECHNICAL_PROBLEM in str(reply.get("text", "")) for reply in body):
                result.error("assistant_failed")  # a 200 that tells the visitor we failed
                return None
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        result.error(type(error).__name__)
        return None
    result.latencies.append(time.perf_counter() - started)
    return body


async def visitor(
    index: int,
    session: aiohttp.ClientSession,
    url: str,
    pace: Pace,
    questions: list[str],
    result: Result,
    deadline: float,
    rng: random.Random,
    handoff_every: int | None = 10,
) -> None:
    sender = f"load-{index}-{uuid.uuid4().hex[:8]}"
    handoff = handoff_every is not None and index % handoff_every == 0
    turns = HANDOFF_TURNS if handoff else rng.sample(questions, 5)
    if handoff:
        result.handoffs_started += 1
    for turn, text in enumerate(turns):
        if time.monotonic() > deadline:
            return
        if turn:
            await asyncio.sleep(rng.uniform(pace.low, pace.high))
        body = await say(session, url, sender, text, result)
        if body is not None:
            (result.later_turns if turn else result.first_turns).append(result.latencies[-1])
            if handoff:
                result.handoff_turns.append(result.latencies[-1])
        last = turn == len(turns) - 1
        replies = body or []
        if handoff and last and body is not None:
            if any("within 24 hours" in str(m.get("text", "")) for m in replies):
                result.handoffs_confirmed += 1
            else:  # answered, but not stored: the visitor was told to call instead
                result.error("handoff_not_stored")


async def run_load(
    url: str,
    visitors: int,
    pace: Pace,
    conversations: int | None = None,
    max_seconds: float = 300,
    seed: int = 7,
    handoff_every: int | None = 10,
    ramp_seconds: float = 0.0,
) -> dict[str, Any]:
    """`visitors` concurrent visitors, each starting a new conversation when one ends, until
    `conversations` conversations have run (default 3 per visitor) or `max_seconds` passed.
    One conversation in `handoff_every` is a handoff (None: FAQ questions only). With
    `ramp_seconds` 0 every visitor sends its first message at the same instant; otherwise each
    starts at a random moment within that many seconds."""
    rng = random.Random(seed)
    questions = faq_questions()
    total = conversations or visitors * 3
    result = Result()
    deadline = time.monotonic() + max_seconds
    counter = iter(range(total))
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=visitors + 10)
    started = time.perf_counter()

    async def worker(session: aiohttp.ClientSession) -> None:
        await asyncio.sleep(rng.uniform(0, ramp_seconds))
        for index in counter:
            if time.monotonic() > deadline:
                return
            await visitor(
                index, session, url, pace, questions, result, deadline, rng, handoff_every
            )

    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(visitors)))
    seconds = time.perf_counter() - started
    ms = [x * 1000 for x in result.latencies]
    return {
        "visitors": visitors,
        "pace": pace.name,
        "messages": len(ms),
        "seconds": round(seconds, 1),
        "messages_per_s": round(len(ms) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        # The opening turns arrive together when visitors start at once; the rest are spread.
        "p95_first_turns_ms": round(percentile([x * 1000 for x in result.first_turns], 95), 1),
        "p95_later_turns_ms": round(percentile([x * 1000 for x in result.later_turns], 95), 1),
        # A tenth of the messages, each calling the action server: apart, as they weigh on p95.
        "p95_handoff_turns_ms": round(percentile([x * 1000 for x in result.handoff_turns], 95), 1),
        "ramp_seconds": ramp_seconds,
        "mean_ms": round(statistics.fmean(ms), 1) if ms else float("nan"),
        "errors": result.errors,
        "error_kinds": result.error_kinds,
        "handoffs_started": result.handoffs_started,
        "handoffs_confirmed": result.handoffs_confirmed,
    }


async def long_conversation(url: str, turns: int = 200, every: int = 20) -> list[dict[str, float]]:
    """Latency along one conversation of `turns` messages, sampled every `every` turns."""
    questions = faq_questions()
    result = Result()
    sender = f"long-{uuid.uuid4().hex[:8]}"
    points = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        for turn in range(1, turns + 1):
            await say(session, url, sender, questions[turn % len(questions)], result)
            if turn % every == 0 and result.latencies:
                window = [x * 1000 for x in result.latencies[-every:]]
                points.append(
                    {
                        "turn": turn,
                        "p50_ms": round(percentile(window, 50), 1),
                        "max_ms": round(max(window), 1),
                    }
                )
    return points
