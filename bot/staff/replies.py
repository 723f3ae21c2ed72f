"""What staff answered: an email sent from the inbox, or a note that they called or texted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, String, Table, select
from sqlalchemy.engine import Connection, Engine, Row

from bot.handoffs.store import UTCDateTime, metadata
from bot.storage.encrypted_columns import EncryptedText

METHODS = {"email": "emailed", "called": "called", "texted": "texted"}

handoff_replies = Table(
    "handoff_replies",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("handoff_id", String(32), nullable=False, index=True),
    Column("staff_email", String(254), nullable=False),
    Column("method", String(8), nullable=False),
    # The email sent, or the call's note (encrypted at rest); purged with the handoff.
    Column("body", EncryptedText, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)


@dataclass(frozen=True)
class Reply:
    id: str
    handoff_id: str
    staff_email: str
    method: str
    body: str
    created_at: datetime


def _from_row(row: Row) -> Reply:
    return Reply(**dict(row._mapping))


def get(conn: Connection, reply_id: str) -> Reply | None:
    row = conn.execute(select(handoff_replies).where(handoff_replies.c.id == reply_id)).first()
    return _from_row(row) if row else None


def for_handoff(engine: Engine, handoff_id: str) -> list[Reply]:
    query = (
        select(handoff_replies)
        .where(handoff_replies.c.handoff_id == handoff_id)
        .order_by(handoff_replies.c.created_at)
    )
    with engine.connect() as conn:
        return [_from_row(row) for row in conn.execute(query)]
