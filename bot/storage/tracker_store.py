"""Rasa's SQL tracker store, made to ride out a database restart.

Rasa wraps every tracker store in a FailSafeTrackerStore: when a read fails it starts the
conversation afresh, when a write fails it keeps the turn in memory only. Both lose a visitor's
history (a half-filled handoff form, say). Here reads and writes wait for the database instead
(bot/storage/retry.py), and stale pooled connections are checked before use.

endpoints.yml: `tracker_store: {type: bot.storage.tracker_store.DurableSQLTrackerStore, ...}`
with the same keys as Rasa's `type: SQL`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from bot.storage.retry import retrying_async


class DurableSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Rasa's engine has no pre-ping: after a restart each pooled connection fails once.
        rasas = self.engine  # type: ignore[has-type]
        self.engine = sa.create_engine(rasas.url, pool_pre_ping=True, hide_parameters=True)
        rasas.dispose()
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        # Re-counting the stored events on each try makes a retried save write each event once.
        await retrying_async(self.engine, lambda: SQLTrackerStore.save(self, tracker))

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        return await retrying_async(
            self.engine,
            lambda: SQLTrackerStore._retrieve(self, sender_id, fetch_events_from_all_sessions),
        )

    async def keys(self) -> Any:
        return await retrying_async(self.engine, lambda: SQLTrackerStore.keys(self))
