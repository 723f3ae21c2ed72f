"""Score the assistant on whole turns, the way a visitor reads them: which answers came back.

Unlike `bot/evaluation.py` (one parse per message), this runs the trained model as the server
does, with the action server and a conversation per example, and reads the answers each turn
sent (`utter_faq/<topic>`, `utter_not_in_article/<topic>`, the emergency message, the staff
offer). That is what several questions in one message and follow-ups need.

Sets (`bench/data/understanding_dev.yml`, `tests/data/understanding_heldout.yml`):
`singles` (text, label, kind: hard | unanswerable | emergency | near_miss | oos), `multi` (text,
labels in the visitor's order) and `conversations` (turns of text and label).
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

FAQ = "utter_faq/"
NOT_IN_ARTICLE = "utter_not_in_article/"
STAFF = {"utter_offer_handoff", "utter_ask_handoff_question", "utter_ask_handoff_name"}
EMERGENCY = "utter_emergency"


@dataclass(frozen=True)
class Turn:
    text: str
    label: str  # faq/<topic>, not_in_article/<topic>, emergency, out_of_scope


@dataclass(frozen=True)
class Case:
    kind: str  # hard, unanswerable, emergency, near_miss, oos, multi, followup
    turns: tuple[Turn, ...]
    labels: tuple[str, ...] = ()  # multi only: every question's label, in order
    language: str | None = None  # the set's language: every reply must be in it


@dataclass(frozen=True)
class Reply:
    """What the bot sent for one message: the responses' names and their texts."""

    names: list[str]
    texts: list[str]


@dataclass
class Report:
    counts: dict[str, int]
    scores: dict[str, float]
    wrong_faq_answers: int = 0
    messages: int = 0
    errors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def load_cases(path: Path) -> list[Case]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    language = raw.get("language")
    cases = [
        Case(str(s["kind"]), (Turn(str(s["text"]), str(s["label"])),), language=language)
        for s in raw.get("singles") or []
    ]
    cases += [
        Case(
            "multi",
            (Turn(str(m["text"]), "multi"),),
            tuple(str(x) for x in m["labels"]),
            language,
        )
        for m in raw.get("multi") or []
    ]
    cases += [
        Case(
            "followup",
            tuple(Turn(str(t["text"]), str(t["label"])) for t in c["turns"]),
            language=language,
        )
        for c in raw.get("conversations") or []
    ]
    return cases


def in_language(language: str | None, reply: Reply) -> bool:
    """No reply text that reads as another language than the set's."""
    if language is None:
        return True
    from bot.language import detect

    return all(detect(text) in (None, language) for text in reply.texts)


def faq_answers(answers: Iterable[str]) -> list[str]:
    return [a.removeprefix("utter_") for a in answers if a.startswith(FAQ)]


def turn_right(label: str, answers: list[str]) -> bool:
    """Whether one turn's answers are right for its label."""
    given = faq_answers(answers)
    if label.startswith("faq/"):
        return given == [label]
    if label.startswith("not_in_article/"):
        return not given and bool(STAFF & set(answers))
    if label == "emergency":
        return EMERGENCY in answers
    return not given  # out of scope: anything but an FAQ fact


def multi_right(labels: tuple[str, ...], answers: list[str]) -> bool:
    """Every question answered once, in order; the ones the article does not answer offered to
    staff; no other topic's answer."""
    expected = [x for x in labels if x.startswith("faq/")]
    if faq_answers(answers) != list(dict.fromkeys(expected)):
        return False
    if any(not x.startswith("faq/") for x in labels):
        return bool(STAFF & set(answers))
    return True


def wrong_faq(expected: Iterable[str], answers: list[str]) -> bool:
    """An FAQ answer nobody asked for: another topic's fact stated as if it answered."""
    allowed = set(expected)
    return any(a not in allowed for a in faq_answers(answers))


class Conversations:
    """The trained model in process, as the server runs it, with a real action server."""

    def __init__(self, model: Path) -> None:
        self.model = model

    async def __aenter__(self) -> Conversations:
        from rasa.core.agent import Agent
        from rasa.utils.endpoints import EndpointConfig
        from rasa.utils.log_utils import configure_structlog

        from bot import rasa_server, services

        configure_structlog(logging.WARNING)  # not Rasa's per-event debug lines for each turn
        rasa_server.install()
        self._dir = tempfile.TemporaryDirectory(prefix="aluma-eval-")
        port = services.free_port()
        env = {"BOT_DB_URL": f"sqlite:///{self._dir.name}/handoffs.db"}
        self._actions = services.Service(
            "actions", services.actions_command(port), f"http://127.0.0.1:{port}/health", env=env
        )
        await asyncio.to_thread(services.start, self._actions)
        self.agent = Agent.load(
            str(self.model), action_endpoint=EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        )
        return self

    async def __aexit__(self, *_: object) -> None:
        from bot import services

        services.stop(self._actions)
        self._dir.cleanup()

    async def say(self, sender: str, text: str) -> Reply:
        """The responses the bot sent for this message."""
        before = len((await self.agent.tracker_store.retrieve(sender) or _Empty()).events)
        await self.agent.handle_text(text, sender_id=sender)
        tracker = await self.agent.tracker_store.retrieve(sender)
        events = [
            e for e in (list(tracker.events)[before:] if tracker else []) if e.type_name == "bot"
        ]
        return Reply(
            names=[
                str((e.metadata or {}).get("utter_action"))
                for e in events
                if (e.metadata or {}).get("utter_action")
            ],
            texts=[str(getattr(e, "text", "") or "") for e in events],
        )


class _Empty:
    events: tuple[()] = ()


async def run(model: Path, cases: list[Case]) -> Report:
    results: list[tuple[Case, list[Reply]]] = []
    async with Conversations(model) as bot:
        for case in cases:
            sender = uuid.uuid4().hex
            results.append((case, [await bot.say(sender, t.text) for t in case.turns]))
    return score(results)


def score(results: list[tuple[Case, list[Reply]]], error_limit: int = 100) -> Report:
    kinds = sorted({case.kind for case, _ in results})
    right: dict[str, list[bool]] = {k: [] for k in kinds}
    errors: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds}
    wrong = messages = 0
    for case, replies in results:
        answers = [r.names for r in replies]
        spoken = all(in_language(case.language, r) for r in replies)
        if case.kind == "multi":
            ok = multi_right(case.labels, answers[0])
            expected = [x for x in case.labels if x.startswith("faq/")]
            wrong += wrong_faq(expected, answers[0])
            messages += 1
        else:
            ok = all(turn_right(t.label, a) for t, a in zip(case.turns, answers, strict=True))
            for turn, given in zip(case.turns, answers, strict=True):
                wrong += wrong_faq([turn.label] if turn.label.startswith("faq/") else [], given)
                messages += 1
        ok = ok and spoken
        right[case.kind].append(ok)
        if not ok and len(errors[case.kind]) < error_limit:
            errors[case.kind].append(
                {
                    "turns": [t.text for t in case.turns],
                    "expected": list(case.labels) or [t.label for t in case.turns],
                    "answers": answers,
                    **({} if spoken else {"texts": [r.texts for r in replies]}),
                }
            )
    scores = {k: round(sum(v) / len(v), 4) for k, v in right.items() if v}
    scores["wrong_faq_answer_rate"] = round(wrong / messages, 4) if messages else 0.0
    return Report(
        counts={k: len(v) for k, v in right.items()},
        scores=scores,
        wrong_faq_answers=wrong,
        messages=messages,
        errors=errors,
    )


def evaluate(model: Path, path: Path) -> Report:
    return asyncio.run(run(model, load_cases(path)))
