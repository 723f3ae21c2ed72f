"""Answering a message that asked several questions: each answer in the visitor's order."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

RETRIEVAL_INTENTS = ("faq", "not_in_article")


def asked_questions(tracker: Tracker) -> list[dict[str, str]]:
    """The questions the NLU found in the latest message (`bot.nlu.understanding`), in order."""
    questions = tracker.latest_message.get("questions") or []
    return [
        {"key": str(q["key"]), "text": str(q.get("text") or "")}
        for q in questions
        if isinstance(q, dict) and str(q.get("key", "")).split("/")[0] in RETRIEVAL_INTENTS
    ]


class ActionAnswerQuestions(Action):
    """Sends the article's answer (or the "not in the article" reply) for each question."""

    def name(self) -> str:
        return "action_answer_questions"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        responses = domain.get("responses") or {}
        for question in asked_questions(tracker):
            response = f"utter_{question['key']}"
            # Only answers the domain holds: a topic removed since the model was trained is
            # skipped rather than sent as an unknown response.
            if response in responses:
                dispatcher.utter_message(response=response)
        return []


class ActionClarifyTopic(Action):
    """Asks which of two close topics the visitor means, each a button with its question."""

    def name(self) -> str:
        return "action_clarify_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        options = tracker.latest_message.get("clarify") or []
        buttons = [
            {"title": str(o["question"]), "payload": str(o["question"])}
            for o in options
            if isinstance(o, dict) and o.get("question")
        ]
        if tracker.get_slot("language") == "es":
            buttons.append({"title": "Otra cosa", "payload": "Quiero preguntarle al personal"})
        else:
            buttons.append({"title": "Something else", "payload": "I'd like to ask our staff"})
        dispatcher.utter_message(response="utter_clarify_topic", buttons=buttons)
        return []
