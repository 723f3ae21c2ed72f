"""Slot extraction and validation of the handoff form."""

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff_form import ValidateHandoffForm
from tests.conftest import TrackerFactory

FORM = ValidateHandoffForm()


def _asking(slot: str) -> dict[str, Any]:
    return {"requested_slot": slot}


async def _extract(
    slot: str, tracker: Any, dispatcher: CollectingDispatcher, domain: Any
) -> dict[str, Any]:
    return await getattr(FORM, f"extract_{slot}")(dispatcher, tracker, domain)


async def test_a_name_is_taken_only_when_asked_for(
    make_tracker: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    asked = make_tracker("Sam", "nlu_fallback", slots=_asking("handoff_name"))
    assert await _extract("handoff_name", asked, dispatcher, domain) == {"handoff_name": "Sam"}
    not_asked = make_tracker("Sam", "nlu_fallback", slots=_asking("handoff_contact"))
    assert await _extract("handoff_name", not_asked, dispatcher, domain) == {}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("how long does it last?", "faq"),
        ("What causes rosacea", "faq"),
        ("cancel", "cancel"),
        ("I can't breathe", "emergency"),
        ("no", "deny"),
    ],
)
async def test_the_form_steps_aside_for_questions_and_commands(
    text: str,
    intent: str,
    make_tracker: TrackerFactory,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
) -> None:
    tracker = make_tracker(text, intent, slots=_asking("handoff_name"), active_loop="handoff_form")
    assert await _extract("handoff_name", tracker, dispatcher, domain) == {}


async def test_a_contact_is_taken_even_if_nlu_misread_it(
    make_tracker: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker("is sam@example.com ok?", "faq", slots=_asking("handoff_contact"))
    assert await _extract("handoff_contact", tracker, dispatcher, domain) == {
        "handoff_contact": "is sam@example.com ok?"
    }


async def test_the_question_step_takes_unanswerable_questions(
    make_tracker: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        "is it covered by insurance?", "not_in_article", slots=_asking("handoff_question")
    )
    assert await _extract("handoff_question", tracker, dispatcher, domain) == {
        "handoff_question": "is it covered by insurance?"
    }
    answerable = make_tracker("how long does it last?", "faq", slots=_asking("handoff_question"))
    assert await _extract("handoff_question", answerable, dispatcher, domain) == {}


@pytest.mark.parametrize(
    ("text", "intent", "value"),
    [
        ("yes", "affirm", True),
        ("Yes, that's fine", "nlu_fallback", True),
        ("nope", "nlu_fallback", False),
        ("no", "deny", False),
        ("maybe later I guess", "nlu_fallback", "maybe later I guess"),
    ],
)
async def test_consent_is_read_from_yes_and_no(
    text: str,
    intent: str,
    value: Any,
    make_tracker: TrackerFactory,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
) -> None:
    tracker = make_tracker(text, intent, slots=_asking("handoff_consent"))
    assert await _extract("handoff_consent", tracker, dispatcher, domain) == {
        "handoff_consent": value
    }


def test_a_bad_email_is_asked_again(
    make_tracker: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    result = FORM.validate_handoff_contact("sam@example", dispatcher, make_tracker(), domain)
    assert result == {"handoff_contact": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_invalid_contact"]


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("Sam@Example.com", "Sam@example.com"), ("call me 503 688 9235", "(503) 688-9235")],
)
def test_a_good_contact_is_kept_normalised(
    typed: str,
    kept: str,
    make_tracker: TrackerFactory,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
) -> None:
    assert FORM.validate_handoff_contact(typed, dispatcher, make_tracker(), domain) == {
        "handoff_contact": kept
    }
    assert dispatcher.messages == []


def test_a_bad_name_is_asked_again(
    make_tracker: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    assert FORM.validate_handoff_name("sam@example.com", dispatcher, make_tracker(), domain) == {
        "handoff_name": None
    }
    assert [m["response"] for m in dispatcher.messages] == ["utter_invalid_name"]


def test_an_empty_question_is_asked_again(
    make_tracker: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    assert FORM.validate_handoff_question(" ?? ", dispatcher, make_tracker(), domain) == {
        "handoff_question": None
    }
    assert [m["response"] for m in dispatcher.messages] == ["utter_invalid_question"]


def test_consent_resets_the_previous_outcome(
    make_tracker: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    assert FORM.validate_handoff_consent(True, dispatcher, make_tracker(), domain) == {
        "handoff_consent": True,
        "handoff_status": None,
        "handoff_ref": None,
    }
    assert FORM.validate_handoff_consent("maybe", dispatcher, make_tracker(), domain) == {
        "handoff_consent": None
    }
    assert [m["response"] for m in dispatcher.messages] == ["utter_invalid_consent"]


def test_every_form_response_exists(domain: dict[str, Any]) -> None:
    for slot in domain["forms"]["handoff_form"]["required_slots"]:
        assert f"utter_ask_{slot}" in domain["responses"]
    for name in (
        "utter_invalid_question",
        "utter_invalid_name",
        "utter_invalid_contact",
        "utter_invalid_consent",
    ):
        assert name in domain["responses"]


@pytest.mark.parametrize(
    "slot", ["handoff_question", "handoff_name", "handoff_contact", "handoff_consent"]
)
def test_a_reset_slot_is_not_treated_as_an_answer(
    slot: str,
    make_tracker: TrackerFactory,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
) -> None:
    validate = getattr(FORM, f"validate_{slot}")
    assert validate(None, dispatcher, make_tracker(), domain) == {slot: None}
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("slot", "text", "intent"),
    [
        ("handoff_question", "actually never mind, how long does it last", "faq"),
        ("handoff_name", "actually never mind, how long does it last", "faq"),
        ("handoff_name", "how many units and does it hurt?", "several_questions"),
        ("handoff_contact", "wait, what's the dose", "faq"),
        ("handoff_consent", "ok but how long does it last?", "faq"),
        ("handoff_consent", "never mind", "cancel"),
        ("handoff_question", "does it hurt or does it numb", "clarify_topic"),
    ],
)
async def test_a_question_or_never_mind_is_not_stored_in_any_slot(
    slot: str,
    text: str,
    intent: str,
    make_tracker: TrackerFactory,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
) -> None:
    tracker = make_tracker(text, intent, slots=_asking(slot), active_loop="handoff_form")
    assert await _extract(slot, tracker, dispatcher, domain) == {}
