"""Rasa's SQL tracker store, made to ride out a database restart and to cost less per turn.

Rasa wraps every tracker store in a FailSafeTrackerStore: when a read fails it starts the
conversation afresh, when a write fails it keeps the turn in memory only. Both lose a visitor's
history (a half-filled handoff form, say). Here reads and writes wait for the database instead
(bot/storage/retry.py), and stale pooled connections are checked before use.

Per turn, Rasa's store reads the session's events through ORM objects, then before writing
counts them again with a second query, and inserts the new events one ORM object at a time:
29 % of the single-node server's time at 50 back-to-back visitors (bench/profile.py before
this change; 11 % after). Here the read takes only the events' JSON, the count read is
remembered on the tracker it built (a tracker Rasa hands back without one, or a retried write,
is counted as Rasa does), and the new events go in as one multi-row insert. Both go through
a plain connection, not an ORM session, which took a third of the write's time (the Rasa
workers' CPU per message at 50 back-to-back visitors: 17.1-17.8 ms before, 15.7-16.0 ms after,
on a slow day). Reads and writes see and store exactly what Rasa's do. A SQLite file is read
and written through the sqlite3 module with the same statements (bot/storage/sqlite_events.py),
on a connection kept open, through a write-ahead log still synced on each commit, so a
committed turn survives a crash and power loss as before.

Each event's JSON (the visitor's words, slot values such as contact details, the bot's replies)
is stored sealed under the data key (bot/storage/sealing.py); the other columns (sender id,
event type, time, intent and action names) stay plain so Rasa's queries, reports and the purge
work without the key.

endpoints.yml: `tracker_store: {type: bot.storage.tracker_store.DurableSQLTrackerStore, ...}`
with the same keys as Rasa's `type: SQL`.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
from collections.abc import Awaitable
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.pool import QueuePool

from bot.storage.data_keys import DataKeyError, Keyring, keyring
from bot.storage.key_check import TRACKER_SAMPLES, check_engine
from bot.storage.retry import retrying_async
from bot.storage.sealing import seal, unseal
from bot.storage.sqlite_events import SQLiteEvents, apply_pragmas

logger = logging.getLogger(__name__)

STORED = "_aluma_stored_events"  # on a tracker: how many of its events the database holds


COLUMNS = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    apply_pragmas(connection)


def _values(sender_id: str, event: Event, ring: Keyring) -> tuple[Any, ...]:
    """An event's row, in COLUMNS' order, as Rasa's store writes it but for the sealed data."""
    data = event.as_dict()
    return (
        sender_id,
        event.type_name,
        data.get("timestamp"),
        data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        data.get("name"),
        seal(json.dumps(data), ring),
    )


class DurableSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rasas = self.engine  # type: ignore[has-type]
        if rasas.dialect.name == "sqlite":
            # One file, no server to restart: a pool of open connections instead of a new
            # connection (and journal set-up) per query.
            self.engine = sa.create_engine(
                rasas.url,
                poolclass=QueuePool,
                connect_args={"check_same_thread": False},
                hide_parameters=True,
            )
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            # Rasa's engine has no pre-ping: after a restart each pooled connection fails once.
            self.engine = sa.create_engine(rasas.url, pool_pre_ping=True, hide_parameters=True)
        rasas.dispose()
        # Here, not at the first turn: a wrong or lost key stops Rasa at start with the reason.
        try:
            self._keys = check_engine(self.engine, "the tracker store", TRACKER_SAMPLES).path
        except DataKeyError as error:
            logger.critical("%s", error)  # Rasa's traceback that follows buries the reason
            raise
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._events = self.SQLEvent.__table__
        in_session = self._in_latest_session()
        self._session_events = (
            sa.select(self._events.c.data).where(in_session).order_by(self._events.c.id)
        )
        self._session_count = sa.select(sa.func.count()).where(in_session)
        self._sqlite: SQLiteEvents | None = None
        path = self.engine.url.database
        if self.engine.dialect.name == "sqlite" and path and path != ":memory:":
            self._sqlite = SQLiteEvents(
                path,
                self._events,
                COLUMNS,
                self._session_events,
                self._session_count,
                self.engine.dialect,
            )

    def _ring(self) -> Keyring:
        ring = keyring(self._keys)
        if ring is None:  # BOT_DATA_KEY was unset since the start
            raise DataKeyError(f"no data key for the tracker store ({self._keys})")
        return ring

    def _in_latest_session(self) -> sa.sql.ColumnElement:
        """Rasa's condition for the latest session's events (`_event_query`)."""
        events, sender = self._events, sa.bindparam("sender_id")
        session_start = (
            sa.select(sa.func.max(events.c.timestamp))
            .where(events.c.sender_id == sender, events.c.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        return sa.and_(
            events.c.sender_id == sender,
            sa.or_(events.c.timestamp >= session_start, session_start.is_(None)),
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        known: list[int | None] = [tracker.__dict__.pop(STORED, None)]

        def attempt() -> Awaitable[None]:
            # A retry counts again: the failed try may have committed before its error came.
            stored, known[0] = known[0], None
            return self._save(tracker, stored)

        await retrying_async(self.engine, attempt)

    async def _save(self, tracker: DialogueStateTracker, stored: int | None) -> None:
        await self.stream_events(tracker)
        sender = tracker.sender_id
        if self._sqlite is not None:
            values = functools.partial(_values, ring=self._ring())
            tracker.__dict__[STORED] = self._sqlite.append(sender, stored, tracker.events, values)
            return
        # A connection, not an ORM session: a third of the write's time went to the session.
        with self.engine.begin() as connection:
            if stored is None:
                count = connection.execute(self._session_count, {"sender_id": sender})
                stored = int(count.scalar_one())
            new = itertools.islice(tracker.events, stored, None)
            ring = self._ring()
            rows = [dict(zip(COLUMNS, _values(sender, e, ring), strict=True)) for e in new]
            if rows:
                connection.execute(self._events.insert(), rows)
        tracker.__dict__[STORED] = stored + len(rows)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        if fetch_events_from_all_sessions:
            return await retrying_async(self.engine, lambda: self._retrieve_all(sender_id))
        return await retrying_async(self.engine, lambda: self._retrieve_session(sender_id))

    async def _retrieve_all(self, sender_id: str) -> DialogueStateTracker | None:
        """Every session's events (Rasa's `retrieve_full_tracker`), opened."""
        query = (
            sa.select(self._events.c.data)
            .where(self._events.c.sender_id == sender_id)
            .order_by(self._events.c.id)
        )
        with self.engine.connect() as connection:
            rows = [data for (data,) in connection.execute(query)]
        if not (self.domain and rows):
            return None
        ring = self._ring()
        return DialogueStateTracker.from_dict(
            sender_id, [json.loads(unseal(data, ring)) for data in rows], self.domain.slots
        )

    async def _retrieve_session(self, sender_id: str) -> DialogueStateTracker | None:
        if self._sqlite is not None:
            rows = self._sqlite.session_data(sender_id)
        else:
            with self.engine.connect() as connection:
                result = connection.execute(self._session_events, {"sender_id": sender_id})
                rows = [data for (data,) in result]
        if not (self.domain and rows):
            return None
        ring = self._ring()
        tracker = DialogueStateTracker.from_dict(
            sender_id, [json.loads(unseal(data, ring)) for data in rows], self.domain.slots
        )
        tracker.__dict__[STORED] = len(rows)
        return tracker

    async def keys(self) -> Any:
        return await retrying_async(self.engine, lambda: SQLTrackerStore.keys(self))
