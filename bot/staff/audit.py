"""Who viewed, claimed, answered and resolved each handoff, who signed in (and how), whose
second factor failed or was reset, and who exported this log.

Entries name the staff member and the handoff's reference, never the visitor's details, so they
outlive the retention purge without keeping anything personal. Nothing updates or deletes them.
"""

from __future__ import annotations

import csv
import getpass
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

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

CSV_COLUMNS = ("id", "at_utc", "staff_email", "action", "reference", "detail")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def operator() -> str:
    """Who ran a `bot` command on the server, for entries no staff session made."""
    try:
        return f"cli:{getpass.getuser()}"[:254]
    except (KeyError, OSError):  # no user name for this uid (a bare container)
        return "cli:unknown"


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: the email typed into a failed login is anyone's."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def since(engine: Engine, start: datetime) -> Iterator[tuple[object, ...]]:
    """Entries at or after `start`, oldest first, as CSV_COLUMNS."""
    query = select(audit_log).where(audit_log.c.at >= start).order_by(audit_log.c.id)
    with engine.connect() as conn:
        for r in conn.execute(query):
            yield (r.id, r.at.isoformat(), r.staff_email, r.action, r.reference, r.detail)


def export_csv(engine: Engine, start: datetime, out: TextIO, now: datetime, who: str) -> int:
    """Write the entries since `start` to `out` as CSV; the export is itself an entry after."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for row in since(engine, start):
        writer.writerow([_cell(value) for value in row])
        count += 1
    with engine.begin() as conn:
        detail = f"since {start.isoformat()}, {count} entries"
        record(conn, who, "audit_exported", now, detail=detail)
    return count
