"""Where a Rasa server spends its time under load: py-spy samples the single-node Rasa server's
processes (its workers) while simulated visitors talk to it, and the stacks are summarised by
function (shares of the busy samples of all workers together).
Results: bench/results/profile.json (top functions by inclusive and by own time); the raw
collapsed stacks (several MB) are kept only with --raw FILE.

    python -m bench.profile [--visitors 10] [--seconds 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bench import write_results
from bench.load import BACK_TO_BACK, run_load
from bench.scale import single_node

FRAME = re.compile(r"^(?P<function>[^ ]+) \((?P<file>[^:)]+)(?::\d+)?\)$")


def frame_name(frame: str) -> str:
    """'handle_message (rasa/core/processor.py:123)' -> 'rasa/core/processor.py:handle_message'."""
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    return f"{match['file']}:{match['function']}"


def summarise(collapsed: str, top: int = 40) -> dict[str, Any]:
    """Inclusive and own-time shares per function from py-spy's collapsed ('raw') stacks."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [frame_name(f) for f in stack.split(";")]
        for name in set(frames):
            inclusive[name] += count
        own[frames[-1]] += count

    def shares(counter: Counter[str]) -> list[dict[str, Any]]:
        return [
            {"function": name, "share": round(n / total, 3)} for name, n in counter.most_common(top)
        ]

    return {"samples": total, "inclusive": shares(inclusive), "own": shares(own)}


async def load_for(url: str, visitors: int, seconds: float) -> dict[str, Any]:
    return await run_load(url, visitors, BACK_TO_BACK, conversations=10_000, max_seconds=seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--raw", type=Path, help="where to keep py-spy's collapsed stacks")
    args = parser.parse_args(argv)
    raw = args.raw or Path(tempfile.mkdtemp(prefix="aluma-profile-")) / "rasa.txt"
    with single_node() as (base, pids):
        url = f"{base}/webhooks/rest/webhook"
        asyncio.run(load_for(url, 2, 5))  # warm-up: first calls build TensorFlow graphs
        spy = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "--pid",
                str(pids[0]),
                "--subprocesses",  # the workers, forked from the process we start
                "--format",
                "raw",
                "--rate",
                "200",
                "--nonblocking",
                "--output",
                str(raw),
                "--duration",
                str(int(args.seconds)),
            ],
            stdout=subprocess.DEVNULL,
        )
        run = asyncio.run(load_for(url, args.visitors, args.seconds))
        spy.wait(timeout=args.seconds + 60)
    summary = {"load": run, **summarise(raw.read_text())}
    write_results("profile", summary)
    print(json.dumps({k: summary[k] for k in ("load", "samples")}, indent=2))
    for row in summary["inclusive"][:25]:
        print(f"{row['share']:6.1%}  {row['function']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
