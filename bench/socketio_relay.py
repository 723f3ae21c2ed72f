"""What the Socket.IO relay (bot/rasa_server/socketio_relay.py) costs REST visitors: two single
nodes up at once, Rasa's default workers in both, one with the repository's channels (REST and
Socket.IO: its workers look at each request's first bytes and hand Socket.IO's to the Socket.IO
process) and one with the REST channel only (no relay, no Socket.IO process, as REST visitors
were served before); runs of 50 back-to-back REST visitors sent to each in turn, alternating,
so both see the same hours of this machine; and, in process, the time the relay's look at a REST
request's first bytes takes. Results: bench/results/socketio_relay_rest_cost.json.

    python -m bench.socketio_relay [--repeats 3] [--visitors 50] [--conversations 600]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import timeit
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench import machine_speed_ms, write_results
from bench.latency import pss_mb
from bench.load import BACK_TO_BACK, run_load
from bench.scale import single_node
from bot.rasa_server.socketio_relay import is_for
from bot.settings import PROJECT_ROOT

KEPT = ("messages_per_s", "p50_ms", "p95_ms", "p99_ms", "errors", "handoffs_confirmed")


def rest_only(folder: Path) -> Path:
    path = folder / "credentials.yml"
    path.write_text("bot.channels.rest.RestInput: {}\n")
    return path


def look_us() -> float:
    """Microseconds for the relay's look at the start of a REST request (best of 5)."""
    head = b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: localhost:5005\r\n"
    number = 200_000
    times = timeit.repeat(lambda: is_for(head, (b"/socket.io/",)), number=number, repeat=5)
    return round(min(times) / number * 1e6, 3)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--visitors", type=int, default=50)
    parser.add_argument("--conversations", type=int, default=600)
    args = parser.parse_args(argv)
    setups = {
        "rest_only_no_relay": rest_only(Path(tempfile.mkdtemp(prefix="aluma-bench-rest-"))),
        "rest_and_socketio_relay": PROJECT_ROOT / "credentials.yml",
    }
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in setups}
    memory: dict[str, float] = {}
    with ExitStack() as servers:
        urls, pids = {}, {}
        for name, credentials in setups.items():
            base, pids[name] = servers.enter_context(single_node(credentials=credentials))
            urls[name] = f"{base}/webhooks/rest/webhook"
        for url in urls.values():
            asyncio.run(run_load(url, 10, BACK_TO_BACK, max_seconds=5))  # first predictions
        for repeat in range(args.repeats):
            for name in setups if repeat % 2 == 0 else reversed(setups):
                speed = machine_speed_ms()
                result = asyncio.run(
                    run_load(
                        urls[name], args.visitors, BACK_TO_BACK, args.conversations, seed=repeat
                    )
                )
                run = {"setup": name, "machine_speed_ms": speed} | {k: result[k] for k in KEPT}
                print(json.dumps(run), flush=True)
                runs[name].append(run)
        memory = {name: pss_mb(pid[0]) for name, pid in pids.items()}
    summary = {
        name: {
            f"median_{key}": round(statistics.median(r[key] for r in done), 1)
            for key in ("messages_per_s", "p50_ms", "p95_ms")
        }
        | {"errors": sum(r["errors"] for r in done), "pss_mb_after_runs": memory[name]}
        for name, done in runs.items()
    }
    results = {"visitors": args.visitors, "pace": BACK_TO_BACK.name, "summary": summary}
    results["relay_look_us_per_request"] = look_us()
    write_results("socketio_relay_rest_cost", results | {"runs": runs})
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
