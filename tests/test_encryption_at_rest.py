"""Visitors' data encrypted at rest: what is sealed, with which key, and what happens when the
key is missing, wrong or rotated (bot/storage/data_keys.py, sealing.py, key_rotation.py)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import cli
from bot.handoffs import store as store_module
from bot.handoffs.contact import Contact
from bot.handoffs.store import HandoffStore, NewHandoff, metadata
from bot.reports.store import read_events
from bot.staff import audit, cases, replies
from bot.storage import data_keys, key_rotation
from bot.storage.data_keys import DataKeyError
from bot.storage.key_rotation import TRACKER_EVENTS
from bot.storage.sealing import key_id_of, seal, unseal
from bot.storage.tracker_store import DurableSQLTrackerStore

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
DOMAIN = Domain.from_dict(
    {
        "intents": ["ask"],
        "actions": ["utter_answer"],
        "slots": {"name": {"type": "text", "mappings": [{"type": "custom"}]}},
    }
)


@pytest.fixture(autouse=True)
def keys_from_files(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Key files beside each test's databases, looked at again quickly (rotation waits less)."""
    for name in ("BOT_DATA_KEY", "BOT_DATA_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(data_keys, "REFRESH_SECONDS", 0.05)
    yield
    store_module._open_store.cache_clear()


def new_handoff(marker: str, key: str | None = None) -> NewHandoff:
    return NewHandoff(
        sender_id=uuid.uuid4().hex,  # ids and keys are ours, not the visitor's: stored plain
        submission_key=key or uuid.uuid4().hex,
        name=f"Name{marker}",
        contact=Contact("email", f"mail{marker.lower()}@example.com"),
        question=f"Question{marker}",
        transcript=[{"role": "visitor", "text": f"Said{marker}", "at": None}],
        page_url=f"https://alumaaesthetics.com/?q=Page{marker}",
    )


def on_disk(path: Path) -> bytes:
    """The database file and its write-ahead log, as a thief with a copy would read them."""
    found = b""
    for suffix in ("", "-wal", "-journal"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            found += part.read_bytes()
    return found


def raw_values(path: Path, query: str) -> list[str]:
    with sqlite3.connect(path) as db:
        return [str(value) for row in db.execute(query) for value in row]


def tracker_with(sender: str, marker: str, at: float) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for event in (
        UserUttered(f"Typed{marker}", {"name": "ask", "confidence": 0.9}, timestamp=at),
        ActionExecuted("utter_answer", timestamp=at + 0.1),
        BotUttered(f"Answer{marker}", timestamp=at + 0.2),
        SlotSet("name", f"Slot{marker}", timestamp=at + 0.3),
        ActionExecuted("action_listen", timestamp=at + 0.4),
    ):
        tracker.update(event)
    return tracker


def test_what_a_visitor_gave_is_sealed_on_disk_and_read_back_whole(tmp_path: Path) -> None:
    db = tmp_path / "handoffs.db"
    store = HandoffStore.from_url(f"sqlite:///{db}")
    stored = store.add(new_handoff("Zq7Marker"), now=NOW)
    cases.answer(store.engine, stored.reference, "a@aluma.test", "email", "NoteZq7", NOW, "x")
    store.engine.dispose()

    disk = on_disk(db)
    for marker in (b"Zq7Marker", b"zq7marker", b"NoteZq7"):
        assert marker not in disk
    key_file = tmp_path / "data_key"  # beside the database, never inside it
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    [kid] = data_keys.Keyring.parse(key_file.read_text(), "file").keys
    columns = "name, contact, question, page_url, transcript"
    for row in raw_values(db, f"SELECT {columns} FROM handoffs"):
        assert key_id_of(row.strip('"')) == kid  # every value names its key
    [body] = raw_values(db, "SELECT body FROM handoff_replies")
    assert key_id_of(body) == kid

    again = HandoffStore.from_url(f"sqlite:///{db}").get(stored.reference)
    assert again is not None and again.name == "NameZq7Marker"
    assert again.contact == "mailzq7marker@example.com" and again.question == "QuestionZq7Marker"
    assert again.transcript == [{"role": "visitor", "text": "SaidZq7Marker", "at": None}]
    assert again.page_url == "https://alumaaesthetics.com/?q=PageZq7Marker"
    [reply] = replies.for_handoff(store.engine, stored.id)
    assert reply.body == "NoteZq7"


async def test_rasa_events_are_sealed_and_reports_still_read_them(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    ours = DurableSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(db))
    await ours.save(tracker_with("v1", "Kx4Marker", 1_700_000_000.0))
    assert b"Kx4Marker" not in on_disk(db)
    back = await ours.retrieve("v1")
    assert back is not None and back.get_slot("name") == "SlotKx4Marker"
    full = await ours.retrieve_full_tracker("v1")
    assert full is not None and full.latest_message.text == "TypedKx4Marker"
    texts = [e.data.get("text") for e in read_events(f"sqlite:///{db}", 0) if e.type == "user"]
    assert texts == ["TypedKx4Marker"]


def test_a_database_written_before_encryption_is_read_and_rotation_seals_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "handoffs.db"
    with sqlite3.connect(db) as old:  # the table as the store made it before this change
        old.execute(
            "CREATE TABLE handoffs (id VARCHAR(32) PRIMARY KEY, reference VARCHAR(16), "
            "submission_key VARCHAR(64), sender_id VARCHAR(255), created_at DATETIME, "
            "reply_by DATETIME, name TEXT, contact TEXT, contact_kind VARCHAR(8), "
            "question TEXT, consent BOOLEAN, page_url TEXT, transcript JSON, status VARCHAR(16))"
        )
        old.execute(
            "INSERT INTO handoffs VALUES ('a1', 'AL-OLD111', 'k', 's', '2026-11-01 10:00:00', "
            "'2026-11-02 10:00:00', 'OldName', 'old@example.com', 'email', 'OldQuestion', 1, "
            'NULL, \'[{"role": "visitor", "text": "OldSaid", "at": null}]\', \'open\')'
        )
    url = f"sqlite:///{db}"
    store = HandoffStore.from_url(url)
    before = store.get("AL-OLD111")
    assert before is not None and before.name == "OldName"
    assert before.transcript[0]["text"] == "OldSaid"
    store.engine.dispose()

    monkeypatch.setenv("BOT_DB_URL", url)
    tracker = f"sqlite:///{tmp_path / 'no-tracker.db'}"
    assert cli.main(["keys", "rotate", "--tracker-db", tracker]) == 0
    assert "values re-encrypted" in capsys.readouterr().out
    for marker in (b"OldName", b"old@example.com", b"OldQuestion", b"OldSaid"):
        assert marker not in on_disk(db)
    after = HandoffStore.from_url(url).get("AL-OLD111")
    assert after == before


def test_a_wrong_key_is_refused_at_start_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "handoffs.db"
    HandoffStore.from_url(f"sqlite:///{db}").add(new_handoff("Wr0ng"), now=NOW)
    tracker = tmp_path / "tracker.db"
    asyncio.run(
        DurableSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tracker)).save(
            tracker_with("v", "Wr0ng", 1.0)
        )
    )
    [right] = data_keys.Keyring.parse((tmp_path / "data_key").read_text(), "f").keys
    monkeypatch.setenv("BOT_DATA_KEY", data_keys.new_key())
    with pytest.raises(DataKeyError, match=f"encrypted under key {right}.*wrong key"):
        HandoffStore.from_url(f"sqlite:///{db}")
    with pytest.raises(DataKeyError, match=f"tracker store.*key {right}.*wrong key"):
        DurableSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tracker))
    with pytest.raises(DataKeyError, match="malformed key"):
        monkeypatch.setenv("BOT_DATA_KEY", "not-a-key")
        HandoffStore.from_url(f"sqlite:///{db}")


def test_a_missing_key_file_is_refused_and_no_new_key_is_made(tmp_path: Path) -> None:
    db = tmp_path / "handoffs.db"
    HandoffStore.from_url(f"sqlite:///{db}").add(new_handoff("Lost"), now=NOW)
    key_file = tmp_path / "data_key"
    key_file.unlink()
    with pytest.raises(DataKeyError, match=r"key file .*data_key is missing.*restore"):
        HandoffStore.from_url(f"sqlite:///{db}")
    assert not key_file.exists()  # a new key would have made the old data unreadable for good


def test_a_key_file_others_may_read_and_an_altered_value_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "handoffs.db"
    store = HandoffStore.from_url(f"sqlite:///{db}")
    stored = store.add(new_handoff("Tamper"), now=NOW)
    with sqlite3.connect(db) as conn:
        [sealed] = raw_values(db, "SELECT question FROM handoffs")
        flipped = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
        conn.execute("UPDATE handoffs SET question = ?", (flipped,))
    with pytest.raises(DataKeyError, match="failed authentication"):
        store.get(stored.reference)
    (tmp_path / "data_key").chmod(0o644)
    with pytest.raises(DataKeyError, match="chmod 600"):
        data_keys.keyring(tmp_path / "data_key", force=True)


def test_rotation_while_handoffs_and_conversations_go_on_loses_nothing(
    tmp_path: Path,
) -> None:
    handoff_db, tracker_db = tmp_path / "handoffs.db", tmp_path / "tracker.db"
    store = HandoffStore.from_url(f"sqlite:///{handoff_db}")
    tracker_store = DurableSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tracker_db))
    for n in range(150):
        store.add(new_handoff(f"Before{n}"), now=NOW)
    loop = asyncio.new_event_loop()
    for n in range(150):
        loop.run_until_complete(tracker_store.save(tracker_with(f"b{n}", f"Before{n}", n)))
    old = data_keys.keyring(tmp_path / "data_key")  # made by the stores
    assert old is not None
    old_kid = old.current

    stop = threading.Event()
    written: list[str] = []

    def keep_talking() -> None:  # a visitor and a handoff every few milliseconds, throughout
        n = 0
        while not stop.is_set():
            store.add(new_handoff(f"During{n}"), now=NOW)
            loop.run_until_complete(tracker_store.save(tracker_with(f"d{n}", f"During{n}", n)))
            written.append(f"During{n}")
            n += 1

    talker = threading.Thread(target=keep_talking)
    talker.start()
    try:
        handoff_engine = HandoffStore.from_url(f"sqlite:///{handoff_db}").engine
        tracker_engine = store_module.create_db_engine(f"sqlite:///{tracker_db}")
        stores = [
            (handoff_engine, key_rotation.targets(metadata)),
            (tracker_engine, [TRACKER_EVENTS]),
        ]
        [rotation] = key_rotation.rotate(stores, settle_seconds=0.3, batch=50, pause=0.0)
    finally:
        stop.set()
        talker.join()
    assert len(written) > 5, "the writes did not overlap the rotation"
    assert rotation.old_keys == [old_kid] and rotation.new_key != old_kid
    assert rotation.changed["handoffs"] >= 150 * 5 and rotation.changed["events"] >= 150 * 5

    # No value is left under the old key, and the old key is gone from the key file.
    assert set(key_rotation.count_by_key(stores)) == {rotation.new_key}
    assert list(data_keys.Keyring.parse((tmp_path / "data_key").read_text(), "f").keys) == [
        rotation.new_key
    ]
    with pytest.raises(DataKeyError):
        unseal(seal("x", old))  # a value under the old key can no longer be opened here
    # Nothing lost: every handoff and every conversation reads back whole under the new key.
    fresh = HandoffStore.from_url(f"sqlite:///{handoff_db}")
    names = {h.name for h in fresh.list()}
    expected = {f"NameBefore{n}" for n in range(150)} | {f"Name{m}" for m in written}
    assert names == expected
    again = DurableSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tracker_db))
    for sender, marker in [("b0", "Before0"), ("b149", "Before149"), ("d0", written[0])]:
        tracker = loop.run_until_complete(again.retrieve(sender))
        assert tracker is not None and tracker.get_slot("name") == f"Slot{marker}"
    loop.close()


def test_rotation_is_audited_without_visitor_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'handoffs.db'}"
    monkeypatch.setenv("BOT_DB_URL", url)
    store = HandoffStore.from_url(url)
    store.add(new_handoff("Aud1t"), now=NOW)
    tracker = tmp_path / "tracker.db"
    asyncio.run(
        DurableSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tracker)).save(
            tracker_with("v", "Aud1t", 1.0)
        )
    )
    assert cli.main(["keys", "rotate", "--tracker-db", f"sqlite:///{tracker}"]) == 0
    out = capsys.readouterr().out
    [entry] = audit.entries(store.engine)
    assert entry.action == "data_key_rotated" and entry.staff_email.startswith("cli:")
    assert entry.detail is not None and "values re-encrypted" in entry.detail
    assert "Aud1t" not in str(entry) and "aud1t" not in str(entry)
    assert (
        "10 values re-encrypted (handoff_replies 0, handoffs 5, live_chats 0, "
        "live_messages 0, staff_pending_sign_ins 0, staff_second_factors 0, events 5)" in out
    )
    assert cli.main(["keys", "status", "--tracker-db", f"sqlite:///{tracker}"]) == 0
    assert "plain" not in capsys.readouterr().out


def test_keys_from_the_environment_rotate_to_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'handoffs.db'}"
    monkeypatch.setenv("BOT_DB_URL", url)
    old, new = data_keys.new_key(), data_keys.new_key()
    monkeypatch.setenv("BOT_DATA_KEY", old)
    store = HandoffStore.from_url(url)
    store.add(new_handoff("Env1"), now=NOW)
    assert not (tmp_path / "data_key").exists()  # the environment's key, no file
    monkeypatch.setenv("BOT_DATA_KEY", f"{new},{old}")
    store_module._open_store.cache_clear()
    assert cli.main(["keys", "rotate", "--tracker-db", f"sqlite:///{tmp_path / 'none.db'}"]) == 0
    assert "from BOT_DATA_KEY" in capsys.readouterr().out
    monkeypatch.setenv("BOT_DATA_KEY", new)
    [handoff] = HandoffStore.from_url(url).list()
    assert handoff.name == "NameEnv1"
    monkeypatch.setenv("BOT_DATA_KEY", old)
    assert cli.main(["keys", "status", "--tracker-db", f"sqlite:///{tmp_path / 'none.db'}"]) == 2
    assert "wrong key" in capsys.readouterr().err


def test_sealing_is_authenticated_and_never_repeats(tmp_path: Path) -> None:
    ring = data_keys.keyring(tmp_path / "k", create=True)
    assert ring is not None
    a, b = seal("same text", ring), seal("same text", ring)
    assert a != b and unseal(a, ring) == unseal(b, ring) == "same text"
    assert unseal("written before encryption", ring) == "written before encryption"
    forged = a.replace(ring.current, "00000000")
    with pytest.raises(DataKeyError, match=r"key 00000000, which .* does not hold"):
        unseal(forged, ring)
    assert os.stat(tmp_path / "k").st_mode & 0o077 == 0


def test_live_chat_messages_are_sealed_and_rotated_with_the_rest(tmp_path: Path) -> None:
    from bot.db.schema import metadata as every_table
    from bot.live import store as live

    db = tmp_path / "handoffs.db"
    store = HandoffStore.from_url(f"sqlite:///{db}")
    chat = live.enqueue(
        store.engine,
        "v-live",
        NOW,
        "es",
        "https://alumaaesthetics.com/?q=PageLv3Mark",
        "AskLv3Mark",
    )
    live.add_message(store.engine, chat, "visitor", "TypedLv3Mark", NOW)
    live.add_message(store.engine, chat, "staff", "StaffLv3Mark", NOW, name="Maria")
    store.engine.dispose()

    # Long enough that random base64 of the sealed values cannot hold it by chance (3 letters
    # did, about one run in a few hundred).
    assert b"Lv3Mark" not in on_disk(db)
    [kid] = data_keys.Keyring.parse((tmp_path / "data_key").read_text(), "file").keys
    for value in raw_values(db, "SELECT text FROM live_messages"):
        assert key_id_of(value) == kid
    assert live.visitor_texts(store.engine, chat.id) == ["TypedLv3Mark"]
    again = live.get(store.engine, chat.id)
    assert again is not None and again.question == "AskLv3Mark"
    # `bot keys rotate` walks every encrypted column of every table we own.
    walked = {(t.table, t.column) for t in key_rotation.targets(every_table)}
    assert {("live_messages", "text"), ("live_chats", "question")} <= walked
