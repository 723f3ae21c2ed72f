"""Training time against NLU quality: config.yml and variants of it, each trained from scratch
and scored on the development set, the gate's held-out set (bot/evaluation.py) and the
visitor messages of the conversation tests.
Results: bench/results/training.json, one entry per variant, kept across runs.

    python -m bench.training [--variants diet_20_rs_25,diet_25_rs_50,...]

Training runs twice in every CI run (the repository's model and the editor's), on the same two
cores as the tests, so its CPU time is most of what CI waits for.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from bench import RESULTS, machine_speed_ms, write_results
from bench.nlu_eval import SETS
from bot import training
from bot.evaluation import evaluate, load_examples, misunderstood, story_examples
from bot.settings import PROJECT_ROOT

STORIES = PROJECT_ROOT / "tests" / "test_stories.yml"


def epochs(diet: int, selectors: int) -> dict[str, dict[str, Any]]:
    return {
        "DIETClassifier": {"epochs": diet},
        "faq": {"epochs": selectors},
        "not_in_article": {"epochs": selectors},
    }


BATCHES = {"batch_size": [128, 512]}
# A variant: component -> settings changed, on top of config.yml (components are named by
# `component_key`). Each sets every epoch count, so that a result stays what it says when
# config.yml's own counts change.
VARIANTS: dict[str, dict[str, dict[str, Any]]] = {
    "diet_25_rs_50": epochs(25, 50),  # config.yml before this benchmark
    "diet_25_rs_25": epochs(25, 25),
    "diet_15_rs_25": epochs(15, 25),  # "okay", a training example, fell to a fallback
    "diet_20_rs_25": epochs(20, 25),  # config.yml since
    "diet_25_rs_25_words_min_df_2": {**epochs(25, 25), "words": {"min_df": 2}},
    "diet_25_rs_25_words_min_df_2_batches_128_512": {
        "words": {"min_df": 2},
        **{key: {**settings, **BATCHES} for key, settings in epochs(25, 25).items()},
    },
}


def component_key(component: dict[str, Any]) -> str:
    """words, chars, DIETClassifier, faq, not_in_article, ...: a name for a pipeline entry
    (ours named as the Rasa component they extend)."""
    name = str(component["name"]).rsplit(".", 1)[-1].removeprefix("Lean")
    if name == "CountVectorsFeaturizer":
        return "chars" if component.get("analyzer") == "char_wb" else "words"
    return str(component.get("retrieval_intent", name))


def variant_config(changes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    unknown = set(changes) - {component_key(c) for c in config["pipeline"]}
    if unknown:
        raise SystemExit(f"no such component in config.yml: {sorted(unknown)}")
    for component in config["pipeline"]:
        component.update(changes.get(component_key(component), {}))
    return config


def train(config: dict[str, Any], out: Path) -> dict[str, Any]:
    """`rasa train` of the repository's data with `config`: wall and CPU seconds, model size."""
    (out / "config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with (out / "train.log").open("w") as log:
        subprocess.run(
            # --force: every component trains, none comes from Rasa's cache.
            [*training.train_command(out / "config.yml", out, "model"), "--force"],
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
            check=True,
        )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    model = out / "model.tar.gz"
    return {
        "train_wall_s": round(wall),
        "train_cpu_s": round(cpu),
        "model_mb": round(model.stat().st_size / 1e6, 1),
    }


def measure(name: str, changes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="aluma-train-bench-") as tmp:
        out = Path(tmp)
        result: dict[str, Any] = {"changes": changes, **train(variant_config(changes), out)}
        model = out / "model.tar.gz"
        for set_name, path in SETS.items():
            report = evaluate(model, load_examples(path))
            result[set_name] = {metric: round(v, 4) for metric, v in report.scores.items()}
        # tests/test_conversations.py wants none of these.
        stories = misunderstood(evaluate(model, story_examples(STORIES)))
        result["stories_misunderstood"] = [f"{e['text']} -> {e['predicted']}" for e in stories]
    print(name, json.dumps(result), flush=True)
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", default=",".join(VARIANTS))
    names = parser.parse_args(argv).variants.split(",")
    os.chdir(PROJECT_ROOT)  # the config names the spaCy pipeline by a relative path
    path = RESULTS / "training.json"
    results = json.loads(path.read_text()) if path.exists() else {"variants": {}}
    for name in names:
        result = measure(name, VARIANTS[name])
        results["variants"][name] = {**result, "speed_ms": machine_speed_ms()}
        write_results("training", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
