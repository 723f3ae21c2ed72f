"""Benchmarks: measured numbers written to bench/results/, never timed tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def write_results(name: str, results: dict[str, Any]) -> Path:
    """bench/results/<name>.json, indented, as every benchmark keeps its numbers."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    return path
