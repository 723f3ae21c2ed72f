"""Answering several questions at once and asking which of two topics is meant (action server,
no model)."""

from __future__ import annotations

from typing import Any

import yaml
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerQuestions, ActionClarifyTopic
from actions.handoff import ActionOfferHandoff
from tests.conftest import ROOT, TrackerFactory

QUESTIONS = [
    {"key": "faq/duration", "text": "how long does it last"},
    {"key": "not_in_article/price", "text": "how much is it"},
    {"key": "faq/dose", "text": "how many units"},
]


def _with_answers(domain: dict[str, Any]) -> dict[str, Any]:
    """The domain as Rasa sends it to the action server: the retrieval answers included."""
    responses = dict(domain["responses"])
    for name in ("faq", "not_in_article"):
        responses.update(
            yaml.safe_load((ROOT / "data/responses" / f"{name}.yml").read_text())["responses"]
        )
    return {**domain, "responses": responses}


async def test_each_question_gets_its_answer_in_the_visitors_order(
    make_tracker: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        "how long does it last and how much is it and how many units",
        "several_questions_mixed",
        parse={"questions": QUESTIONS},
    )
    assert await ActionAnswerQuestions().run(dispatcher, tracker, _with_answers(domain)) == []
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_faq/duration",
        "utter_not_in_article/price",
        "utter_faq/dose",
    ]


async def test_a_topic_the_model_knows_but_the_domain_lost_is_skipped(
    make_tracker: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    questions = [{"key": "faq/removed_topic", "text": "x y z"}, QUESTIONS[0]]
    tracker = make_tracker(
        "x y z and how long", "several_questions", parse={"questions": questions}
    )
    await ActionAnswerQuestions().run(dispatcher, tracker, _with_answers(domain))
    assert [m["response"] for m in dispatcher.messages] == ["utter_faq/duration"]


async def test_staff_get_only_the_questions_the_article_does_not_answer(
    make_tracker: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        "how long does it last and how much is it",
        "several_questions_mixed",
        parse={"questions": QUESTIONS[:2]},
    )
    events = await ActionOfferHandoff().run(dispatcher, tracker, domain)
    assert events == [SlotSet("pending_question", "how much is it")]


async def test_the_choice_offers_both_topics_and_staff(
    make_tracker: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    options = [
        {"key": "faq/pain", "question": "Does the treatment hurt?"},
        {"key": "faq/what_to_expect", "question": "What happens at the appointment?"},
    ]
    tracker = make_tracker("do u numb it", "clarify_topic", parse={"clarify": options})
    await ActionClarifyTopic().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_clarify_topic"
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads[:2] == ["Does the treatment hurt?", "What happens at the appointment?"]
    assert len(payloads) == 3  # and "Something else", which asks for staff


def test_every_new_intent_has_its_rule(domain: dict[str, Any]) -> None:
    rules = yaml.safe_load((ROOT / "data/rules/faq.yml").read_text())["rules"]
    first_steps = {r["steps"][0].get("intent"): r["steps"][1]["action"] for r in rules}
    assert first_steps["several_questions"] == "action_answer_questions"
    assert first_steps["several_questions_mixed"] == "action_answer_questions"
    assert first_steps["clarify_topic"] == "action_clarify_topic"
    intents = {next(iter(i)) if isinstance(i, dict) else i for i in domain["intents"]}
    assert {"several_questions", "several_questions_mixed", "clarify_topic"} <= intents
