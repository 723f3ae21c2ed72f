"""Our single node next to a plain Rasa FAQ bot, on the same machine in the same hour.

Issue 6 states its goals against such a bot measured on an earlier machine (69 msg/s and p95
1.1 s for 50 back-to-back visitors, p95 3.4 s for 200 typing visitors, about 900 MB). The
machines here differ several-fold from one day to the next (bench.machine_speed_ms), so a figure
of ours means little without the plain bot measured beside it.

The plain bot is Rasa's own default configuration (the pipeline and policies Rasa 3.6 uses when
config.yml names none: DIET, a ResponseSelector, TED and UnexpecTED), trained on our FAQ
examples and answers and five small-talk intents with a rule each, served by `rasa run` with
Rasa's default in-memory tracker and lock stores. `--epochs` shortens its training: the number
of epochs changes the weights' values, not their shapes, so it costs the same per message. It
gets FAQ conversations only (it has no handoff); ours gets the usual one handoff in ten.
Both servers are up at once and the runs alternate, so a change in the machine's speed falls on
both. Results: bench/results/rasa_default.json.

    python -m bench.rasa_default [--epochs 100] [--repeats 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bench import machine_speed_ms, write_results
from bench.load import BACK_TO_BACK, TYPING, Pace, run_load
from bench.rasa_floor import floor_server, ours, train
from bench.scale import memory
from bot.settings import PROJECT_ROOT

# (pace, visitors, ramp seconds, conversations): the two stated points.
RUNS = [(BACK_TO_BACK, 50, 0.0, 600), (TYPING, 200, TYPING.high, 600)]
SMALL_TALK = ("greet", "goodbye", "thank", "bot_challenge", "out_of_scope")
INTENTS = ("faq", *SMALL_TALK)
KEPT = ("messages", "messages_per_s", "p50_ms", "p95_ms", "p99_ms", "errors")


def default_config(epochs: int | None) -> dict[str, Any]:
    """Rasa's own default config.yml, with every `epochs` replaced when asked."""
    path = resources.files("rasa.engine.recipes") / "config_files" / "default_config.yml"
    config = yaml.safe_load(path.read_text())
    config["assistant_id"] = "plain-faq"
    if epochs is not None:
        for component in config["pipeline"] + config["policies"]:
            if "epochs" in component:
                component["epochs"] = epochs
    return config


def nlu_data() -> dict[str, Any]:
    """Our FAQ examples and a plain bot's small talk (DIET needs two intents at least)."""
    examples = []
    for path in ("data/nlu.yml", "data/nlu/conversation.yml", "data/nlu/out_of_scope.yml"):
        data = yaml.safe_load((PROJECT_ROOT / path).read_text())
        examples += [e for e in data["nlu"] if e["intent"].split("/")[0] in INTENTS]
    return {"version": "3.1", "nlu": examples}


def write_project(root: Path, epochs: int | None) -> None:
    answers = yaml.safe_load((PROJECT_ROOT / "data/responses/faq.yml").read_text())
    replies = {f"utter_{intent}": [{"text": f"A canned {intent} reply."}] for intent in SMALL_TALK}
    domain = {
        "version": "3.1",
        "intents": list(INTENTS),
        "responses": answers["responses"]
        | replies
        | {"utter_default": [{"text": "Sorry, I did not get that."}]},
    }
    rules = {
        "version": "3.1",
        "rules": [
            {"rule": intent, "steps": [{"intent": intent}, {"action": f"utter_{intent}"}]}
            for intent in INTENTS
        ]
        + [
            {
                "rule": "fallback",
                "steps": [{"intent": "nlu_fallback"}, {"action": "utter_default"}],
            },
        ],
    }
    stories = {
        "version": "3.1",
        "stories": [
            {
                "story": "two questions",
                "steps": [
                    {"intent": "faq"},
                    {"action": "utter_faq"},
                    {"intent": "faq"},
                    {"action": "utter_faq"},
                ],
            }
        ],
    }
    (root / "data").mkdir(parents=True)
    for name, content in (
        ("data/nlu.yml", nlu_data()),
        ("config.yml", default_config(epochs)),
        ("domain.yml", domain),
        ("data/rules.yml", rules),
        ("data/stories.yml", stories),
        ("credentials.yml", {"rest": None}),
    ):
        (root / name).write_text(yaml.safe_dump(content, sort_keys=False))


@contextmanager
def plain_server(root: Path, model: Path) -> Iterator[tuple[str, list[int]]]:
    """`rasa run` with Rasa's default (in-memory) tracker and lock stores."""
    with floor_server(root, model, "memory") as (base, pid):
        yield base, [pid]


@contextmanager
def our_server() -> Iterator[tuple[str, list[int]]]:
    with ours() as (base, pid):
        yield base, [pid]


def load(
    url: str, pace: Pace, visitors: int, ramp: float, count: int, handoffs: bool
) -> dict[str, Any]:
    run = asyncio.run(
        run_load(
            f"{url}/webhooks/rest/webhook",
            visitors,
            pace,
            conversations=count,
            max_seconds=300,
            ramp_seconds=ramp,
            handoff_every=10 if handoffs else None,
        )
    )
    return {key: run[key] for key in KEPT} | {"visitors": visitors, "pace": pace.name}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=None, help="Rasa's default: 100")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="aluma-plain-"))
    results: dict[str, Any] = {"epochs": args.epochs or 100, "plain": {}, "ours": {}}
    try:
        write_project(root, args.epochs)
        model = train(root, "plain")
        with ExitStack() as stack:
            servers = {
                "plain": stack.enter_context(plain_server(root, model)),
                "ours": stack.enter_context(our_server()),
            }
            for name, (url, pids) in servers.items():
                load(url, BACK_TO_BACK, 10, 0.0, 20, name == "ours")  # first predictions
                results[name] = {"memory_before": memory(pids), "runs": []}
            for repeat in range(args.repeats):
                order = list(servers) if repeat % 2 == 0 else list(servers)[::-1]
                for pace, visitors, ramp, count in RUNS:
                    for name in order:
                        url, _ = servers[name]
                        run = load(url, pace, visitors, ramp, count, name == "ours")
                        run["machine_speed_ms"] = machine_speed_ms(3)
                        print(name, json.dumps(run), flush=True)
                        results[name]["runs"].append(run)
            for name, (_, pids) in servers.items():
                results[name]["memory_after"] = memory(pids)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"wrote {write_results('rasa_default', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
