"""The single node at saturation, measured several times in a row on one server: 50 and 200
back-to-back visitors, each run a fixed 600 conversations (3,000 messages), with the machine's
speed reference taken before each run. bench/scale.py's 50-visitor back-to-back run is only
750 messages, too short to say what the server sustains, and this machine's speed changes from
one hour to the next; repeated long runs with their speed show both.
Results: bench/results/saturation.json.

    python -m bench.saturation [--repeats 3] [--visitors 50,200] [--conversations 600]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from bench import machine_speed_ms, write_results
from bench.load import BACK_TO_BACK, run_load
from bench.scale import memory, single_node

KEPT = ("messages", "seconds", "messages_per_s", "p50_ms", "p95_ms", "p99_ms", "errors")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--visitors", default="50,200")
    parser.add_argument("--conversations", type=int, default=600)
    args = parser.parse_args(argv)
    visitors = [int(v) for v in args.visitors.split(",")]
    runs: list[dict[str, Any]] = []
    with single_node() as (base, pids):
        url = f"{base}/webhooks/rest/webhook"
        asyncio.run(run_load(url, 10, BACK_TO_BACK, max_seconds=5))  # first predictions
        before = memory(pids)
        for repeat in range(args.repeats):
            for count in visitors:
                speed = machine_speed_ms()
                result = asyncio.run(
                    run_load(url, count, BACK_TO_BACK, args.conversations, seed=repeat)
                )
                run = {"visitors": count, "machine_speed_ms": speed}
                run |= {key: result[key] for key in KEPT}
                print(json.dumps(run), flush=True)
                runs.append(run)
        after = memory(pids)
    write_results(
        "saturation",
        {"rasa_memory_before": before, "rasa_memory_after": after, "runs": runs},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
