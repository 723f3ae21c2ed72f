"""Score a trained model on labelled visitor messages the way a visitor would experience it.

Labels follow data/nlu: `faq/<topic>`, `not_in_article/<topic>`, `emergency`, `out_of_scope` and
the conversation intents. What counts is the behaviour after every guard has run:

- faq_accuracy: an FAQ question gets the right answer (intent `faq` and that topic's response);
- unanswerable_handled: a question the article does not answer gets no FAQ answer and is offered
  staff follow-up (not_in_article, fallback, out_of_scope, emergency or a handoff request);
- emergency_routed: a red-flag message reaches the emergency message;
- oos_no_faq: an out-of-scope message gets no FAQ answer;
- oos_fallback: an out-of-scope message goes to a fallback (out_of_scope or nlu_fallback).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

STAFF_OFFERED = {"not_in_article", "nlu_fallback", "out_of_scope", "emergency", "request_handoff"}
FALLBACKS = {"out_of_scope", "nlu_fallback"}


@dataclass(frozen=True)
class Example:
    text: str
    label: str


@dataclass(frozen=True)
class Outcome:
    text: str
    label: str
    predicted: str  # the intent, or faq/<topic> and not_in_article/<topic> for retrieval intents
    confidence: float


@dataclass
class Report:
    counts: dict[str, int]
    scores: dict[str, float]
    errors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def load_examples(path: Path) -> list[Example]:
    """Examples from an evaluation file (`examples: [{text, label}]`)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Example(str(e["text"]), str(e["label"])) for e in raw["examples"]]


def story_examples(path: Path) -> list[Example]:
    """Every visitor message in a test stories file, labelled with its intent (`faq/dose`)."""
    stories = yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]
    return [
        Example(step["user"].strip(), step["intent"])
        for story in stories
        for step in story["steps"]
        if "user" in step and "intent" in step
    ]


def misunderstood(report: Report) -> list[dict[str, Any]]:
    """The errors that change the answer: a fallback for out of scope (or the reverse) does not,
    since both say so and offer staff."""
    return [
        error
        for errors in report.errors.values()
        for error in errors
        if not {error["label"], error["predicted"]} <= FALLBACKS
    ]


def predicted_label(parse: dict[str, Any]) -> tuple[str, float]:
    intent = parse.get("intent") or {}
    name = str(intent.get("name"))
    confidence = float(intent.get("confidence") or 0.0)
    selector = (parse.get("response_selector") or {}).get(name)
    if selector:
        key = selector.get("response", {}).get("intent_response_key")
        if key:
            return str(key), confidence
    return name, confidence


def rankings(parse: dict[str, Any]) -> list[tuple[str, float]]:
    """Every ranked label with its confidence: the intents, then each response selector's."""
    ranked = [(i["name"], i["confidence"]) for i in parse.get("intent_ranking") or []]
    for name, selector in (parse.get("response_selector") or {}).items():
        if name != "all_retrieval_intents":
            ranked += [(r["intent_response_key"], r["confidence"]) for r in selector["ranking"]]
    return ranked


def _share(outcomes: Sequence[Outcome], good: Any) -> float:
    return sum(1 for o in outcomes if good(o)) / len(outcomes) if outcomes else float("nan")


def score(outcomes: Iterable[Outcome], error_limit: int = 200) -> Report:
    outcomes = list(outcomes)
    groups: dict[str, list[Outcome]] = {
        "faq": [o for o in outcomes if o.label.startswith("faq/")],
        "unanswerable": [o for o in outcomes if o.label.startswith("not_in_article/")],
        "emergency": [o for o in outcomes if o.label == "emergency"],
        "out_of_scope": [o for o in outcomes if o.label == "out_of_scope"],
    }
    groups["conversation"] = [o for o in outcomes if not any(o in g for g in groups.values())]

    def intent_of(o: Outcome) -> str:
        return o.predicted.split("/")[0]

    checks = {
        "faq_accuracy": ("faq", lambda o: o.predicted == o.label),
        "unanswerable_handled": ("unanswerable", lambda o: intent_of(o) in STAFF_OFFERED),
        "unanswerable_topic": ("unanswerable", lambda o: o.predicted == o.label),
        "emergency_routed": ("emergency", lambda o: o.predicted == "emergency"),
        "oos_no_faq": ("out_of_scope", lambda o: intent_of(o) != "faq"),
        "oos_fallback": ("out_of_scope", lambda o: intent_of(o) in FALLBACKS),
        "conversation_accuracy": ("conversation", lambda o: o.predicted == o.label),
    }
    scores = {name: round(_share(groups[g], good), 4) for name, (g, good) in checks.items()}
    errors = {
        name: [
            {
                "text": o.text,
                "label": o.label,
                "predicted": o.predicted,
                "confidence": round(o.confidence, 3),
            }
            for o in groups[g]
            if not good(o)
        ][:error_limit]
        for name, (g, good) in checks.items()
    }
    return Report(counts={g: len(v) for g, v in groups.items()}, scores=scores, errors=errors)


async def parse_all(model: Path, texts: Sequence[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent

    from bot import rasa_server

    rasa_server.install()  # parse with the model exactly as the server loads it
    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def evaluate(model: Path, examples: Sequence[Example]) -> Report:
    parses = asyncio.run(parse_all(model, [e.text for e in examples]))
    outcomes = []
    for example, parse in zip(examples, parses, strict=True):
        predicted, confidence = predicted_label(parse)
        outcomes.append(Outcome(example.text, example.label, predicted, confidence))
    return score(outcomes)


def confusion(report: Report) -> Counter[tuple[str, str]]:
    pairs: Counter[tuple[str, str]] = Counter()
    for errors in report.errors.values():
        for error in errors:
            pairs[(error["label"], error["predicted"])] += 1
    return pairs
