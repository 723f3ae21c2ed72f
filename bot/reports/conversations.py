"""What each visitor message was, from the events around it in its conversation.

A message's kind comes from the intent it was understood as (after our NLU guards) and from
what the bot did next. Messages typed while the handoff form was open are the visitor's name,
contact and consent and are never reported, except the answer to "what would you like to ask
our staff?", which is a question.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bot.reports.store import Event

ANSWERED = "answered"
NOT_UNDERSTOOD = "not understood"
OUT_OF_SCOPE = "out of scope"
NOT_IN_ARTICLE = "not in the article"
EMERGENCY = "emergency message"
OFFERED_STAFF = "offered staff"
ASKED_STAFF = "asked staff"
FORM_ANSWER = "form answer"
OTHER = "other"

UNANSWERED_KINDS = (
    NOT_UNDERSTOOD,
    OUT_OF_SCOPE,
    NOT_IN_ARTICLE,
    EMERGENCY,
    OFFERED_STAFF,
    ASKED_STAFF,
)
FALLBACK_KINDS = (NOT_UNDERSTOOD, OUT_OF_SCOPE, NOT_IN_ARTICLE)
_BY_INTENT = {
    "nlu_fallback": NOT_UNDERSTOOD,
    "out_of_scope": OUT_OF_SCOPE,
    "not_in_article": NOT_IN_ARTICLE,
}
HANDOFF_FORM = "handoff_form"
OFFER = "action_offer_handoff"
CORE_FALLBACK = "action_default_fallback"
# Slots that hold what the visitor told the form about themselves.
PERSONAL_SLOTS = ("handoff_name", "handoff_contact")


@dataclass
class Message:
    sender: str
    text: str
    timestamp: float
    intent: str
    topic: str | None  # faq/<topic> or not_in_article/<topic>
    kind: str = OTHER


@dataclass
class Conversation:
    sender: str
    messages: list[Message] = field(default_factory=list)
    personal: set[str] = field(default_factory=set)  # names and contacts given in it
    handoffs_stored: list[float] = field(default_factory=list)  # times


def conversations(events: Iterable[Event]) -> Iterator[Conversation]:
    current: Conversation | None = None
    form_open = False
    requested: str | None = None
    last: Message | None = None
    for event in events:
        if current is None or event.sender != current.sender:
            if current is not None:
                yield current
            current = Conversation(event.sender)
            form_open, requested, last = False, None, None
        if event.type in ("session_started", "restart"):
            form_open, requested, last = False, None, None
        elif event.type == "active_loop":
            form_open = event.data.get("name") == HANDOFF_FORM
            if not form_open:
                requested = None
        elif event.type == "slot":
            name, value = event.data.get("name"), event.data.get("value")
            if name == "requested_slot":
                requested = value if isinstance(value, str) else None
            elif name in PERSONAL_SLOTS and isinstance(value, str):
                current.personal.add(value)
            elif name == "handoff_status" and value == "stored":
                current.handoffs_stored.append(event.timestamp)
        elif event.type == "user":
            last = _message(event, form_open, requested)
            current.messages.append(last)
        elif event.type == "action" and last is not None:
            _followed_by(last, str(event.action or ""))
    if current is not None:
        yield current


def _followed_by(message: Message, action: str) -> None:
    """What the bot did right after a message can say more about it."""
    if action == "utter_faq" and message.kind in (FORM_ANSWER, ASKED_STAFF):
        message.kind = ANSWERED  # an FAQ asked while the form was open is answered
    elif message.kind in (OTHER, ANSWERED) and message.intent != "inform":
        if action == OFFER:
            message.kind = EMERGENCY if message.intent == "emergency" else OFFERED_STAFF
        elif action == CORE_FALLBACK:
            message.kind = NOT_UNDERSTOOD


def _message(event: Event, form_open: bool, requested: str | None) -> Message:
    parse = event.data.get("parse_data") or {}
    intent = str(event.intent or (parse.get("intent") or {}).get("name") or "")
    topic = (parse.get("intent") or {}).get("full_retrieval_intent_name")
    message = Message(
        event.sender, str(event.data.get("text") or ""), event.timestamp, intent, topic
    )
    if form_open:
        # The answer to "what would you like to ask our staff?" is a question; the rest of
        # what is typed in the form is a name, a contact or a yes/no.
        message.kind = ASKED_STAFF if requested == "handoff_question" else FORM_ANSWER
    elif intent == "faq":
        message.kind = ANSWERED
    elif intent in _BY_INTENT:
        message.kind = _BY_INTENT[intent]
    return message
