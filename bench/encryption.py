"""What encryption at rest costs a message: the whole assistant in process (parse, every
predicted action) on our SQL tracker store in a SQLite file, synced per commit as in
production, with each event's JSON sealed (bot/storage/sealing.py) and, alternately, stored
plain (sealing swapped for the identity in this process only). Interleaved rounds, so both
see the same machine; CPU per message from the process's CPU time, latency per message from
the wall clock around `handle_message` (its read, prediction and write). Also the cost of one
seal and one unseal of a typical event. Results: bench/results/encryption.json.

    python -m bench.encryption [--rounds 6 --conversations 30 --turns 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench import machine_speed_ms, write_results
from bench.load import faq_questions
from bot import rasa_server, services, training
from bot.storage import tracker_store


def _plain(text: str, _ring: Any = None) -> str:
    return text


VARIANTS = {
    "sealed": (tracker_store.seal, tracker_store.unseal),
    "plain": (_plain, _plain),
}


async def talk(agent: Any, conversations: list[list[str]]) -> list[float]:
    """Each conversation under a new sender; the milliseconds of each message."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    latencies = []
    for texts in conversations:
        sender = uuid.uuid4().hex
        for text in texts:
            started = time.perf_counter()
            await agent.handle_message(UserMessage(text, CollectingOutputChannel(), sender))
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def seal_costs(rounds: int = 2000) -> dict[str, float]:
    """Microseconds to seal and to unseal one event of a typical size (a user message)."""
    from bot.storage.data_keys import keyring
    from bot.storage.sealing import seal, unseal

    ring = keyring(create=True)
    assert ring is not None
    event = json.dumps(
        {
            "event": "user",
            "timestamp": time.time(),
            "text": "how long do the results of botox for rosacea last?",
            "parse_data": {
                "intent": {"name": "faq", "confidence": 0.97},
                "entities": [],
                "intent_ranking": [{"name": f"intent_{i}", "confidence": 0.01} for i in range(10)],
            },
            "input_channel": "rest",
            "message_id": uuid.uuid4().hex,
            "metadata": {"page_url": "https://alumaaesthetics.com/botox-for-rosacea/"},
        }
    )
    started = time.perf_counter()
    sealed = [seal(event, ring) for _ in range(rounds)]
    sealing = time.perf_counter() - started
    started = time.perf_counter()
    for value in sealed:
        unseal(value, ring)
    opening = time.perf_counter() - started
    return {
        "event_bytes": len(event),
        "seal_us": round(sealing / rounds * 1e6, 2),
        "unseal_us": round(opening / rounds * 1e6, 2),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--conversations", type=int, default=30)
    parser.add_argument("--turns", type=int, default=5)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-encryption-"))
    os.environ["BOT_DATA_KEY_FILE"] = str(workdir / "data_key")
    os.environ.pop("BOT_DATA_KEY", None)
    rasa_server.install()
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.INFO)  # `rasa run`'s level: debug calls skipped
    configure_structlog(logging.INFO)

    model = training.current_model()
    assert model is not None, "run `make train` first"
    port = services.free_port()  # some answers run custom actions (clarifying a topic)
    actions = services.Service(
        "actions",
        services.actions_command(port),
        f"http://127.0.0.1:{port}/health",
        env={"BOT_DB_URL": f"sqlite:///{workdir / 'handoffs.db'}"},
    )
    services.start(actions)
    try:
        return _measure(args, workdir, model, f"http://127.0.0.1:{port}/webhook")
    finally:
        services.stop(actions)


def _measure(args: argparse.Namespace, workdir: Path, model: Path, actions_url: str) -> int:
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    agent = Agent.load(str(model), action_endpoint=EndpointConfig(actions_url))
    store = tracker_store.DurableSQLTrackerStore(
        agent.domain, dialect="sqlite", db=str(workdir / "tracker.db")
    )
    agent.tracker_store = store
    agent.processor.tracker_store = store
    questions = faq_questions()

    def conversations(seed: int) -> list[list[str]]:
        rng = random.Random(seed)
        return [rng.sample(questions, args.turns) for _ in range(args.conversations)]

    asyncio.run(talk(agent, conversations(-1)))  # each model's first prediction, warm caches
    cpu: dict[str, list[float]] = {name: [] for name in VARIANTS}
    latency: dict[str, list[float]] = {name: [] for name in VARIANTS}
    messages = args.conversations * args.turns
    for seed in range(args.rounds):
        order = list(VARIANTS) if seed % 2 == 0 else list(reversed(VARIANTS))
        for name in order:
            tracker_store.seal, tracker_store.unseal = VARIANTS[name]  # type: ignore[assignment]
            started = time.process_time()
            latency[name] += asyncio.run(talk(agent, conversations(seed)))
            cpu[name].append((time.process_time() - started) / messages * 1000)
    tracker_store.seal, tracker_store.unseal = VARIANTS["sealed"]  # type: ignore[assignment]
    variants = {
        name: {
            "median_cpu_ms_per_message": round(statistics.median(cpu[name]), 3),
            "rounds_cpu_ms_per_message": [round(t, 3) for t in cpu[name]],
            "p50_ms": round(percentile(latency[name], 0.50), 2),
            "p95_ms": round(percentile(latency[name], 0.95), 2),
            "messages": len(latency[name]),
        }
        for name in VARIANTS
    }
    sealed: dict[str, Any] = variants["sealed"]
    plain: dict[str, Any] = variants["plain"]
    results: dict[str, Any] = {
        "what": "whole assistant in process on DurableSQLTrackerStore (SQLite, synced commits)",
        "model": model.name,
        "machine_speed_ms": machine_speed_ms(),
        "turns_per_conversation": args.turns,
        "messages_per_round": messages,
        "rounds": args.rounds,
        "variants": variants,
        "sealed_vs_plain": {
            "cpu_per_message": round(
                sealed["median_cpu_ms_per_message"] / plain["median_cpu_ms_per_message"], 3
            ),
            "p95": round(sealed["p95_ms"] / plain["p95_ms"], 3),
        },
        "one_event": seal_costs(),
    }
    write_results("encryption", results)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
