"""One model's NLU in process, in two checkouts side by side: for a change that moves code
without meaning to change what it computes (our fixes to Rasa becoming components, say).

Each round starts a fresh process in each checkout in turn (so both see the same hours of this
machine), with that checkout's fixes installed as the Rasa server installs them. It loads the
checkout's model, parses the development and held-out questions and reports its load time,
parse times, memory (PSS) and its predictions, which are compared with the other checkout's.
Results: bench/results/checkout_ab_<name>.json.

    git worktree add /tmp/before HEAD~1 && cp <model trained there> /tmp/before.tar.gz
    python -m bench.checkout_ab NAME --before /tmp/before --before-model /tmp/before.tar.gz
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import machine_speed_ms, write_results
from bench.load import percentile
from bench.nlu_eval import SETS
from bot import training
from bot.evaluation import load_examples
from bot.settings import PROJECT_ROOT

# Run in the checkout's own directory, so that its `bot` package is the one imported.
CHILD = """
import asyncio, json, sys, time
from pathlib import Path
from bot import rasa_server
rasa_server.install()
from rasa.core.agent import Agent
model, texts_file, out_file = sys.argv[1:4]
texts = json.loads(Path(texts_file).read_text())
started = time.perf_counter()
agent = Agent.load(model)
loaded = time.perf_counter() - started
asyncio.run(agent.parse_message("how long does botox last"))
times, parses = [], []
async def parse_all():
    for text in texts:
        begun = time.perf_counter()
        parse = await agent.parse_message(text)
        times.append((time.perf_counter() - begun) * 1000)
        ranking = [(r["name"], r["confidence"]) for r in parse.get("intent_ranking") or []]
        parses.append({"intent": parse["intent"]["name"], "ranking": ranking})
asyncio.run(parse_all())
pss = 0
for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
    if line.startswith("Pss:"):
        pss = int(line.split()[1]) // 1024
Path(out_file).write_text(json.dumps(
    {"load_s": loaded, "times_ms": times, "pss_mb": pss, "parses": parses}))
"""


def run_once(checkout: Path, model: Path, texts_file: Path) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        env = {**os.environ, "PYTHONPATH": str(checkout)}
        subprocess.run(
            [sys.executable, "-c", CHILD, str(model), str(texts_file), out.name],
            cwd=checkout,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        result: dict[str, Any] = json.loads(Path(out.name).read_text())
        return result


def agreement(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> dict[str, Any]:
    same_intent = sum(x["intent"] == y["intent"] for x, y in zip(a, b, strict=True))
    same_order = sum(
        [n for n, _ in x["ranking"]] == [n for n, _ in y["ranking"]]
        for x, y in zip(a, b, strict=True)
    )
    difference = max(
        (
            abs(p - dict(y["ranking"]).get(n, p))
            for x, y in zip(a, b, strict=True)
            for n, p in x["ranking"]
        ),
        default=0.0,
    )
    return {
        "messages": len(a),
        "same_intent": same_intent,
        "same_ranking_order": same_order,
        "max_confidence_difference": difference,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("name", help="what the results file is named for")
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--before-model", type=Path, required=True)
    parser.add_argument("--after-model", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    after_model = args.after_model or training.current_model()
    assert after_model is not None, "run `make train` first"
    sides = {
        "before": (args.before.resolve(), args.before_model.resolve()),
        "after": (PROJECT_ROOT, Path(after_model).resolve()),
    }
    texts = [e.text for name in ("dev", "heldout") for e in load_examples(SETS[name])]
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as texts_file:
        json.dump(texts, texts_file)
        texts_file.flush()
        for _ in range(args.rounds):
            for side, (checkout, model) in sides.items():
                runs[side].append(run_once(checkout, model, Path(texts_file.name)))
    results: dict[str, Any] = {
        "machine_speed_ms": machine_speed_ms(),
        "rounds": args.rounds,
        "messages": len(texts),
        "sides": {side: {"checkout": str(c), "model": m.name} for side, (c, m) in sides.items()},
    }
    for side, each in runs.items():
        times = [t for run in each for t in run["times_ms"]]
        results[side] = {
            "parse_mean_ms": round(statistics.mean(times), 3),
            "parse_p50_ms": round(percentile(times, 50), 3),
            "parse_p95_ms": round(percentile(times, 95), 3),
            "load_s": [round(run["load_s"], 2) for run in each],
            "pss_mb": [run["pss_mb"] for run in each],
        }
    results["agreement"] = agreement(runs["before"][-1]["parses"], runs["after"][-1]["parses"])
    write_results(f"checkout_ab_{args.name}", results)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
