"""What the understanding pipeline costs the server: the model trained before it (a model file
given on the command line) and the current one, served side by side (a Rasa worker per core, the
action server), with runs of back-to-back visitors sent to each in turn so that both see the
same hours of this machine. Measured: the Rasa server's and the action server's CPU seconds per
message (from /proc), latency, and the Rasa server's memory (PSS, workers included).
Results: bench/results/understanding_cost.json.

    python -m bench.understanding_cost BEFORE.tar.gz [--repeats 3] [--visitors 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench import machine_speed_ms, write_results
from bench.latency import _tree, pss_mb
from bench.load import BACK_TO_BACK, run_load
from bot import training
from testkit.servers import Stack

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and its descendants so far."""
    total = 0
    for each in _tree(pid):
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("before", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--visitors", type=int, default=50)
    parser.add_argument("--conversations", type=int, default=300)
    args = parser.parse_args(argv)
    current = training.current_model()
    assert current is not None, "run `make train` first"
    models = {"before": args.before, "after": current}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in models}
    memory: dict[str, dict[str, float]] = {}
    with ExitStack() as servers:
        stacks = {}
        for name, model in models.items():
            workdir = Path(tempfile.mkdtemp(prefix=f"aluma-cost-{name}-"))
            servers.callback(shutil.rmtree, workdir, ignore_errors=True)
            stack = Stack(workdir, model=model).start(web=False)
            servers.callback(stack.stop)
            stacks[name] = stack
        for name, stack in stacks.items():
            url = f"{stack.url}/webhooks/rest/webhook"
            asyncio.run(run_load(url, 10, BACK_TO_BACK, max_seconds=5))  # first predictions
            memory[name] = {"pss_mb_before_load": pss_mb(_pid(stack.rasa))}
        for repeat in range(args.repeats):
            for name in models if repeat % 2 == 0 else reversed(list(models)):
                stack = stacks[name]
                rasa, actions = _pid(stack.rasa), _pid(stack.actions)
                cpu = cpu_seconds(rasa), cpu_seconds(actions)
                speed = machine_speed_ms()
                result = asyncio.run(
                    run_load(
                        f"{stack.url}/webhooks/rest/webhook",
                        args.visitors,
                        BACK_TO_BACK,
                        args.conversations,
                        seed=repeat,
                    )
                )
                messages = max(result["messages"], 1)
                run = {
                    "model": name,
                    "machine_speed_ms": speed,
                    "rasa_cpu_ms_per_message": round(
                        (cpu_seconds(rasa) - cpu[0]) * 1000 / messages, 2
                    ),
                    "actions_cpu_ms_per_message": round(
                        (cpu_seconds(actions) - cpu[1]) * 1000 / messages, 2
                    ),
                } | {k: result[k] for k in ("messages", "messages_per_s", "p50_ms", "p95_ms")}
                run["errors"] = result["errors"]
                print(json.dumps(run), flush=True)
                runs[name].append(run)
        for name, stack in stacks.items():
            memory[name]["pss_mb_after_load"] = pss_mb(_pid(stack.rasa))
    keys = ("rasa_cpu_ms_per_message", "actions_cpu_ms_per_message", "p50_ms", "p95_ms")
    summary = {
        name: {f"median_{k}": round(statistics.median(r[k] for r in done), 2) for k in keys}
        | memory[name]
        for name, done in runs.items()
    }
    write_results(
        "understanding_cost",
        {"models": {k: v.name for k, v in models.items()}, "summary": summary, "runs": runs},
    )
    print(json.dumps(summary, indent=2))
    return 0


def _pid(service: Any) -> int:
    assert service.process is not None
    return int(service.process.pid)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
