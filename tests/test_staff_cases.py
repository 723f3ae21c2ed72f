"""The handoff lifecycle the inbox drives (open -> claimed -> answered -> resolved), the filters
and the week's numbers, with time passed in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.handoffs.contact import Contact
from bot.handoffs.store import Handoff, HandoffStore, NewHandoff
from bot.staff import audit, cases
from bot.staff.dashboard import week_stats

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=timezone.utc)
SENDER = "assistant@aluma.test"


def add(store: HandoffStore, key: str, at: datetime = NOW, phone: bool = False) -> Handoff:
    contact = Contact("phone", "+15035550123") if phone else Contact("email", f"{key}@example.com")
    new = NewHandoff(f"visitor-{key}", key, "Sam Lee", contact, "how much is it?")
    return store.add(new, now=at)


def answer(
    store: HandoffStore, handoff: Handoff, at: datetime, staff: str = "a@aluma.test"
) -> None:
    cases.answer(store.engine, handoff.reference, staff, "email", "It depends.", at, SENDER)


def test_claim_answer_resolve_and_who_did_it(store: HandoffStore) -> None:
    handoff = add(store, "k")
    ref = handoff.reference
    cases.claim(store.engine, ref, "a@aluma.test", NOW)
    cases.claim(store.engine, ref, "b@aluma.test", NOW + timedelta(minutes=5))  # takes it over
    case = cases.get_case(store.engine, ref)
    assert case is not None and (case.status, case.claimed_by) == ("claimed", "b@aluma.test")
    answer(store, handoff, NOW + timedelta(hours=3), staff="b@aluma.test")
    answer(store, handoff, NOW + timedelta(hours=5), staff="a@aluma.test")  # a follow-up
    case = cases.get_case(store.engine, ref)
    assert case is not None and case.status == "answered"
    assert case.time_to_answer == timedelta(hours=3) and case.answered_by == "b@aluma.test"
    with pytest.raises(cases.CaseError, match="already been answered"):
        cases.claim(store.engine, ref, "a@aluma.test", NOW)
    cases.resolve(store.engine, ref, "a@aluma.test", NOW + timedelta(hours=6))
    with pytest.raises(cases.CaseError, match="resolved"):
        answer(store, handoff, NOW + timedelta(hours=7))
    with pytest.raises(cases.CaseError, match="already resolved"):
        cases.resolve(store.engine, ref, "a@aluma.test", NOW)
    trail = [(e.staff_email, e.action, e.detail) for e in audit.entries(store.engine, ref)]
    assert trail[::-1] == [
        ("a@aluma.test", "claimed", None),
        ("b@aluma.test", "claimed", None),
        ("b@aluma.test", "answered", "emailed"),
        ("a@aluma.test", "answered", "emailed"),
        ("a@aluma.test", "resolved", None),
    ]


def test_answers_must_fit_the_contact_and_say_something(store: HandoffStore) -> None:
    email, phone = add(store, "e"), add(store, "p", phone=True)
    for reference, method, text, problem in (
        (email.reference, "email", "  ", "Write the reply"),
        (email.reference, "called", "", "reply by email"),
        (phone.reference, "email", "hi", "call or text"),
        (phone.reference, "faxed", "", "Choose how"),
    ):
        with pytest.raises(cases.CaseError, match=problem):
            cases.answer(store.engine, reference, "a@aluma.test", method, text, NOW, SENDER)
    with pytest.raises(cases.CaseNotFound):
        cases.claim(store.engine, "AL-NOPE22", "a@aluma.test", NOW)
    cases.answer(store.engine, phone.reference, "a@aluma.test", "texted", "", NOW, SENDER)
    case = cases.get_case(store.engine, phone.reference)
    assert case is not None and case.answer_method == "texted"


def test_filters_and_order(store: HandoffStore) -> None:
    first = add(store, "1", NOW - timedelta(hours=5))
    second = add(store, "2", NOW - timedelta(hours=10))
    third = add(store, "3", NOW - timedelta(hours=1))
    cases.claim(store.engine, first.reference, "a@aluma.test", NOW)
    answer(store, third, NOW)

    def refs(which: str) -> list[str]:
        return [c.handoff.reference for c in cases.list_cases(store.engine, which)]

    assert refs("open") == [second.reference, first.reference]  # soonest due first
    assert refs("answered") == [third.reference]
    assert refs("resolved") == []
    assert refs("all") == [third.reference, first.reference, second.reference]
    assert refs("bogus") == refs("open")


def test_the_weeks_numbers(store: HandoffStore) -> None:
    on_time = add(store, "on-time", NOW - timedelta(days=2))
    answer(store, on_time, on_time.created_at + timedelta(hours=3))
    late = add(store, "late", NOW - timedelta(days=3))
    answer(store, late, late.created_at + timedelta(hours=30))
    add(store, "overdue", NOW - timedelta(hours=30))
    add(store, "not-yet-due", NOW - timedelta(hours=1))
    old = add(store, "last-month", NOW - timedelta(days=8))
    answer(store, old, old.created_at + timedelta(hours=1))
    stats = week_stats(store.engine, NOW)
    assert (stats.handoffs, stats.judged, stats.on_time) == (4, 3, 1)
    assert stats.on_time_percent == pytest.approx(100 / 3)
    assert stats.median_to_answer == timedelta(hours=16, minutes=30)
    assert (stats.open_now, stats.overdue_now) == (2, 1)
    empty = week_stats(store.engine, NOW + timedelta(days=30))
    assert (empty.handoffs, empty.on_time_percent, empty.median_to_answer) == (0, None, None)
