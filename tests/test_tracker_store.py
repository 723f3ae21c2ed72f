"""Our SQL tracker store stores and returns exactly what Rasa's does, with fewer queries."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.storage import retry, sqlite_events, tracker_store
from bot.storage.sealing import unseal
from bot.storage.tracker_store import DurableSQLTrackerStore

DOMAIN = Domain.from_dict(
    {
        "intents": ["ask", "affirm"],
        "actions": ["utter_answer"],
        "slots": {"name": {"type": "text", "mappings": [{"type": "custom"}]}},
    }
)


def turn(text: str, at: float) -> list[Event]:
    return [
        UserUttered(text, {"name": "ask", "confidence": 0.9}, timestamp=at),
        ActionExecuted("utter_answer", timestamp=at + 0.1),
        BotUttered("an answer", timestamp=at + 0.2),
        SlotSet("name", text, timestamp=at + 0.3),
        ActionExecuted("action_listen", timestamp=at + 0.4),
    ]


def new_session(at: float) -> list[Event]:
    return [
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at + 0.01),
        ActionExecuted("action_listen", timestamp=at + 0.02),
    ]


async def converse(store: Any, sender: str) -> None:
    """Rasa's cycle per turn (fetch, update, save), over two sessions, saving twice in one turn."""
    turns = [new_session(1.0), turn("hi", 2.0), turn("rosacea?", 3.0), new_session(10.0)]
    for index, events in enumerate([*turns, turn("and botox?", 11.0)]):
        tracker = await store.retrieve(sender) or DialogueStateTracker(sender, DOMAIN.slots)
        for event in events:
            tracker.update(event)
        await store.save(tracker)
        if index == 2:  # a second save of the same tracker adds nothing
            await store.save(tracker)


@pytest.fixture(autouse=True)
def data_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own key file, made by the store on first use."""
    path = tmp_path / "data_key"
    monkeypatch.delenv("BOT_DATA_KEY", raising=False)
    monkeypatch.setenv("BOT_DATA_KEY_FILE", str(path))
    return path


def rows(path: Path) -> list[tuple[Any, ...]]:
    """The events table, with each event's data opened (ours seals it, Rasa's does not)."""
    with sqlite3.connect(path) as db:
        query = "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events"
        found = db.execute(query + " ORDER BY id").fetchall()
    return [(*row[:-1], unseal(row[-1])) for row in found]


def stores(tmp_path: Path) -> tuple[SQLTrackerStore, DurableSQLTrackerStore]:
    rasas = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "rasa.db"))
    ours = DurableSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "ours.db"))
    return rasas, ours


async def test_ours_stores_and_returns_what_rasas_does(tmp_path: Path) -> None:
    rasas, ours = stores(tmp_path)
    await converse(rasas, "visitor")
    await converse(ours, "visitor")
    stored = rows(tmp_path / "ours.db")
    assert stored == rows(tmp_path / "rasa.db")
    assert len(stored) == 3 + 5 + 5 + 3 + 5  # each event once
    for name in ("retrieve", "retrieve_full_tracker"):
        mine, theirs = await getattr(ours, name)("visitor"), await getattr(rasas, name)("visitor")
        assert mine == theirs and mine is not None
    latest = await ours.retrieve("visitor")
    assert latest is not None and [e.text for e in latest.events if e.type_name == "user"] == [
        "and botox?"
    ]  # only the latest session, as Rasa
    assert await ours.retrieve("nobody") is None


async def test_a_tracker_it_did_not_read_is_counted_before_writing(tmp_path: Path) -> None:
    _, ours = stores(tmp_path)
    await converse(ours, "visitor")
    before = rows(tmp_path / "ours.db")
    read = await ours.retrieve("visitor")
    assert read is not None
    events = read.current_state(EventVerbosity.ALL)["events"]
    rebuilt = DialogueStateTracker.from_dict("visitor", events, [])
    rebuilt.update(UserUttered("one more", timestamp=20.0))
    await ours.save(rebuilt)
    after = rows(tmp_path / "ours.db")
    assert after[: len(before)] == before
    assert [row[1] for row in after[len(before) :]] == ["user"]


async def test_a_retried_write_counts_again_and_writes_each_event_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, ours = stores(tmp_path)
    await converse(ours, "visitor")
    tracker = await ours.retrieve("visitor")
    assert tracker is not None
    tracker.update(UserUttered("lost reply?", timestamp=30.0))
    real_save, calls = ours._save, []

    async def committed_then_connection_lost(tracker: Any, stored: int | None) -> None:
        calls.append(stored)
        await real_save(tracker, stored)
        if len(calls) == 1:  # the commit went through, its answer did not come back
            raise sa.exc.DBAPIError("COMMIT", {}, Exception("gone"), connection_invalidated=True)

    monkeypatch.setattr(ours, "_save", committed_then_connection_lost)
    monkeypatch.setattr(retry.asyncio, "sleep", _no_wait)
    await ours.save(tracker)
    assert calls[0] is not None and calls[1] is None  # the retry counted the stored events
    assert sum("lost reply?" in row[5] for row in rows(tmp_path / "ours.db")) == 1


async def _no_wait(_: float) -> None:
    return None


async def test_sqlite_writes_are_logged_ahead_and_synced_on_each_commit(tmp_path: Path) -> None:
    _, ours = stores(tmp_path)
    await converse(ours, "visitor")
    with ours.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


async def test_sqlite_events_go_through_one_synced_connection_per_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, ours = stores(tmp_path)
    raw = ours._sqlite
    assert raw is not None  # a SQLite file: the sqlite3 module's path, not SQLAlchemy's
    await converse(ours, "visitor")
    first = raw.connection()
    assert first.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert first.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.connection() is first
    monkeypatch.setattr(sqlite_events.os, "getpid", lambda: -1)  # as in a forked worker
    second = raw.connection()
    assert second is not first and raw._inherited == [first]  # left open for the parent
    tracker = await ours.retrieve("visitor")
    assert tracker is not None
    tracker.update(UserUttered("after the fork", timestamp=50.0))
    await ours.save(tracker)  # written on the new connection
    assert len(rows(tmp_path / "ours.db")) == 22


async def test_a_failed_sqlite_write_leaves_nothing_half_written(tmp_path: Path) -> None:
    _, ours = stores(tmp_path)
    await converse(ours, "visitor")
    before = rows(tmp_path / "ours.db")
    tracker = await ours.retrieve("visitor")
    assert tracker is not None
    tracker.update(UserUttered("first", timestamp=40.0))
    tracker.update(UserUttered("second", timestamp=41.0))
    calls = []

    def failing_on_second(sender: str, event: Event) -> tuple[Any, ...]:
        calls.append(event)
        if len(calls) == 2:
            raise RuntimeError("disk gone")
        return tracker_store._values(sender, event, ours._ring())

    assert ours._sqlite is not None
    with pytest.raises(RuntimeError):
        ours._sqlite.append("visitor", None, tracker.events, failing_on_second)
    assert rows(tmp_path / "ours.db") == before
    assert not ours._sqlite.connection().in_transaction
    await ours.save(tracker)
    added = rows(tmp_path / "ours.db")[len(before) :]
    assert [json.loads(row[5])["text"] for row in added] == ["first", "second"]
