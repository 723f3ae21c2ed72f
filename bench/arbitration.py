"""How DIET's reading and the semantic reading are combined, rule beside rule, on single
messages: for each message of the development sets, what both readings said (recorded once, by
parsing with the trained model), then what each candidate rule would decide from that.

    python -m bench.arbitration record         # parses the sets: build/arbitration.json
    python -m bench.arbitration compare        # results: bench/results/arbitration.json

Only the development sets choose a rule; `--heldout` adds the held-out sets to the table, to
be looked at once a rule is chosen, not tuned on.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bench import write_results
from bench.understanding import SETS
from bot.language import SPANISH, detect

ROOT = Path(__file__).parent.parent
RECORDS = ROOT / "build" / "arbitration.json"
NLU_SETS = {"nlu_dev": ROOT / "bench" / "data" / "nlu_dev.yml"}
DEV = (
    "dev", "spanish_dev", "nlu_dev", "dev2", "spanish_dev2", "dev3", "dev4", "spanish_dev3",
    "dev5", "spanish_dev4",
)  # fmt: skip
HELDOUT = ("heldout", "spanish_heldout")


def _singles(name: str) -> list[dict[str, str]]:
    path = SETS.get(name) or NLU_SETS[name]
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if "examples" in raw:
        return [
            {"text": str(e["text"]), "label": str(e["label"]), "kind": "nlu"}
            for e in raw["examples"]
        ]
    return [
        {"text": str(s["text"]), "label": str(s["label"]), "kind": str(s["kind"])}
        for s in raw.get("singles") or []
    ]


def _final(parsed: dict[str, Any]) -> str:
    name = str((parsed.get("intent") or {}).get("name"))
    selector = (parsed.get("response_selector") or {}).get(name) or {}
    key = (selector.get("response") or {}).get("intent_response_key")
    return str(key) if key else name


async def _record(names: list[str], model: Path | None) -> dict[str, list[dict[str, Any]]]:
    from rasa.core.agent import Agent
    from rasa.shared.nlu.constants import INTENT_RANKING_KEY

    from bot import rasa_server, training
    from bot.nlu import semantic
    from bot.nlu.understanding import RESPONSE_SELECTOR_KEY, reading

    seen: list[dict[str, Any]] = []
    original = semantic.SemanticClassifier._arbitrate

    def recording(self: Any, message: Any, probabilities: dict[str, float]) -> None:
        selectors = message.get(RESPONSE_SELECTOR_KEY) or {}
        seen.append(
            {
                "chosen": reading(message).label,
                "ranking": [
                    (r["name"], round(float(r["confidence"]), 5))
                    for r in message.get(INTENT_RANKING_KEY) or []
                ],
                "selectors": {
                    k: [
                        (r["intent_response_key"], round(float(r["confidence"]), 5))
                        for r in v.get("ranking") or []
                    ]
                    for k, v in selectors.items()
                    if isinstance(v, dict)
                },
                "semantic": {k: round(v, 5) for k, v in probabilities.items() if v >= 1e-4},
            }
        )
        original(self, message, probabilities)

    semantic.SemanticClassifier._arbitrate = recording  # type: ignore[method-assign,assignment]
    rasa_server.install()
    agent = Agent.load(str(model or training.current_model()))
    records: dict[str, list[dict[str, Any]]] = {}
    for name in names:
        records[name] = []
        for single in _singles(name):
            seen.clear()
            parsed = await agent.parse_message(single["text"])
            state = seen[0] if seen else {}
            records[name].append({**single, **state, "final": _final(parsed)})
    return records


def record(names: list[str], model: Path | None = None) -> None:
    records = asyncio.run(_record(names, model))
    RECORDS.parent.mkdir(exist_ok=True)
    RECORDS.write_text(json.dumps(records))
    print(f"recorded {sum(map(len, records.values()))} messages: {RECORDS}")


# --- rules: each maps one record to a decision (a label, `clarify`, or unchanged) -------------

Rule = Callable[[dict[str, Any]], str]


def current(r: dict[str, Any]) -> str:
    return str(r["final"])


def _disagreed(r: dict[str, Any]) -> bool:
    """DIET chose an FAQ topic and the current rule asked or fell back instead."""
    chosen = str(r.get("chosen", ""))
    return chosen.startswith("faq/") and r["final"] in ("clarify_topic", "nlu_fallback")


def _diet_faq(r: dict[str, Any]) -> dict[str, float]:
    """DIET's probability of each FAQ topic: P(faq) times the selector's share."""
    faq = next((c for n, c in r.get("ranking", []) if n == "faq"), 0.0)
    return {k: faq * c for k, c in r.get("selectors", {}).get("faq", [])}


def product(answer: float) -> Rule:
    """Where the current rule asks or falls back after a disagreement, answer the topic whose
    product of the two readings' probabilities holds at least `answer` of the products' sum."""

    def rule(r: dict[str, Any]) -> str:
        final = str(r["final"])
        if not _disagreed(r):
            return final
        diet = _diet_faq(r)
        sem = r["semantic"]
        joint = {k: diet[k] * sem.get(k, 0.0) for k in diet}
        # The rest of the semantic reading (off topic, not in the article) as one competitor,
        # weighted by DIET's probability of anything but an FAQ.
        rest = 1.0 - sum(diet.values())
        other = sum(v for k, v in sem.items() if not k.startswith("faq/"))
        joint["other"] = max(rest, 1e-3) * other
        top = max(joint, key=lambda k: joint[k])
        if top.startswith("faq/") and joint[top] / sum(joint.values()) >= answer:
            return top
        return final

    return rule


def runner_up(non_faq: float, faq: float) -> Rule:
    """Where DIET chose an FAQ topic and the semantic reading's first choice was something else,
    answer DIET's topic when it is the semantic reading's second choice with at least
    `non_faq` (first choice not an FAQ topic) or `faq` (first choice another FAQ topic)."""

    def rule(r: dict[str, Any]) -> str:
        final, chosen = str(r["final"]), str(r.get("chosen", ""))
        if not _disagreed(r):
            return final
        sem = r["semantic"]
        ranked = sorted(sem, key=lambda k: sem[k], reverse=True)
        if len(ranked) < 2 or ranked[1] != chosen:
            return final
        least = faq if ranked[0].startswith("faq/") else non_faq
        return chosen if sem[chosen] >= least else final

    return rule


def off_topic(least: float, spanish_only: bool) -> Rule:
    """An FAQ answer becomes the out-of-scope reply when the semantic reading gives off topic at
    least `least` (today 0.6 for every message; Spanish off-topic messages score lower)."""

    def rule(r: dict[str, Any]) -> str:
        final = str(r["final"])
        if not final.startswith("faq/") or (spanish_only and detect(r["text"]) != SPANISH):
            return final
        oos = float(r.get("semantic", {}).get("out_of_scope", 0.0))
        return "out_of_scope" if oos >= least else final

    return rule


def _right(label: str, decision: str) -> bool:
    if label.startswith("faq/"):
        return decision == label
    if label == "emergency":
        return decision == "emergency"
    return not decision.startswith("faq/")


def score(records: list[dict[str, Any]], rule: Rule) -> dict[str, Any]:
    kinds: dict[str, list[bool]] = {}
    wrong = clarified = 0
    for r in records:
        decision = rule(r)
        kinds.setdefault(r["kind"], []).append(_right(r["label"], decision))
        wrong += decision.startswith("faq/") and decision != r["label"]
        clarified += decision == "clarify_topic"
    table: dict[str, Any] = {k: round(sum(v) / len(v), 4) for k, v in sorted(kinds.items())}
    return table | {"wrong": wrong, "clarify": clarified, "messages": len(records)}


RULES: dict[str, Rule] = (
    {"current": current}
    | {f"product_{a}": product(a) for a in (0.5, 0.7, 0.9)}
    | {
        f"second_{n}_{f}": runner_up(n, f)
        for n, f in ((0.2, 1.1), (0.3, 1.1), (0.4, 1.1), (1.1, 0.2), (1.1, 0.3), (0.3, 0.3))
    }
    | {f"off_topic_es_{t}": off_topic(t, spanish_only=True) for t in (0.2, 0.3, 0.4, 0.5)}
    | {f"off_topic_{t}": off_topic(t, spanish_only=False) for t in (0.3, 0.4, 0.5)}
)


def compare(heldout: bool) -> None:
    records = json.loads(RECORDS.read_text())
    names = [n for n in (*DEV, *(HELDOUT if heldout else ())) if n in records]
    results = {n: {rule: score(records[n], f) for rule, f in RULES.items()} for n in names}
    write_results("arbitration", results)
    for name, table in results.items():
        print(f"== {name}")
        for rule, row in table.items():
            print(f"  {rule:16s} {row}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["record", "compare"])
    parser.add_argument("--heldout", action="store_true")
    parser.add_argument("--model", type=Path, help="the model to record (default: the current one)")
    args = parser.parse_args(argv)
    if args.action == "record":
        record([*DEV, *HELDOUT], args.model)
    else:
        compare(args.heldout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
