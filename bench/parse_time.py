"""Time one parse (the NLU pipeline on one message, in process) with Rasa's TensorFlow
predictions and with ours in NumPy (bot/nlu/classifiers.py), on the development and
held-out questions; also how far apart their predictions are. Results:
bench/results/parse_time.json.

    python -m bench.parse_time [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from typing import Any

from bench import write_results
from bench.load import percentile
from bench.nlu_eval import SETS
from bot import rasa_server, training
from bot.evaluation import load_examples, rankings


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    rasa_server.install()
    from rasa.core.agent import Agent

    from bot.nlu.classifiers import NumpyPrediction

    model = training.current_model()
    assert model is not None, "run `make train` first"
    texts = [e.text for name in ("dev", "heldout") for e in load_examples(SETS[name])]
    agent = Agent.load(str(model))
    # The NumPy pass, or none, which leaves every prediction to Rasa's TensorFlow path.
    paths = {"tensorflow": lambda _: None, "numpy": NumpyPrediction.numpy_model}

    async def parse_all() -> tuple[list[dict[str, Any]], list[float]]:
        parses, times = [], []
        for text in texts:
            started = time.perf_counter()
            parses.append(await agent.parse_message(text))
            times.append((time.perf_counter() - started) * 1000)
        return parses, times

    results: dict[str, Any] = {"model": model.name, "messages": len(texts), "paths": {}}
    parses: dict[str, list[dict[str, Any]]] = {}
    timings: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(args.rounds):  # interleaved, so both see the same machine
        for name, function in paths.items():
            NumpyPrediction.numpy_model = function  # type: ignore[method-assign,assignment]
            parses[name], times = asyncio.run(parse_all())
            timings[name] += times
    for name, times in timings.items():
        results["paths"][name] = {
            "mean_ms": round(statistics.mean(times), 3),
            "p50_ms": round(percentile(times, 50), 3),
            "p95_ms": round(percentile(times, 95), 3),
        }
    same_intent = same_ranking = 0
    max_difference = 0.0
    for theirs, ours in zip(parses["tensorflow"], parses["numpy"], strict=True):
        same_intent += theirs["intent"]["name"] == ours["intent"]["name"]
        a, b = rankings(theirs), rankings(ours)
        same_ranking += [n for n, _ in a] == [n for n, _ in b]
        mine = dict(b)
        max_difference = max([max_difference, *(abs(x - mine[n]) for n, x in a if n in mine)])
    results["agreement"] = {
        "same_intent": same_intent,
        "same_ranking_order": same_ranking,
        "max_confidence_difference": max_difference,
    }
    write_results("parse_time", results)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
