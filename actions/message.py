"""What the latest visitor message is: its intent, and whether it reads as a question."""

from __future__ import annotations

import re

from rasa_sdk import Tracker

from bot.nlu import segments

# Intents whose messages are answered by a rule even in the middle of the form.
ANSWERED_MID_FORM = {
    "faq",
    "not_in_article",
    "emergency",
    "help",
    "bot_challenge",
    "several_questions",
    "several_questions_mixed",
    "clarify_topic",
}
# Intents that never hold a name, contact or question.
CONVERSATIONAL = {"greet", "goodbye", "thank", "affirm", "deny", "cancel", "request_handoff"}
# Intents whose messages are not a question for staff.
NOT_A_QUESTION = CONVERSATIONAL | {"inform"}


def latest_text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "").strip()


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def reads_as_question(text: str) -> bool:
    """A question, also after "actually never mind," or another clause in front of it."""
    if text.endswith("?"):
        return True
    return any(segments.reads_as_question(c) for c in re.split(r"[,;.!]+", text) if c.strip())


def is_answered_elsewhere(tracker: Tracker) -> bool:
    """A question the rules answer (the form steps aside for it) rather than a form value."""
    intent = latest_intent(tracker)
    if intent in CONVERSATIONAL or intent == "emergency":
        return True
    return intent in ANSWERED_MID_FORM and reads_as_question(latest_text(tracker))
