"""The smoke test a model must pass before and after it goes live: every FAQ's conversation
test and a sample of each topic's example questions get that topic's answer, word for word."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.editor.project import Files, Project
from bot.editor.snapshot import FAQ, Snapshot

EXAMPLES_PER_TOPIC = 5
MIN_EXAMPLE_SHARE = 0.95  # of the sampled training examples; conversation tests must all pass
TEST = "conversation test"
EXAMPLE = "example"


@dataclass(frozen=True)
class Case:
    text: str
    label: str  # faq/<topic>
    answer: str  # the answer the project's data gives for it
    kind: str  # TEST or EXAMPLE


@dataclass(frozen=True)
class Failure:
    case: Case
    predicted: str
    answer: str

    def __str__(self) -> str:
        if self.predicted != self.case.label:
            got = f"understood as {self.predicted}"
        else:
            got = f"answered {self.answer[:70]!r}"
        return f"{self.case.kind} {self.case.text!r} ({self.case.label}): {got}"


@dataclass
class Result:
    cases: list[Case]
    failures: list[Failure] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(c.kind == kind for c in self.cases)

    @property
    def passed(self) -> bool:
        if any(f.case.kind == TEST or f.predicted == f.case.label for f in self.failures):
            return False  # a conversation test failed, or the right topic gave the wrong text
        examples = self.count(EXAMPLE)
        wrong = sum(f.case.kind == EXAMPLE for f in self.failures)
        return not examples or (examples - wrong) / examples >= MIN_EXAMPLE_SHARE

    def summary(self) -> str:
        right = len(self.cases) - len(self.failures)
        return (
            f"{self.count(TEST)} conversation tests and {self.count(EXAMPLE)} example questions:"
            f" {right}/{len(self.cases)} right"
        )


def cases(project: Project, per_topic: int = EXAMPLES_PER_TOPIC) -> list[Case]:
    snapshot = Snapshot(Files(project))
    found = []
    for faq in snapshot.faqs():
        label = f"{FAQ}/{faq.topic}"
        if faq.test_question:
            found.append(Case(faq.test_question, label, faq.answer, TEST))
        sample = sorted(faq.examples, key=lambda t: hashlib.sha1(t.encode()).hexdigest())
        found += [Case(text, label, faq.answer, EXAMPLE) for text in sample[:per_topic]]
    return found


def _normal(text: str) -> str:
    return " ".join(text.split())


Responses = Mapping[str, Sequence[Mapping[str, Any]]]


def answer_of(parse: Mapping[str, Any], responses: Responses) -> str:
    """The answer a visitor gets for this message: the model's domain response for the
    retrieval action its ResponseSelector picked (what Rasa's `utter_faq` sends)."""
    selected = (parse.get("response_selector") or {}).get(FAQ) or {}
    action = (selected.get("response") or {}).get("utter_action")
    variants = responses.get(str(action)) or [] if action else []
    return str(variants[0].get("text") or "") if variants else ""


def judge(
    all_cases: Sequence[Case], parses: Iterable[Mapping[str, Any]], responses: Responses
) -> Result:
    """`parses`: the model's parse of each case; `responses`: the model's domain responses."""
    from bot.evaluation import predicted_label

    result = Result(list(all_cases))
    for case, parse in zip(all_cases, parses, strict=True):
        predicted, _ = predicted_label(dict(parse))
        answer = answer_of(parse, responses) if predicted.startswith(f"{FAQ}/") else ""
        if predicted != case.label or _normal(answer) != _normal(case.answer):
            result.failures.append(Failure(case, predicted, answer))
    return result
