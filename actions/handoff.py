"""Offering, preparing and submitting a handoff to staff."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from functools import lru_cache

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import asked_questions
from actions.message import NOT_A_QUESTION, latest_intent, latest_text
from bot.handoffs import language as handoff_language
from bot.handoffs.contact import parse_contact
from bot.handoffs.store import NewHandoff, default_store
from bot.handoffs.transcript import page_url_from_events, transcript_from_events
from bot.live.config import LiveConfig
from bot.live.offer import Offer, decide
from bot.staff.times import utcnow

logger = logging.getLogger(__name__)

MAX_PENDING = 2000


@lru_cache(maxsize=1)
def live_config() -> LiveConfig:
    return LiveConfig.from_env()


class ActionOfferHandoff(Action):
    """Remembers the question the bot could not answer and offers staff follow-up."""

    def name(self) -> str:
        return "action_offer_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = []
        # Of a message with several questions, staff get the ones the article does not answer.
        unanswered = [
            q["text"] for q in asked_questions(tracker) if not q["key"].startswith("faq/")
        ]
        text = " ".join(unanswered) or latest_text(tracker)
        if text and latest_intent(tracker) not in NOT_A_QUESTION:
            events.append(SlotSet("pending_question", text[:MAX_PENDING]))
        dispatcher.utter_message(response="utter_offer_handoff")
        return events


class ActionPrepareHandoff(Action):
    """Clears the last submission's outcome and pre-fills the question before the form starts."""

    def name(self) -> str:
        return "action_prepare_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        config = live_config()
        offer = Offer(None, "")
        if config.hours.configured:  # else no live chat: the store is not even opened
            offer = await asyncio.to_thread(
                decide,
                default_store().engine,
                config,
                tracker.sender_id,
                utcnow(),
                tracker.get_slot("language"),
                page_url_from_events(tracker.events),
                tracker.get_slot("pending_question"),
            )
        if offer.chat is not None:
            # Staff take it from here: the widget opens the live stream, and Rasa is paused so
            # the form does not start and the bot says nothing until staff hand it back. The
            # turn ends as any turn does (action_listen), so it resumes as a normal turn.
            dispatcher.utter_message(text=offer.words, json_message={"live": offer.chat.id})
            return [ActionExecuted("action_listen"), ConversationPaused()]
        if offer.words:
            dispatcher.utter_message(text=offer.words)
        wanted = {
            "handoff_status": None,
            "handoff_ref": None,
            "handoff_consent": None,
            "handoff_question": tracker.get_slot("pending_question"),
        }
        # Only real changes: every SlotSet here is validated again when the form starts.
        return [SlotSet(k, v) for k, v in wanted.items() if tracker.get_slot(k) != v]


def submission_key(tracker: Tracker) -> str:
    """Identifies this submission: the conversation plus the message that completed the form."""
    stamp = next(
        (e.get("timestamp") for e in reversed(tracker.events) if e.get("event") == "user"), None
    )
    return hashlib.sha256(f"{tracker.sender_id}|{stamp}".encode()).hexdigest()


class ActionSubmitHandoff(Action):
    """Stores the handoff. It says nothing itself: `utter_handoff_result` reports the outcome
    from `handoff_status`, which only this action sets, and only after the commit."""

    def name(self) -> str:
        return "action_submit_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        done = [SlotSet("handoff_consent", None), SlotSet("handoff_question", None)]
        if tracker.get_slot("handoff_consent") is not True:
            return [SlotSet("handoff_status", "declined"), *done]
        contact = parse_contact(str(tracker.get_slot("handoff_contact") or ""))
        name = tracker.get_slot("handoff_name")
        question = tracker.get_slot("handoff_question")
        if contact is None or not name or not question:
            logger.error("handoff form completed without valid slots; nothing stored")
            return [SlotSet("handoff_status", "failed")]
        new = NewHandoff(
            sender_id=tracker.sender_id,
            submission_key=submission_key(tracker),
            name=name,
            contact=contact,
            question=question,
            transcript=transcript_from_events(tracker.events),
            page_url=page_url_from_events(tracker.events),
        )
        try:
            stored = await asyncio.to_thread(lambda: default_store().add(new))
        except Exception as error:  # any storage failure must reach the visitor, not a promise
            # Only the error type: the handoff holds the visitor's personal details.
            logger.error("storing a handoff failed: %s", type(error).__name__)
            return [SlotSet("handoff_status", "failed")]
        logger.info("handoff %s stored", stored.reference)
        try:  # a courtesy for staff: the handoff is stored and promised either way
            language = tracker.get_slot("language")
            await asyncio.to_thread(
                handoff_language.record, default_store().engine, stored.id, language
            )
        except Exception as error:
            logger.warning("recording a handoff's language failed: %s", type(error).__name__)
        return [
            SlotSet("handoff_status", "stored"),
            SlotSet("handoff_ref", stored.reference),
            SlotSet("pending_question", None),
            *done,
        ]
