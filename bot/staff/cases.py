"""The inbox's view of handoffs and the staff actions that move them along.

Every action commits its change, its audit entry and (for an emailed reply) its outbox row in one
transaction: the inbox never shows an answer whose email is not queued, nor an unaudited change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine, Row

from bot.delivery import outbox
from bot.handoffs.store import STATUSES, UNANSWERED, Handoff, handoff_progress, handoffs
from bot.staff import audit
from bot.staff.replies import METHODS, handoff_replies

FILTERS: dict[str, tuple[str, ...]] = {
    "open": UNANSWERED,
    "answered": ("answered",),
    "resolved": ("resolved",),
    "all": STATUSES,
}
MAX_REPLY = 10_000
LIST_LIMIT = 500


class CaseError(ValueError):
    """Why an action cannot be done, in words for the staff member who tried it."""


class CaseNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Case:
    handoff: Handoff
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None
    answer_method: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None

    @property
    def status(self) -> str:
        return self.handoff.status

    @property
    def time_to_answer(self) -> timedelta | None:
        return self.answered_at - self.handoff.created_at if self.answered_at else None


def _case(row: Row) -> Case:
    values = row._mapping
    handoff = Handoff(**{c.name: values[c] for c in handoffs.c if c.name != "submission_key"})
    progress = {
        c.name: values[c] for c in handoff_progress.c if c.name != "handoff_id" and c in values
    }
    return Case(handoff, **progress)


def _select() -> Any:
    progress = [c for c in handoff_progress.c if c.name != "handoff_id"]
    return select(handoffs, *progress).select_from(
        handoffs.outerjoin(handoff_progress, handoff_progress.c.handoff_id == handoffs.c.id)
    )


def list_cases(engine: Engine, which: str = "open") -> list[Case]:
    """Open handoffs soonest-due first; answered, resolved and all ones newest first."""
    which = which if which in FILTERS else "open"
    statuses = FILTERS[which]
    order = handoffs.c.reply_by if which == "open" else handoffs.c.reply_by.desc()
    query = _select().where(handoffs.c.status.in_(statuses)).order_by(order).limit(LIST_LIMIT)
    with engine.connect() as conn:
        return [_case(row) for row in conn.execute(query)]


def get_case(engine: Engine, reference: str) -> Case | None:
    with engine.connect() as conn:
        row = conn.execute(_select().where(handoffs.c.reference == reference)).first()
    return _case(row) if row else None


def _handoff(conn: Connection, reference: str) -> Row:
    row = conn.execute(select(handoffs).where(handoffs.c.reference == reference)).first()
    if row is None:
        raise CaseNotFound(reference)
    return row


def _progress(conn: Connection, handoff_id: str) -> Row | None:
    return conn.execute(
        select(handoff_progress).where(handoff_progress.c.handoff_id == handoff_id)
    ).first()


def _save_progress(conn: Connection, handoff_id: str, values: dict[str, Any]) -> None:
    if _progress(conn, handoff_id) is None:
        conn.execute(insert(handoff_progress).values(handoff_id=handoff_id, **values))
    else:
        conn.execute(
            update(handoff_progress)
            .where(handoff_progress.c.handoff_id == handoff_id)
            .values(values)
        )


def _set_status(conn: Connection, handoff_id: str, status: str) -> None:
    conn.execute(update(handoffs).where(handoffs.c.id == handoff_id).values(status=status))


def claim(engine: Engine, reference: str, staff: str, now: datetime) -> None:
    """Take a handoff on (or over, from a colleague) while it is unanswered."""
    with engine.begin() as conn:
        handoff = _handoff(conn, reference)
        if handoff.status not in UNANSWERED:
            raise CaseError("This handoff has already been answered.")
        _set_status(conn, handoff.id, "claimed")
        _save_progress(conn, handoff.id, {"claimed_by": staff, "claimed_at": now})
        audit.record(conn, staff, "claimed", now, reference)


def answer(
    engine: Engine, reference: str, staff: str, method: str, body: str, now: datetime, sender: str
) -> str | None:
    """Record an answer; an emailed one is queued for the visitor. Returns its outbox key.

    The first answer sets the time to answer; later ones (follow-ups) are kept too.
    """
    body = body.strip()
    if method not in METHODS:
        raise CaseError("Choose how you answered.")
    if len(body) > MAX_REPLY:
        raise CaseError(f"The reply is too long (at most {MAX_REPLY} characters).")
    if method == "email" and not body:
        raise CaseError("Write the reply to send.")
    with engine.begin() as conn:
        handoff = _handoff(conn, reference)
        if handoff.status == "resolved":
            raise CaseError("This handoff is resolved.")
        if handoff.contact_kind == "email" and method != "email":
            raise CaseError("The visitor left an email address: reply by email.")
        if handoff.contact_kind == "phone" and method == "email":
            raise CaseError("The visitor left a phone number: call or text, then record it.")
        reply_id = uuid.uuid4().hex
        conn.execute(
            insert(handoff_replies).values(
                id=reply_id,
                handoff_id=handoff.id,
                staff_email=staff,
                method=method,
                body=body,
                created_at=now,
            )
        )
        progress = _progress(conn, handoff.id)
        values: dict[str, Any] = {}
        if progress is None or progress.answered_at is None:
            values.update(answered_by=staff, answered_at=now, answer_method=method)
        if progress is None or progress.claimed_by is None:
            values.update(claimed_by=staff, claimed_at=now)
        if values:
            _save_progress(conn, handoff.id, values)
        _set_status(conn, handoff.id, "answered")
        key = None
        if method == "email":
            key = outbox.enqueue_reply(conn, handoff.id, handoff.reference, reply_id, now, sender)
        audit.record(conn, staff, "answered", now, reference, METHODS[method])
    return key


def resolve(engine: Engine, reference: str, staff: str, now: datetime) -> None:
    """Close a handoff; resolved ones are purged after the retention period."""
    with engine.begin() as conn:
        handoff = _handoff(conn, reference)
        if handoff.status == "resolved":
            raise CaseError("This handoff is already resolved.")
        _set_status(conn, handoff.id, "resolved")
        _save_progress(conn, handoff.id, {"resolved_by": staff, "resolved_at": now})
        audit.record(conn, staff, "resolved", now, reference)
