"""Load against the single-node set-up (SQLite, one Rasa server) and the two-replica set-up
(PostgreSQL, Redis, nginx): 10, 50 and 200 concurrent visitors, back to back and typing, plus
the latency along one 200-turn conversation. Results: bench/results/scale.json and scale.png.

Typing visitors run twice: all sending their first message at the same instant, and arriving
at random over the first 6 s (one pause), as people do; the results give the p95 of opening and
of later turns apart. `single` is `make run`'s set-up, a Rasa worker per core forked from one
loaded model (bot/rasa_server/workers/); `single_one_worker` the same with one worker, as
before that.

    python -m bench.scale [--setups single,single_one_worker,prod] [--visitors 10,50,200]
        [--max-seconds 120] [--name scale]

A partial run (some set-ups or visitor counts) can be kept apart with `--name`, so it does not
replace the full table in scale.json.

The load generator runs on the same machine, so its own CPU use is part of the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from bench import RESULTS, machine_speed_ms, write_results
from bench.latency import pss_mb, rss_mb
from bench.load import BACK_TO_BACK, TYPING, long_conversation, run_load
from bot import training
from bot.prod.topology import Ports, Topology
from bot.settings import PROJECT_ROOT
from testkit.servers import Stack


@contextmanager
def single_node(
    workers: int | None = None,
    env: dict[str, str] | None = None,
    credentials: Path = PROJECT_ROOT / "credentials.yml",
) -> Iterator[tuple[str, list[int]]]:
    """`make run`'s set-up: a Rasa worker per core (or `workers`), forked from one model, with
    any other settings in `env` (and other channels in `credentials`)."""
    workdir = Path(tempfile.mkdtemp(prefix="aluma-bench-"))
    settings = {"SANIC_WORKERS": str(workers)} if workers else {}
    stack = Stack(workdir, env=settings | (env or {}), credentials=credentials)
    stack.start(web=False)
    try:
        assert stack.rasa.process is not None
        yield stack.url, [stack.rasa.process.pid]
    finally:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def two_replicas() -> Iterator[tuple[str, list[int]]]:
    root = Path(tempfile.mkdtemp(prefix="aluma-bench-prod-"))
    ports = Ports.free()
    model = training.current_model()
    assert model is not None, "run `make train` first"
    topology = Topology(model, root=root, ports=ports).start()
    try:
        pids = [r.process.pid for r in topology.replicas if r.process is not None]
        # nginx's internal listener balances the replicas, as the web service's proxy uses it.
        yield f"http://127.0.0.1:{ports.internal}", pids
    finally:
        topology.stop()
        shutil.rmtree(root, ignore_errors=True)


SETUPS: dict[str, Callable[[], AbstractContextManager[tuple[str, list[int]]]]] = {
    "single": single_node,
    "single_one_worker": functools.partial(single_node, 1),
    "prod": two_replicas,
}


def memory(pids: list[int]) -> dict[str, float]:
    return {
        "rss_mb": round(sum(rss_mb(pid) for pid in pids), 1),
        "pss_mb": round(sum(pss_mb(pid) for pid in pids), 1),
    }


def run_setup(name: str, visitors: list[int], max_seconds: float) -> dict[str, Any]:
    with SETUPS[name]() as (base, pids):
        url = f"{base}/webhooks/rest/webhook"
        result: dict[str, Any] = {
            "machine_speed_ms": machine_speed_ms(),
            "rasa_memory_before": memory(pids),
            "runs": [],
        }
        # Typing visitors once all starting at the same instant, once arriving over one pause.
        for pace, ramp in ((BACK_TO_BACK, 0.0), (TYPING, 0.0), (TYPING, TYPING.high)):
            for count in visitors:
                run = asyncio.run(
                    run_load(url, count, pace, max_seconds=max_seconds, ramp_seconds=ramp)
                )
                print(name, json.dumps(run), flush=True)
                result["runs"].append(run)
        result["long_conversation"] = asyncio.run(long_conversation(url))
        result["rasa_memory_after"] = memory(pids)
    return result


def chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (rate, p95) = plt.subplots(1, 2, figsize=(11, 4))
    for setup, data in results["setups"].items():
        for pace, staggered, style in (
            ("back_to_back", False, "-o"),
            ("typing", False, "--s"),
            ("typing", True, ":^"),
        ):
            runs = [
                r
                for r in data["runs"]
                if r["pace"] == pace and bool(r.get("ramp_seconds")) == staggered
            ]
            xs = [r["visitors"] for r in runs]
            label = f"{setup}, {pace}{', staggered start' if staggered else ''}"
            rate.plot(xs, [r["messages_per_s"] for r in runs], style, label=label)
            p95.plot(xs, [r["p95_ms"] for r in runs], style, label=label)
    rate.set(title="Throughput", xlabel="concurrent visitors", ylabel="messages / s")
    p95.set(title="p95 latency", xlabel="concurrent visitors", ylabel="ms", yscale="log")
    p95.axhline(300, color="grey", linewidth=0.8, linestyle=":")
    for axis in (rate, p95):
        axis.set_xscale("log")
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--setups", default="single,single_one_worker,prod")
    parser.add_argument("--visitors", default="10,50,200")
    parser.add_argument("--max-seconds", type=float, default=120)
    parser.add_argument("--name", default="scale", help="results in bench/results/<name>.json")
    args = parser.parse_args(argv)
    visitors = [int(v) for v in args.visitors.split(",")]
    results: dict[str, Any] = {"setups": {}}
    for name in args.setups.split(","):
        results["setups"][name] = run_setup(name, visitors, args.max_seconds)
    write_results(args.name, results)
    chart(results, RESULTS / f"{args.name}.png")
    print(f"wrote {RESULTS / args.name}.json and {args.name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
