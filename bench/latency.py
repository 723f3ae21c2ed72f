"""Latency through the REST channel, sequential and with concurrent conversations, plus server
memory and (with --train) training time. Results: bench/results/latency.json.

    python -m bench.latency [--train] [--messages 200] [--conversations 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench import machine_speed_ms, write_results
from bot.settings import PROJECT_ROOT
from testkit.servers import Stack

QUESTIONS = [
    "what is rosacea",
    "how common is rosacea",
    "what causes it",
    "does wine trigger flushing",
    "can botox help my rosacea",
    "how many units do you use",
    "how long does it last",
    "does it hurt",
    "what happens at the appointment",
    "how do i book",
    "where are you",
    "how much does it cost",
    "is it different from wrinkle botox",
    "am i a candidate",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(latencies: list[float], seconds: float) -> dict[str, float]:
    ms = [x * 1000 for x in latencies]
    return {
        "messages": len(ms),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "mean_ms": round(statistics.fmean(ms), 1),
        "messages_per_s": round(len(ms) / seconds, 1),
    }


def timed_say(url: str, sender: str, text: str) -> float:
    started = time.perf_counter()
    response = requests.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    response.raise_for_status()
    return time.perf_counter() - started


def _tree(pid: int) -> list[int]:
    """A process and all its descendants (Rasa's workers are its grandchildren)."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            pids += _tree(int(child))
    return pids


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, from /proc."""
    total = 0
    for each in _tree(pid):
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return round(total / 1024, 1)


def pss_mb(pid: int) -> float:
    """Proportional memory of a process and its children: a page shared by n processes counts
    1/n in each, so forked workers sharing their parent's libraries are not counted twice."""
    total = 0
    for each in _tree(pid):
        for line in Path(f"/proc/{each}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return round(total / 1024, 1)


def sequential(stack: Stack, count: int) -> dict[str, float]:
    sender = f"bench-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    latencies = [timed_say(stack.url, sender, QUESTIONS[i % len(QUESTIONS)]) for i in range(count)]
    return summary(latencies, time.perf_counter() - started)


def concurrent(stack: Stack, conversations: int, turns: int) -> dict[str, float]:
    def conversation(index: int) -> list[float]:
        sender = f"bench-c{index}-{uuid.uuid4().hex[:6]}"
        return [
            timed_say(stack.url, sender, QUESTIONS[(index + t) % len(QUESTIONS)])
            for t in range(turns)
        ]

    started = time.perf_counter()
    with ThreadPoolExecutor(conversations) as pool:
        latencies = [x for batch in pool.map(conversation, range(conversations)) for x in batch]
    return {"conversations": conversations, **summary(latencies, time.perf_counter() - started)}


def training_seconds() -> float:
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "rasa", "train", "--out", out, "--fixed-model-name", "bench"],
            cwd=PROJECT_ROOT,
            check=True,
            capture_output=True,
        )
        return round(time.perf_counter() - started, 1)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", action="store_true", help="also time a full training run")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--turns", type=int, default=10)
    args = parser.parse_args(argv)

    results: dict[str, object] = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine_speed_ms": machine_speed_ms(),
    }
    with tempfile.TemporaryDirectory() as workdir:
        stack = Stack(Path(workdir))
        started = time.perf_counter()
        stack.start()
        results["startup_s"] = round(time.perf_counter() - started, 1)
        try:
            assert stack.rasa.process is not None
            results["rasa_rss_mb_idle"] = rss_mb(stack.rasa.process.pid)
            results["rasa_pss_mb_idle"] = pss_mb(stack.rasa.process.pid)
            timed_say(stack.url, "warm-up", "hi")
            results["sequential"] = sequential(stack, args.messages)
            results["concurrent"] = concurrent(stack, args.conversations, args.turns)
            results["rasa_rss_mb_after"] = rss_mb(stack.rasa.process.pid)
            results["rasa_pss_mb_after"] = pss_mb(stack.rasa.process.pid)
            assert stack.actions.process is not None
            results["actions_rss_mb"] = rss_mb(stack.actions.process.pid)
        finally:
            stack.stop()
    model = stack.model
    results["model"] = model.name
    results["model_mb"] = round(model.stat().st_size / 2**20, 1)
    if args.train:
        results["training_s"] = training_seconds()
    write_results("latency", results)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
