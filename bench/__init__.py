"""Benchmarks: measured numbers written to bench/results/, never timed tests."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def write_results(name: str, results: dict[str, Any]) -> Path:
    """bench/results/<name>.json, indented, as every benchmark keeps its numbers."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    return path


def us_per_call(function: Callable[[str], object], texts: Sequence[str]) -> float:
    """Microseconds per call of `function` over `texts`, once each."""
    started = time.perf_counter()
    for text in texts:
        function(text)
    return round((time.perf_counter() - started) / len(texts) * 1e6, 1)


def machine_speed_ms(rounds: int = 5) -> float:
    """Milliseconds for a fixed piece of pure-Python work, the best of `rounds`. The machines
    here ran the same code 2-3 times slower on some days than on others; results carry this
    so that runs from different days can be compared."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        total = 0
        for number in range(2_000_000):
            total += number % 7
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)
