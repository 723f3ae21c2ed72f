"""What our spaCy pipeline adds: NLU cross-validation of config.yml against the same pipeline
with Rasa's WhitespaceTokenizer instead of our spaCy pipeline (no lemmas, no clinic vocabulary).
Results: bench/results/crossval.json.

    python -m bench.crossval [--folds 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from bench import write_results
from bot.settings import PROJECT_ROOT

SPACY_COMPONENTS = {"SpacyNLP", "SpacyEntityExtractor"}


def without_spacy(config: dict[str, Any]) -> dict[str, Any]:
    pipeline = []
    for component in config["pipeline"]:
        if component["name"] in SPACY_COMPONENTS:
            continue
        if component["name"] == "SpacyTokenizer":
            component = {"name": "WhitespaceTokenizer"}
        pipeline.append(component)
    return {**config, "pipeline": pipeline}


def cross_validate(config: Path, folds: int, out: Path) -> dict[str, Any]:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "test",
            "nlu",
            "--nlu",
            "data",
            "--config",
            str(config),
            "--cross-validation",
            "--folds",
            str(folds),
            "--out",
            str(out),
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    intents = json.loads((out / "intent_report.json").read_text())
    selection_file = out / "response_selection_report.json"
    selection = json.loads(selection_file.read_text()) if selection_file.exists() else {}
    return {
        "intent_accuracy": round(intents["accuracy"], 4),
        "intent_weighted_f1": round(intents["weighted avg"]["f1-score"], 4),
        "response_selection_accuracy": round(selection.get("accuracy", float("nan")), 4),
        "response_selection_weighted_f1": round(
            selection.get("weighted avg", {}).get("f1-score", float("nan")), 4
        ),
        "seconds": round(time.perf_counter() - started),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args(argv)
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    results: dict[str, Any] = {"folds": args.folds}
    with tempfile.TemporaryDirectory() as tmp:
        baseline = Path(tmp) / "config_without_spacy.yml"
        baseline.write_text(yaml.safe_dump(without_spacy(config), sort_keys=False))
        results["with_spacy_pipeline"] = cross_validate(
            PROJECT_ROOT / "config.yml", args.folds, Path(tmp) / "a"
        )
        results["whitespace_tokenizer"] = cross_validate(baseline, args.folds, Path(tmp) / "b")
    write_results("crossval", results)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
