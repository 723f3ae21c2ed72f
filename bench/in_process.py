"""Time one message through the whole assistant in process (parse, every predicted action,
tracker in memory) with one of our fixes to Rasa and with Rasa's own code in its place, and
check that both take the same actions on the same parses. Fixes: `graph_runner` (dask's graph
runner against bot/rasa_server/direct_graph.py), `count_vectors` (sklearn's transform against
bot/nlu/count_vectors.py), `domain_empty` (Rasa's `Domain.is_empty` against
bot/rasa_server/domain_empty.py), `rule_keys` (RulePolicy's rule search against
bot/rasa_server/rule_keys.py), `incremental_states` (Rasa's dialogue states against
bot/rasa_server/incremental_states.py), `tracker_copy` (Rasa's replaying tracker copy against
bot/rasa_server/tracker_copy.py). Results: bench/results/<fix>.json.

    python -m bench.in_process --fix graph_runner [--rounds 8 --conversations 40 --turns 5]

With other than 5 turns a conversation, the results go to <fix>_<turns>_turns.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
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


def alike(a: Any, b: Any) -> bool:
    """Equal, but for float32 noise in confidences: the same model's predictions can differ in
    the seventh digit between two runs of one process (BLAS sums in another order)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(alike(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(alike(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


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


def fixes() -> dict[str, tuple[Any, str, dict[str, Any]]]:
    """Each fix: the class and attribute it replaces, and its variants, Rasa's first."""
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
        CountVectorsFeaturizer,
    )
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.nlu.count_vectors import LeanCountVectorsFeaturizer
    from bot.rasa_server import (
        direct_graph,
        domain_empty,
        incremental_states,
        rule_keys,
        tracker_copy,
    )

    return {
        "graph_runner": (
            DaskGraphRunner,
            "run",
            {"dask": direct_graph.DASK_RUN, "direct": direct_graph.run},
        ),
        "count_vectors": (
            LeanCountVectorsFeaturizer,
            "_create_features",
            {
                "sklearn": CountVectorsFeaturizer._create_features,
                "direct": LeanCountVectorsFeaturizer.__dict__["_create_features"],
            },
        ),
        "domain_empty": (
            Domain,
            "is_empty",
            {"rasa": domain_empty.RASA_IS_EMPTY, "once": domain_empty.is_empty},
        ),
        "rule_keys": (
            RulePolicy,
            "_get_possible_keys",
            {"rasa": rule_keys.RASA_GET_POSSIBLE_KEYS, "indexed": rule_keys.get_possible_keys},
        ),
        "incremental_states": (
            Domain,
            "states_for_tracker_history",
            {
                "rasa": incremental_states.RASA_STATES_FOR_TRACKER_HISTORY,
                "incremental": incremental_states.states_for_tracker_history,
            },
        ),
        "tracker_copy": (
            DialogueStateTracker,
            "copy",
            {"rasa": tracker_copy.RASA_COPY, "from_state": tracker_copy.tracker_copy},
        ),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fix", choices=list(fixes()), required=True)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--turns", type=int, default=5)
    args = parser.parse_args(argv)
    rasa_server.install()
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.INFO)  # `rasa run`'s level: debug calls skipped
    configure_structlog(logging.INFO)
    from rasa.core.agent import Agent

    owner, attribute, variants = fixes()[args.fix]
    model = training.current_model()
    assert model is not None, "run `make train` first"
    agent = Agent.load(str(model))
    questions = faq_questions()

    def conversations(seed: int) -> list[list[str]]:
        rng = random.Random(seed)
        return [rng.sample(questions, args.turns) for _ in range(args.conversations)]

    asyncio.run(talk(agent, conversations(-1)))  # each model's first prediction, warm caches
    per_message: dict[str, list[float]] = {name: [] for name in variants}
    same = 0
    for seed in range(args.rounds):  # interleaved, so both see the same machine
        turns = []
        for name, function in variants.items():
            setattr(owner, attribute, function)
            texts = conversations(seed)
            started = time.perf_counter()
            turns.append(asyncio.run(talk(agent, texts)))
            elapsed = time.perf_counter() - started
            per_message[name].append(elapsed / (args.conversations * args.turns) * 1000)
        same += sum(alike(a, b) for a, b in zip(*turns, strict=True))
    results: dict[str, Any] = {
        "fix": args.fix,
        "model": model.name,
        "turns_per_conversation": args.turns,
        "messages_per_round": args.conversations * args.turns,
        "rounds": args.rounds,
        "conversations_compared": args.rounds * args.conversations,
        "same_parses_and_actions": same,
        "variants": {
            name: {
                "median_ms_per_message": round(statistics.median(times), 3),
                "rounds_ms_per_message": [round(t, 3) for t in times],
            }
            for name, times in per_message.items()
        },
    }
    write_results(args.fix if args.turns == 5 else f"{args.fix}_{args.turns}_turns", results)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
