"""The Rasa workers' admission of messages (bot/rasa_server/admission.py) against Rasa's way:
two single nodes up at once, one per RASA_ACTIVE_MESSAGES value, and 3,000-message runs of
50 back-to-back visitors sent to each in turn, so both see the same hours of this machine (its
speed changes from one hour to the next). The handoff turns' p95 is given apart: a tenth of
the messages, each waiting on the action server. Results: bench/results/admission.json
(other values: admission_<values>.json).

    python -m bench.admission [--values 0,4] [--repeats 3] [--visitors 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
from contextlib import ExitStack
from typing import Any

from bench import machine_speed_ms, write_results
from bench.load import BACK_TO_BACK, run_load
from bench.scale import single_node
from bot.rasa_server.admission import VARIABLE

KEPT = (
    "messages_per_s",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "p95_handoff_turns_ms",
    "errors",
    "handoffs_started",
    "handoffs_confirmed",
)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--values", default="0,4")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--visitors", type=int, default=50)
    parser.add_argument("--conversations", type=int, default=600)
    args = parser.parse_args(argv)
    values = args.values.split(",")
    runs: dict[str, list[dict[str, Any]]] = {value: [] for value in values}
    with ExitStack() as servers:
        urls = {}
        for value in values:
            base, _ = servers.enter_context(single_node(env={VARIABLE: value}))
            urls[value] = f"{base}/webhooks/rest/webhook"
        for url in urls.values():
            asyncio.run(run_load(url, 10, BACK_TO_BACK, max_seconds=5))  # first predictions
        for repeat in range(args.repeats):
            for value in values if repeat % 2 == 0 else reversed(values):
                speed = machine_speed_ms()
                result = asyncio.run(
                    run_load(
                        urls[value], args.visitors, BACK_TO_BACK, args.conversations, seed=repeat
                    )
                )
                run = {VARIABLE: value, "machine_speed_ms": speed} | {k: result[k] for k in KEPT}
                print(json.dumps(run), flush=True)
                runs[value].append(run)
    summary = {
        value: {
            f"median_{key}": round(statistics.median(r[key] for r in done), 1)
            for key in ("messages_per_s", "p95_ms", "p95_handoff_turns_ms")
        }
        for value, done in runs.items()
    }
    write_results(
        "admission" if args.values == "0,4" else f"admission_{args.values.replace(',', '_')}",
        {"visitors": args.visitors, "pace": BACK_TO_BACK.name, "summary": summary, "runs": runs},
    )
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
