"""What Rasa itself costs per message on this machine: the cheapest bot Rasa can serve, under the
same load generator as bench/scale.py, next to our assistant in the same run.

The floor bot has one keyword classifier (no spaCy, no TensorFlow), RulePolicy only, and one
canned answer; its tracker is kept in memory, or in SQLite as ours is. Whatever it cannot reach,
no pipeline or policy choice of ours can, because everything left is Rasa's message handling
(channel, lock, tracker fetch and replay, graph runner, action loop) and the HTTP client.
Results: bench/results/rasa_floor.json.

    python -m bench.rasa_floor [--visitors 10,50] [--max-seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import yaml

from bench import write_results
from bench.latency import rss_mb
from bench.load import BACK_TO_BACK, run_load
from bot import services
from testkit.servers import Stack

# Words nearly every visitor question contains, so most turns take the keyword path; the rest
# reach Rasa's core fallback, which also answers with a canned response.
KEYWORDS = ["what", "how", "is", "does", "do", "can", "i", "it", "botox", "rosacea", "the", "a"]

PROJECT = {
    "config.yml": {
        "recipe": "default.v1",
        "language": "en",
        "assistant_id": "floor",
        "pipeline": [{"name": "KeywordIntentClassifier"}],
        "policies": [{"name": "RulePolicy"}],
    },
    "domain.yml": {
        "version": "3.1",
        "intents": ["ask"],
        "responses": {
            "utter_answer": [{"text": "Here is what the article says."}],
            "utter_default": [{"text": "Sorry, I did not get that."}],
        },
        "session_config": {"session_expiration_time": 120, "carry_over_slots_to_new_session": True},
    },
    "data/nlu.yml": {
        "version": "3.1",
        "nlu": [{"intent": "ask", "examples": "".join(f"- {k}\n" for k in KEYWORDS)}],
    },
    "data/rules.yml": {
        "version": "3.1",
        "rules": [{"rule": "answer", "steps": [{"intent": "ask"}, {"action": "utter_answer"}]}],
    },
    "credentials.yml": {"rest": None},
}


def write_project(root: Path) -> None:
    for name, content in PROJECT.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(content, sort_keys=False))


def train(root: Path, name: str = "floor") -> Path:
    """Rasa's own `rasa train` on the project in `root`; returns the model's path."""
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--fixed-model-name", name, "--out", "models"],
        cwd=root,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return root / "models" / f"{name}.tar.gz"


@contextmanager
def floor_server(root: Path, model: Path, tracker: str) -> Iterator[tuple[str, int]]:
    port = services.free_port()
    endpoints = root / f"endpoints-{tracker}.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {root / 'tracker.db'}\n"
        if tracker == "sqlite"
        else "{}\n"
    )
    service = services.Service(
        f"floor-{tracker}",
        [
            *(sys.executable, "-m", "rasa", "run", "--model", str(model)),
            *("--port", str(port), "--interface", "127.0.0.1"),
            *("--endpoints", str(endpoints), "--credentials", str(root / "credentials.yml")),
        ],
        f"http://127.0.0.1:{port}/",
    )
    services.start(service, cwd=root)
    try:
        assert service.process is not None
        yield f"http://127.0.0.1:{port}", service.process.pid
    finally:
        services.stop(service)


@contextmanager
def ours() -> Iterator[tuple[str, int]]:
    workdir = Path(tempfile.mkdtemp(prefix="aluma-floor-ours-"))
    stack = Stack(workdir).start(web=False)
    try:
        assert stack.rasa.process is not None
        yield stack.url, stack.rasa.process.pid
    finally:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def measure(
    server: AbstractContextManager[tuple[str, int]],
    visitors: list[int],
    max_seconds: float,
    handoffs: bool,
) -> dict[str, Any]:
    with server as (base, pid):
        url = f"{base}/webhooks/rest/webhook"
        runs = []
        for count in visitors:
            run = asyncio.run(
                run_load(
                    url,
                    count,
                    BACK_TO_BACK,
                    max_seconds=max_seconds,
                    handoff_every=10 if handoffs else None,
                )
            )
            print(json.dumps(run), flush=True)
            runs.append(run)
        return {"rasa_rss_mb": round(rss_mb(pid), 1), "runs": runs}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visitors", default="10,50")
    parser.add_argument("--max-seconds", type=float, default=60)
    args = parser.parse_args(argv)
    visitors = [int(v) for v in args.visitors.split(",")]
    root = Path(tempfile.mkdtemp(prefix="aluma-floor-"))
    try:
        write_project(root)
        model = train(root)
        results = {
            "floor_in_memory": measure(
                floor_server(root, model, "memory"), visitors, args.max_seconds, False
            ),
            "floor_sqlite": measure(
                floor_server(root, model, "sqlite"), visitors, args.max_seconds, False
            ),
            "ours_single_node": measure(ours(), visitors, args.max_seconds, True),
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)
    write_results("rasa_floor", results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
