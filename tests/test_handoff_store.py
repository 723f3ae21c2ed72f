import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from bot.handoffs.contact import Contact
from bot.handoffs.store import HandoffStore, NewHandoff


def _new(key: str = "k1") -> NewHandoff:
    return NewHandoff(
        sender_id="visitor-1",
        submission_key=key,
        name="Sam Lee",
        contact=Contact("email", "sam@example.com"),
        question="How much does it cost?",
        transcript=[{"role": "visitor", "text": "how much?", "at": None}],
        page_url="https://example.com/botox-for-rosacea/",
    )


def test_a_handoff_is_committed_with_a_reply_by_time(store: HandoffStore, db_url: str) -> None:
    asked = datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)
    stored = store.add(_new(), now=asked)
    assert stored.reference.startswith("AL-")
    assert stored.reply_by - stored.created_at == timedelta(hours=24)
    assert stored.status == "open"
    # A fresh store on the same database (another process, or after a restart) sees it.
    reopened = HandoffStore.from_url(db_url).get(stored.reference)
    assert reopened == stored
    assert reopened.created_at == asked
    assert reopened.transcript[0]["text"] == "how much?"


def test_the_same_submission_is_stored_once(store: HandoffStore) -> None:
    first = store.add(_new("same"))
    second = store.add(_new("same"))
    assert first.reference == second.reference
    assert len(store.list()) == 1


def test_naive_times_are_refused(store: HandoffStore) -> None:
    with pytest.raises(Exception, match="naive"):
        store.add(_new(), now=datetime(2026, 1, 1))


def test_sqlite_is_in_durable_mode(store: HandoffStore) -> None:
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL


def test_the_first_handoffs_arriving_together_on_a_fresh_database_are_all_stored(
    db_url: str,
) -> None:
    # The action server opens its store on the first handoff, from worker threads: a burst of
    # visitors confirming at once must not race to create it (seen under load: 3 of 15 lost).
    from bot.handoffs import store as store_module

    barrier = threading.Barrier(12)

    def confirm(index: int) -> str:
        barrier.wait()
        return store_module.default_store().add(_new(f"burst-{index}")).reference

    with ThreadPoolExecutor(12) as pool:
        references = list(pool.map(confirm, range(12)))
    assert len(set(references)) == 12
    assert len(store_module.default_store().list()) == 12


def test_processes_opening_a_fresh_database_together_all_get_its_tables(db_url: str) -> None:
    # The web service and the action server start side by side on a fresh database.
    barrier = threading.Barrier(8)

    def open_store(_: int) -> int:
        barrier.wait()
        store = HandoffStore.from_url(db_url)  # its own engine, as another process has
        return len(store.list())

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(open_store, range(8))) == [0] * 8
