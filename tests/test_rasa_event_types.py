"""Event classes found by type name as Rasa finds them, without walking the class tree each time."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

from bot.rasa_server import event_types

RASA_RESOLVE = event_types.RASA_RESOLVE


@pytest.mark.parametrize("name", sorted({cls.type_name for cls in all_subclasses(Event)}))
def test_every_event_type_resolves_to_rasas_class(name: str) -> None:
    assert event_types.resolve_by_type(name) is RASA_RESOLVE(name)


def test_unknown_names_are_rasas_business() -> None:
    assert event_types.resolve_by_type("topic") is None
    assert event_types.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        event_types.resolve_by_type("no_such_event")


def test_a_class_defined_after_the_first_lookup_is_found() -> None:
    event_types.resolve_by_type("user")

    class Late(ActionExecuted):
        type_name = "late_event_for_test"

    assert event_types.resolve_by_type("late_event_for_test") is Late


def test_stored_events_read_back_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[dict[str, Any]] = [
        UserUttered("what is rosacea", {"name": "faq", "confidence": 0.9}).as_dict(),
        ActionExecuted("utter_faq").as_dict(),
        SlotSet("handoff_name", "Ana").as_dict(),
    ]
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(RASA_RESOLVE))
    theirs = [Event.from_parameters(e) for e in events]
    event_types.install()
    assert Event.__dict__["resolve_by_type"].__func__ is event_types.resolve_by_type
    assert [Event.from_parameters(e) for e in events] == theirs
