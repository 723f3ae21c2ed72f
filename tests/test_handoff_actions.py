"""The offer, prepare and submit actions, with no trained model and a real SQLite store."""

from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionOfferHandoff, ActionPrepareHandoff, ActionSubmitHandoff
from bot.handoffs import language as handoff_language
from bot.handoffs.store import HandoffStore
from tests.conftest import TrackerFactory

FILLED = {
    "handoff_question": "How much does it cost?",
    "handoff_name": "Sam Lee",
    "handoff_contact": "sam@example.com",
    "handoff_consent": True,
}


def _slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


async def test_offer_remembers_the_unanswered_question(
    make_tracker: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker("is it covered by my insurance?", "not_in_article")
    events = await ActionOfferHandoff().run(dispatcher, tracker, domain)
    assert events == [SlotSet("pending_question", "is it covered by my insurance?")]
    assert [m["response"] for m in dispatcher.messages] == ["utter_offer_handoff"]


async def test_offer_after_small_talk_remembers_nothing(
    make_tracker: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await ActionOfferHandoff().run(dispatcher, make_tracker("thanks", "thank"), domain)
    assert events == []


async def test_prepare_prefills_the_question_and_clears_the_last_outcome(
    make_tracker: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        "yes please",
        "affirm",
        slots={"pending_question": "price?", "handoff_status": "stored", "handoff_ref": "AL-X"},
    )
    slots = _slots(await ActionPrepareHandoff().run(dispatcher, tracker, domain))
    assert slots == {"handoff_status": None, "handoff_ref": None, "handoff_question": "price?"}


async def test_prepare_changes_nothing_that_is_already_clear(
    make_tracker: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    # A SlotSet to None would be validated as if the visitor had answered.
    tracker = make_tracker("yes", "affirm")
    assert await ActionPrepareHandoff().run(dispatcher, tracker, domain) == []


async def test_submit_stores_the_handoff_with_its_transcript(
    make_tracker: TrackerFactory,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    store: HandoffStore,
) -> None:
    tracker = make_tracker("yes", "affirm", slots=FILLED)
    slots = _slots(await ActionSubmitHandoff().run(dispatcher, tracker, domain))
    assert slots["handoff_status"] == "stored"
    [stored] = store.list()
    assert slots["handoff_ref"] == stored.reference
    assert (stored.name, stored.contact, stored.contact_kind) == (
        "Sam Lee",
        "sam@example.com",
        "email",
    )
    assert stored.question == "How much does it cost?"
    assert stored.page_url == "https://alumaaesthetics.com/botox-for-rosacea/"
    assert [t["role"] for t in stored.transcript][:3] == ["visitor", "assistant", "visitor"]
    assert stored.transcript[2]["text"] == "how much does it cost"
    # The action says nothing itself: the confirmation is utter_handoff_result, driven by the slot.
    assert dispatcher.messages == []


async def test_submitting_the_same_form_twice_stores_one_handoff(
    make_tracker: TrackerFactory,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    store: HandoffStore,
) -> None:
    tracker = make_tracker("yes", "affirm", slots=FILLED)
    await ActionSubmitHandoff().run(dispatcher, tracker, domain)
    await ActionSubmitHandoff().run(dispatcher, tracker, domain)
    assert len(store.list()) == 1


async def test_storage_failure_is_reported_not_promised(
    make_tracker: TrackerFactory,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
) -> None:
    # A database the store cannot open: a directory where the file should be.
    (tmp_path / "not-a-file.db").mkdir()
    monkeypatch.setenv("BOT_DB_URL", f"sqlite:///{tmp_path / 'not-a-file.db'}")
    slots = _slots(
        await ActionSubmitHandoff().run(
            dispatcher, make_tracker("yes", "affirm", slots=FILLED), domain
        )
    )
    assert slots == {"handoff_status": "failed"}


async def test_declined_consent_stores_nothing(
    make_tracker: TrackerFactory,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    store: HandoffStore,
) -> None:
    tracker = make_tracker("no", "deny", slots={**FILLED, "handoff_consent": False})
    slots = _slots(await ActionSubmitHandoff().run(dispatcher, tracker, domain))
    assert slots["handoff_status"] == "declined"
    assert store.list() == []


async def test_an_invalid_contact_never_reaches_the_store(
    make_tracker: TrackerFactory,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    store: HandoffStore,
) -> None:
    tracker = make_tracker("yes", "affirm", slots={**FILLED, "handoff_contact": "not a contact"})
    slots = _slots(await ActionSubmitHandoff().run(dispatcher, tracker, domain))
    assert slots == {"handoff_status": "failed"}
    assert store.list() == []


def test_confirmation_is_conditional_on_the_stored_status(domain: dict[str, Any]) -> None:
    variants = domain["responses"]["utter_handoff_result"]
    promise = {"en": "24 hours", "es": "24 horas"}
    for language, words in promise.items():
        promises = [v for v in variants if words in v["text"]]
        assert len(promises) == 1
        assert promises[0]["condition"] == [
            {"type": "slot", "name": "handoff_status", "value": "stored"},
            {"type": "slot", "name": "language", "value": language},
        ]
    unconditional = [v for v in variants if "condition" not in v]
    assert unconditional and all("503-688-9235" in v["text"] for v in unconditional)
    assert all(w not in v["text"] for v in unconditional for w in promise.values())


async def test_submit_records_the_visitors_language_for_the_inbox(
    make_tracker: TrackerFactory,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    store: HandoffStore,
) -> None:
    tracker = make_tracker("sí", "affirm", slots={**FILLED, "language": "es"})
    await ActionSubmitHandoff().run(dispatcher, tracker, domain)
    [stored] = store.list()
    assert handoff_language.of(store.engine, stored.id) == "Spanish"
