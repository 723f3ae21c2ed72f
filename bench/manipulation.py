"""How the manipulation patterns (bot/nlu/manipulation.py) alone fare on the development sets of
attempts to change the assistant's role, per language: the share of attempts that want no FAQ
fact they catch, and the messages with a real question they catch (those lose their answer
unless the question stands beside the attempt). Also every training example that is not off
topic, which none may be caught on, and the time per message. Whole turns, with the model, are
`python -m bench.understanding manipulation`. Results: bench/results/manipulation.json.

    python -m bench.manipulation
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bench import machine_speed_ms, us_per_call, write_results
from bot.editor.project import Files, Project
from bot.editor.snapshot import Snapshot
from bot.nlu.manipulation import detect
from bot.settings import PROJECT_ROOT

HERE = Path(__file__).parent / "data"
SETS = {
    "en": HERE / "manipulation_dev.yml",
    "es": HERE / "manipulation_dev_es.yml",
    "en_dev2": HERE / "manipulation_dev2.yml",
    "es_dev2": HERE / "manipulation_dev2_es.yml",
}


def _messages(path: Path) -> list[tuple[str, str]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    singles = [(str(s["text"]), str(s["label"])) for s in raw.get("singles") or []]
    turns = [
        (str(t["text"]), str(t["label"]))
        for c in raw.get("conversations") or []
        for t in c["turns"]
    ]
    return singles + turns


def score(messages: list[tuple[str, str]]) -> dict[str, Any]:
    attempts = [t for t, label in messages if label == "out_of_scope"]
    others = [(t, label) for t, label in messages if label != "out_of_scope"]
    missed = [t for t in attempts if not detect(t)]
    caught = [{"text": t, "label": label, "kind": k} for t, label in others if (k := detect(t))]
    return {
        "attempts": len(attempts),
        "caught_share": round(1 - len(missed) / len(attempts), 4),
        "with_a_real_question": len(others),
        "of_those_caught": len(caught),
        "missed": missed,
        "caught_with_a_question": caught,
    }


def main() -> int:
    results: dict[str, Any] = {lang: score(_messages(path)) for lang, path in SETS.items()}
    snapshot = Snapshot(Files(Project(PROJECT_ROOT)))
    examples = [
        e.text
        for blocks in snapshot.all_nlu_files.values()
        for b in blocks
        if b.intent != "out_of_scope"
        for e in b.examples
    ]
    results["training_examples"] = len(examples)
    results["training_examples_caught"] = [t for t in examples if detect(t)]
    results["us_per_message"] = us_per_call(detect, examples)
    results["machine_speed_ms"] = machine_speed_ms()
    out = write_results("manipulation", results)
    for language in SETS:
        row = results[language]
        print(
            f"{language}: {row['caught_share']:.1%} of {row['attempts']} attempts caught; "
            f"{row['of_those_caught']} of {row['with_a_real_question']} with a real question"
        )
    print(
        f"training examples caught: {len(results['training_examples_caught'])} of "
        f"{len(examples)}; {results['us_per_message']} µs a message"
    )
    print(f"details: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
