"""A tracker copied from its state (bot/rasa_server/tracker_copy.py) is the tracker Rasa's
replaying copy gives, and editing it leaves the original alone, on event sequences of any
shape: slots, forms, follow-ups, pauses, reverts, restarts and new sessions."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    ConversationResumed,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.rasa_server import tracker_copy
from tests.test_rasa_states import DOMAIN, events

RASA_COPY = tracker_copy.RASA_COPY
any_event = st.one_of(events, st.sampled_from([ConversationPaused(), ConversationResumed()]))


def state(tracker: DialogueStateTracker) -> dict[str, Any]:
    """Everything a tracker holds, with slots by their attributes and events by identity."""
    attributes = dict(vars(tracker))
    attributes["events"] = [id(e) for e in tracker.events]
    attributes["slots"] = {name: dict(vars(slot)) for name, slot in tracker.slots.items()}
    attributes["slots_type"] = type(tracker.slots)
    attributes["current_state"] = tracker.current_state(EventVerbosity.ALL)
    return attributes


def conversation(sequence: list[Event]) -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events("visitor", [], DOMAIN.slots)
    for event in [ActionExecuted("action_listen"), *sequence]:
        tracker.update(event)
    # What a running server sets, and what neither copy carries.
    tracker.model_id, tracker.assistant_id, tracker.sender_source = "model", "aluma", "site"
    tracker.__dict__["_aluma_cached"] = object()
    return tracker


@settings(max_examples=200, deadline=None)
@given(st.lists(any_event, max_size=40))
def test_a_copy_is_the_tracker_rasas_replay_gives(sequence: list[Event]) -> None:
    tracker = conversation(sequence)
    assert state(tracker_copy.tracker_copy(tracker)) == state(RASA_COPY(tracker))


@settings(max_examples=100, deadline=None)
@given(st.lists(any_event, max_size=30), st.lists(any_event, max_size=10))
def test_editing_a_copy_leaves_the_original_as_it_was(
    sequence: list[Event], edits: list[Event]
) -> None:
    tracker = conversation(sequence)
    before = state(tracker)
    duplicate = tracker_copy.tracker_copy(tracker)
    duplicate.interrupt_loop(True)  # Rasa marks the active loop in place
    duplicate.reject_action("handoff_form")
    for event in [SlotSet("handoff_name", "Ana"), ActiveLoop("handoff_form"), *edits]:
        duplicate.update(event)
    assert state(tracker) == before


def test_a_new_conversation_gets_its_own_empty_latest_message() -> None:
    tracker = conversation([])
    duplicate = tracker_copy.tracker_copy(tracker)
    assert isinstance(duplicate.latest_message, UserUttered)
    assert duplicate.latest_message is not tracker.latest_message


def test_trackers_that_forget_old_events_are_replayed_as_rasa_does() -> None:
    tracker = DialogueStateTracker.from_events("visitor", [], DOMAIN.slots, max_event_history=3)
    for event in (SlotSet("handoff_name", "Ana"), *[ActionExecuted("action_listen")] * 4):
        tracker.update(event)
    duplicate = tracker_copy.tracker_copy(tracker)
    assert duplicate.get_slot("handoff_name") is None  # the replay no longer sees the SlotSet
    assert tracker.get_slot("handoff_name") == "Ana"


def test_install_makes_it_every_trackers_copy() -> None:
    try:
        tracker_copy.install()
        assert DialogueStateTracker.copy is tracker_copy.tracker_copy
    finally:
        DialogueStateTracker.copy = RASA_COPY
