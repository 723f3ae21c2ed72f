"""Who viewed, claimed, answered and resolved each handoff, and who logged in.

Entries name the staff member and the handoff's reference, never the visitor's details, so they
outlive the retention purge without keeping anything personal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Integer, String, Table, insert, select
from sqlalchemy.engine import Connection, Engine

from bot.handoffs.store import UTCDateTime, metadata

audit_log = Table(
    "staff_audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False, index=True),
    Column("staff_email", String(254), nullable=False),
    Column("action", String(32), nullable=False),
    Column("reference", String(16), index=True),
    Column("detail", String(200)),  # never visitor text
)


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    staff_email: str
    action: str
    reference: str | None
    detail: str | None


def record(
    conn: Connection,
    staff_email: str,
    action: str,
    now: datetime,
    reference: str | None = None,
    detail: str | None = None,
) -> None:
    """Write an entry in the caller's transaction, so the entry and the change commit together."""
    conn.execute(
        insert(audit_log).values(
            at=now, staff_email=staff_email, action=action, reference=reference, detail=detail
        )
    )


def entries(engine: Engine, reference: str | None = None, limit: int = 200) -> list[AuditEntry]:
    """Newest first; one handoff's entries when `reference` is given."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if reference:
        query = query.where(audit_log.c.reference == reference)
    with engine.connect() as conn:
        return [
            AuditEntry(r.at, r.staff_email, r.action, r.reference, r.detail)
            for r in conn.execute(query)
        ]
