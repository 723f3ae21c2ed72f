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
on a slow day). Reads and writes see and store exactly what Rasa's do. SQLite keeps its
connections open and writes through a write-ahead log, still synced on each commit, so a
committed turn survives a crash and power loss as before.

endpoints.yml: `tracker_store: {type: bot.storage.tracker_store.DurableSQLTrackerStore, ...}`
with the same keys as Rasa's `type: SQL`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Awaitable
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.pool import QueuePool

from bot.storage.retry import retrying_async

STORED = "_aluma_stored_events"  # on a tracker: how many of its events the database holds


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # WAL's default would skip the sync per commit
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


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
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._events = self.SQLEvent.__table__
        in_session = self._in_latest_session()
        self._session_events = (
            sa.select(self._events.c.data).where(in_session).order_by(self._events.c.id)
        )
        self._session_count = sa.select(sa.func.count()).where(in_session)

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
        # A connection, not an ORM session: a third of the write's time went to the session.
        with self.engine.begin() as connection:
            if stored is None:
                count = connection.execute(self._session_count, {"sender_id": tracker.sender_id})
                stored = int(count.scalar_one())
            new = itertools.islice(tracker.events, stored, len(tracker.events))
            rows = [self._row(tracker.sender_id, e.as_dict(), e.type_name) for e in new]
            if rows:
                connection.execute(self._events.insert(), rows)
        tracker.__dict__[STORED] = stored + len(rows)

    @staticmethod
    def _row(sender_id: str, data: dict[str, Any], type_name: str) -> dict[str, Any]:
        return {
            "sender_id": sender_id,
            "type_name": type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        if fetch_events_from_all_sessions:
            return await retrying_async(
                self.engine,
                lambda: SQLTrackerStore._retrieve(self, sender_id, fetch_events_from_all_sessions),
            )
        return await retrying_async(self.engine, lambda: self._retrieve_session(sender_id))

    async def _retrieve_session(self, sender_id: str) -> DialogueStateTracker | None:
        with self.engine.connect() as connection:
            rows = connection.execute(self._session_events, {"sender_id": sender_id}).all()
        if not (self.domain and rows):
            return None
        tracker = DialogueStateTracker.from_dict(
            sender_id, [json.loads(data) for (data,) in rows], self.domain.slots
        )
        tracker.__dict__[STORED] = len(rows)
        return tracker

    async def keys(self) -> Any:
        return await retrying_async(self.engine, lambda: SQLTrackerStore.keys(self))
