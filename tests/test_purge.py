"""The retention purge: resolved handoffs, their transcripts, replies and outbox rows go after
BOT_RETENTION_DAYS, answered ones nobody resolved that long after the answer; nothing unanswered
goes; the audit trail stays; the scheduler runs it."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Table, func, select

from bot.delivery import outbox
from bot.delivery.scheduler import Jobs
from bot.handoffs.contact import Contact
from bot.handoffs.store import Handoff, HandoffStore, NewHandoff, handoff_progress, handoffs
from bot.settings import Settings
from bot.staff import audit, cases
from bot.staff.purge import purge_conversations, purge_handoffs
from bot.staff.replies import handoff_replies

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=timezone.utc)
SENDER = "assistant@aluma.test"


def add(store: HandoffStore, key: str, name: str = "Sam Lee") -> Handoff:
    new = NewHandoff(
        f"visitor-{key}",
        key,
        name,
        Contact("email", f"{key}@example.com"),
        f"the question of {name}",
        transcript=[{"role": "visitor", "text": f"transcript of {name}", "at": None}],
    )
    return store.add(new, now=NOW - timedelta(days=400))


def resolved(store: HandoffStore, key: str, days_ago: float, name: str = "Sam Lee") -> Handoff:
    handoff = add(store, key, name)
    when = NOW - timedelta(days=days_ago)
    cases.answer(store.engine, handoff.reference, "a@aluma.test", "email", "Hi.", when, SENDER)
    cases.resolve(store.engine, handoff.reference, "a@aluma.test", when)
    return handoff


def count(store: HandoffStore, table: Table, column: Column[Any], handoff: Handoff) -> int:
    with store.engine.connect() as conn:
        query = select(func.count()).select_from(table).where(column == handoff.id)
        return int(conn.execute(query).scalar_one())


def test_resolved_handoffs_past_retention_are_deleted_with_everything_of_theirs(
    store: HandoffStore,
) -> None:
    gone = resolved(store, "gone", days_ago=91)
    recent = resolved(store, "recent", days_ago=89)
    answered = add(store, "answered")
    cases.answer(store.engine, answered.reference, "a@aluma.test", "email", "Hi.", NOW, SENDER)
    unanswered = add(store, "open")
    outbox.enqueue_new_handoffs(store.engine, ("email",), NOW, SENDER)

    assert purge_handoffs(store.engine, NOW, retention_days=90) == [gone.reference]
    for table, column in (
        (handoffs, handoffs.c.id),
        (handoff_progress, handoff_progress.c.handoff_id),
        (handoff_replies, handoff_replies.c.handoff_id),
        (outbox.outbox, outbox.outbox.c.handoff_id),
    ):
        assert count(store, table, column, gone) == 0, table
    assert count(store, handoff_replies, handoff_replies.c.handoff_id, recent) == 1
    assert {h.reference for h in store.list()} == {
        recent.reference,
        answered.reference,
        unanswered.reference,
    }
    # Who answered and resolved it stays on record, under its reference only.
    assert [e.action for e in audit.entries(store.engine, gone.reference)] == [
        "resolved",
        "answered",
    ]
    assert purge_handoffs(store.engine, NOW, retention_days=90) == []
    assert purge_handoffs(store.engine, NOW + timedelta(days=2), 90) == [recent.reference]


def test_an_answer_nobody_marked_resolved_does_not_keep_the_visitor_forever(
    store: HandoffStore,
) -> None:
    forgotten = add(store, "forgotten", name="Ida Noor")
    when = NOW - timedelta(days=91)
    cases.answer(store.engine, forgotten.reference, "a@aluma.test", "email", "Hi.", when, SENDER)
    lately = add(store, "lately")
    cases.answer(store.engine, lately.reference, "a@aluma.test", "email", "Hi.", NOW, SENDER)
    never = add(store, "never")  # 400 days old, still owed an answer
    assert purge_handoffs(store.engine, NOW, retention_days=90) == [forgotten.reference]
    assert {h.reference for h in store.list()} == {lately.reference, never.reference}
    assert count(store, handoff_replies, handoff_replies.c.handoff_id, forgotten) == 0


def test_purged_visitor_details_are_gone_from_the_database_file(
    store: HandoffStore, db_url: str
) -> None:
    gone = resolved(store, "gone", days_ago=100, name="Quillon Verbeek")
    resolved(store, "kept", days_ago=1, name="Marisol Okafor")
    path = Path(db_url.removeprefix("sqlite:///"))

    def on_disk() -> bytes:
        wal = path.with_name(path.name + "-wal")
        return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")

    def sealed_name(reference: str) -> bytes:
        with sqlite3.connect(path) as db:
            query = "SELECT name FROM handoffs WHERE reference = ?"
            return str(db.execute(query, (reference,)).fetchone()[0]).encode()

    # Names are never on disk in the clear; the sealed one goes with the purge too.
    assert b"Quillon Verbeek" not in on_disk() and b"Marisol Okafor" not in on_disk()
    sealed = sealed_name(gone.reference)
    assert sealed.startswith(b"enc1:") and sealed in on_disk()
    purge_handoffs(store.engine, NOW, retention_days=90)
    assert sealed not in on_disk()
    assert store.list()[0].name == "Marisol Okafor"


def test_the_scheduler_purges_hourly_with_the_configured_retention(
    store: HandoffStore, db_url: str
) -> None:
    jobs = Jobs(store.engine, Settings(db_url=db_url, retention_days=30))
    first = resolved(store, "a", days_ago=31)
    assert jobs.run_once(NOW).purged == [first.reference]
    second = resolved(store, "b", days_ago=31)
    assert jobs.run_once(NOW + timedelta(minutes=30)).purged is None  # not due yet
    assert jobs.run_once(NOW + timedelta(hours=1)).purged == [second.reference]


def test_retention_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings.from_env().retention_days == 90
    monkeypatch.setenv("BOT_RETENTION_DAYS", "30")
    assert Settings.from_env().retention_days == 30


async def test_conversation_events_past_retention_are_deleted_from_rasas_tracker_store(
    tmp_path: Path,
) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    rasa_store = SQLTrackerStore(Domain.empty(), db=str(tmp_path / "tracker.db"))
    old, new = ((NOW - timedelta(days=days)).timestamp() for days in (91, 1))
    for sender, stamps in (("old-chat", [old, old]), ("mixed-chat", [old, new])):
        tracker = DialogueStateTracker(sender, slots=[])
        for stamp in stamps:
            tracker.update(UserUttered("my email is robin@example.com", timestamp=stamp))
        await rasa_store.save(tracker)

    assert purge_conversations(url, NOW, retention_days=90) == 3

    reopened = SQLTrackerStore(Domain.empty(), db=str(tmp_path / "tracker.db"))
    assert await reopened.retrieve("old-chat") is None
    mixed = await reopened.retrieve("mixed-chat")
    assert mixed is not None
    assert [event.timestamp for event in mixed.events] == [new]
    assert purge_conversations(url, NOW, retention_days=90) == 0


def test_the_conversation_purge_leaves_a_missing_tracker_store_uncreated(tmp_path: Path) -> None:
    file = tmp_path / "none.db"
    assert purge_conversations(f"sqlite:///{file}", NOW, retention_days=90) == 0
    assert not file.exists()
