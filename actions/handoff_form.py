"""Validation of the handoff form: question, name, contact (email or phone), consent."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.message import (
    ANSWERED_MID_FORM,
    is_answered_elsewhere,
    latest_intent,
    latest_text,
    reads_as_question,
)
from bot.handoffs.contact import clean_name, parse_contact

MAX_QUESTION = 2000
# Questions the article answers (or may, once the visitor picks a topic): answered, not passed on.
ANSWERED_BY_ARTICLE = {"faq", "several_questions", "clarify_topic"}
# Messages the rules handle at any step of the form: leaving it, or an emergency.
COMMANDS = {"cancel", "deny", "emergency"}
_YES = re.compile(
    r"^(?:y|ya|yes+|yeah|yep|yup|sure|ok|okay|fine|of course|please do|go ahead|"
    r"that'?s fine|that is fine|i agree|agreed|correct)\b",
    re.IGNORECASE,
)
_NO = re.compile(
    r"^(?:n|no+|nope|nah|don'?t|do not|no thanks|not ok|i don'?t agree)\b", re.IGNORECASE
)


class ValidateHandoffForm(FormValidationAction):
    def name(self) -> str:
        return "validate_handoff_form"

    # Extraction: each slot takes the visitor's text only while it is the one being asked for,
    # and only when the text is not something the rules answer instead (an FAQ, "cancel", ...).
    # Returning nothing makes the form step aside so that rule can run.

    async def extract_handoff_question(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "handoff_question":
            return {}
        if latest_intent(tracker) in COMMANDS or (
            latest_intent(tracker) in ANSWERED_BY_ARTICLE and is_answered_elsewhere(tracker)
        ):
            return {}
        return {"handoff_question": latest_text(tracker)}

    async def extract_handoff_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "handoff_name":
            return {}
        text = latest_text(tracker)
        if latest_intent(tracker) in COMMANDS:
            return {}
        # A short name ("Jo", "Rose") can look like small talk or a topic to the classifier.
        if is_answered_elsewhere(tracker) and (clean_name(text) is None or reads_as_question(text)):
            return {}
        return {"handoff_name": text}

    async def extract_handoff_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "handoff_contact":
            return {}
        text = latest_text(tracker)
        if parse_contact(text) is None and is_answered_elsewhere(tracker):
            return {}
        return {"handoff_contact": text}

    async def extract_handoff_consent(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "handoff_consent":
            return {}
        intent, text = latest_intent(tracker), latest_text(tracker)
        # "ok but how long does it last?" is a question the rules answer, not a yes.
        if intent in ANSWERED_MID_FORM and reads_as_question(text):
            return {}
        if intent == "affirm" or _YES.match(text):
            return {"handoff_consent": True}
        if intent == "deny" or _NO.match(text):
            return {"handoff_consent": False}
        if intent == "cancel" or is_answered_elsewhere(tracker):
            return {}
        return {"handoff_consent": text}  # not a yes or no: validation asks again

    # Validation: {slot: value} accepts, {slot: None} re-asks after saying what was wrong.
    # A value of None is a reset, not an answer: it is passed through without a word.

    def validate_handoff_question(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"handoff_question": None}
        question = re.sub(r"\s+", " ", str(value or "")).strip()
        if len(question) < 3 or not re.search(r"[^\W\d_]", question):
            dispatcher.utter_message(response="utter_invalid_question")
            return {"handoff_question": None}
        return {"handoff_question": question[:MAX_QUESTION]}

    def validate_handoff_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"handoff_name": None}
        name = clean_name(str(value))
        if name is None:
            dispatcher.utter_message(response="utter_invalid_name")
        return {"handoff_name": name}

    def validate_handoff_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"handoff_contact": None}
        contact = parse_contact(str(value))
        if contact is None:
            dispatcher.utter_message(response="utter_invalid_contact")
            return {"handoff_contact": None}
        return {"handoff_contact": contact.display}

    def validate_handoff_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"handoff_consent": None}
        if isinstance(value, bool):
            # Whatever happened before, the outcome of this submission is not known yet.
            return {"handoff_consent": value, "handoff_status": None, "handoff_ref": None}
        dispatcher.utter_message(response="utter_invalid_consent")
        return {"handoff_consent": None}
