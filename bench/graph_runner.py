"""Time one message through the whole assistant in process (parse, every predicted action,
tracker in memory) with Rasa's dask graph runner and with ours (bot/rasa_server/
direct_graph.py), and check that both take the same actions on the same parses. Results:
bench/results/graph_runner.json.

    python -m bench.graph_runner [--rounds 8 --conversations 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import statistics
import sys
import time
import uuid
from typing import Any

from bench import write_results
from bench.load import faq_questions
from bot import rasa_server, training


def event_summary(event: dict[str, Any]) -> dict[str, Any]:
    """An event without what differs between two identical runs: time, ids, reply variant."""
    summary = {k: v for k, v in event.items() if k not in ("timestamp", "data", "message_id")}
    if event["event"] == "bot":
        summary.pop("text", None)
    if "parse_data" in event:
        summary["parse_data"] = {k: v for k, v in event["parse_data"].items() if k != "message_id"}
    return summary


async def talk(agent: Any, conversations: list[list[str]]) -> list[list[dict[str, Any]]]:
    """Each conversation under a new sender; its stored events as `event_summary` gives them."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    events = []
    for texts in conversations:
        sender = uuid.uuid4().hex
        for text in texts:
            await agent.handle_message(UserMessage(text, CollectingOutputChannel(), sender))
        tracker = await agent.tracker_store.retrieve(sender)
        assert tracker is not None
        events.append([event_summary(e.as_dict()) for e in tracker.events])
    return events


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--conversations", type=int, default=40)
    args = parser.parse_args(argv)
    rasa_server.install()
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.INFO)  # `rasa run`'s level: debug calls skipped
    configure_structlog(logging.INFO)
    from rasa.core.agent import Agent
    from rasa.engine.runner.dask import DaskGraphRunner

    from bot.rasa_server import direct_graph

    model = training.current_model()
    assert model is not None, "run `make train` first"
    agent = Agent.load(str(model))
    questions = faq_questions()

    def conversations(seed: int) -> list[list[str]]:
        rng = random.Random(seed)
        return [rng.sample(questions, 5) for _ in range(args.conversations)]

    runners = {"dask": direct_graph.DASK_RUN, "direct": direct_graph.run}
    asyncio.run(talk(agent, conversations(-1)))  # each model's first prediction, warm caches
    per_message: dict[str, list[float]] = {name: [] for name in runners}
    same = 0
    for seed in range(args.rounds):  # interleaved, so both see the same machine
        turns = {}
        for name, function in runners.items():
            DaskGraphRunner.run = function
            texts = conversations(seed)
            started = time.perf_counter()
            turns[name] = asyncio.run(talk(agent, texts))
            elapsed = time.perf_counter() - started
            per_message[name].append(elapsed / (args.conversations * 5) * 1000)
        same += sum(a == b for a, b in zip(turns["dask"], turns["direct"], strict=True))
    results: dict[str, Any] = {
        "model": model.name,
        "messages_per_round": args.conversations * 5,
        "rounds": args.rounds,
        "conversations_compared": args.rounds * args.conversations,
        "same_parses_and_actions": same,
        "runners": {
            name: {
                "median_ms_per_message": round(statistics.median(times), 3),
                "rounds_ms_per_message": [round(t, 3) for t in times],
            }
            for name, times in per_message.items()
        },
    }
    write_results("graph_runner", results)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
