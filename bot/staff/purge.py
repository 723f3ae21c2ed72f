"""The retention purge: handoffs, with their transcripts, replies and outbox rows, are deleted
BOT_RETENTION_DAYS after they were resolved, or after they were answered when nobody marked them
resolved; Rasa's conversation events BOT_RETENTION_DAYS after they were recorded. A handoff
never answered stays until it is. Audit entries stay: they hold no visitor data.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.engine import Engine

from bot.delivery.outbox import outbox
from bot.handoffs.language import handoff_languages
from bot.handoffs.store import handoff_progress, handoffs
from bot.staff.replies import handoff_replies

logger = logging.getLogger(__name__)

BATCH = 500


def purge_handoffs(engine: Engine, now: datetime, retention_days: int) -> list[str]:
    """Delete what is past retention; returns the purged handoffs' references."""
    cutoff = now - timedelta(days=retention_days)
    expired = (
        select(handoffs.c.id, handoffs.c.reference)
        .join(handoff_progress, handoff_progress.c.handoff_id == handoffs.c.id)
        .where(
            or_(
                and_(handoffs.c.status == "resolved", handoff_progress.c.resolved_at <= cutoff),
                # Staff replied and never pressed "resolve": the visitor's details must not
                # stay forever because of a missed click.
                and_(handoffs.c.status == "answered", handoff_progress.c.answered_at <= cutoff),
            )
        )
        .limit(BATCH)
    )
    sqlite = engine.dialect.name == "sqlite"
    purged: list[str] = []
    while True:
        with engine.begin() as conn:
            if sqlite:  # overwrite deleted rows in the file instead of leaving them in free pages
                conn.exec_driver_sql("PRAGMA secure_delete = ON")
            rows = conn.execute(expired).all()
            if not rows:
                break
            ids = [row.id for row in rows]
            for table, column in (
                (handoff_replies, handoff_replies.c.handoff_id),
                (outbox, outbox.c.handoff_id),
                (handoff_progress, handoff_progress.c.handoff_id),
                (handoff_languages, handoff_languages.c.handoff_id),
                (handoffs, handoffs.c.id),
            ):
                conn.execute(delete(table).where(column.in_(ids)))
            purged.extend(row.reference for row in rows)
    if purged and sqlite:
        with engine.connect() as conn:  # and out of the write-ahead log
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    if purged:
        logger.info("purged %d handoffs past %d days of retention", len(purged), retention_days)
    return purged


def purge_conversations(tracker_url: str, now: datetime, retention_days: int) -> int:
    """Delete Rasa's tracker events (chat messages, slots such as contact details) recorded
    before the cutoff; a handoff keeps its own copy of its transcript. Returns the rows deleted."""
    if tracker_url.startswith("sqlite:///") and not Path(tracker_url[10:]).exists():
        return 0  # no conversation yet; do not create the file Rasa will
    engine = sa.create_engine(tracker_url)
    try:
        if not sa.inspect(engine).has_table("events"):
            return 0
        events = sa.Table("events", sa.MetaData(), autoload_with=engine)
        cutoff = (now - timedelta(days=retention_days)).timestamp()
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA secure_delete = ON")
            deleted = conn.execute(delete(events).where(events.c.timestamp < cutoff)).rowcount
    finally:
        engine.dispose()
    if deleted:
        logger.info("purged %d conversation events older than %d days", deleted, retention_days)
    return int(deleted or 0)
