"""How well the red-flag patterns (bot/nlu/red_flags.py) catch emergencies as visitors type them,
and how rarely they fire on messages that only share their words, per language, on the
development set bench/data/red_flags_dev.yml. The patterns run on raw text, apart from the
model, so this needs no training. Results: bench/results/red_flags.json.

    python -m bench.red_flags
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bench import machine_speed_ms, us_per_call, write_results
from bot.nlu.red_flags import detect

DEV = Path(__file__).parent / "data" / "red_flags_dev.yml"


def score(lines: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for language in sorted({line["lang"] for kind in lines.values() for line in kind}):
        positives = [x["text"] for x in lines["positives"] if x["lang"] == language]
        negatives = [x["text"] for x in lines["negatives"] if x["lang"] == language]
        missed = [t for t in positives if not detect(t)]
        fired = [t for t in negatives if detect(t)]
        results[language] = {
            "recall": round(1 - len(missed) / len(positives), 4),
            "false_positive_rate": round(len(fired) / len(negatives), 4),
            "positives": len(positives),
            "negatives": len(negatives),
            "missed": missed,
            "fired": fired,
        }
    return results


def main() -> int:
    lines = yaml.safe_load(DEV.read_text(encoding="utf-8"))
    results = score(lines)
    texts = [x["text"] for kind in lines.values() for x in kind]
    results["us_per_message"] = us_per_call(detect, texts)
    results["machine_speed_ms"] = machine_speed_ms()
    out = write_results("red_flags", results)
    for language in ("en", "es"):
        row = results[language]
        print(f"{language}: recall {row['recall']}, false positives {row['false_positive_rate']}")
    print(f"details: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
