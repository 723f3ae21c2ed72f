"""The outbox: one row per message per channel, so nothing is lost and nothing is sent twice.

A row is keyed by what it is for (`new:<handoff>:email`, `overdue:<handoff>:webhook`,
`reply:<reply>:visitor_email`); the unique key makes queueing idempotent. States:

    pending --lease--> sending --ok--> sent
       ^                  |  \\--permanent refusal--> failed   (visitor replies only)
       +---error, backoff-+   \\--no longer needed--> cancelled (reminder for an answered handoff)

The web service finds new handoffs by scanning for ones without a `new` row rather than having the
action server write outbox rows: the action server then knows nothing of delivery, and a handoff
stored while the web service was down is picked up by its next scan.

Leasing a row is a conditional UPDATE, so two passes (the scheduler's and an inbox reply's) never
send the same row. If the process dies after the receiver accepted a message but before `sent`
is committed, the lease runs out and the row is sent again with the same Message-ID (and webhook
Idempotency-Key), which lets the receiver drop the copy: that window is the one duplicate risk.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    String,
    Table,
    and_,
    exists,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from bot.handoffs.store import UTCDateTime, handoffs, metadata

LEASE = timedelta(minutes=5)  # longer than any send's timeouts
MAX_RETRY_DELAY = timedelta(minutes=10)  # once SMTP is back, mail waits at most this long
STAFF_CHANNELS = ("email", "webhook")

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(120), nullable=False, unique=True),
    Column("handoff_id", String(32), nullable=False, index=True),
    Column("reference", String(16), nullable=False),
    Column("kind", String(16), nullable=False),  # new, due_soon, overdue, reply
    Column("channel", String(16), nullable=False),  # email, webhook, visitor_email
    Column("reply_id", String(32)),
    Column("message_id", String(200), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False, index=True),
    Column("lease_until", UTCDateTime()),
    Column("last_error", String(200)),  # error type and code only, never message text
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),
)


@dataclass(frozen=True)
class Delivery:
    id: int
    key: str
    handoff_id: str
    reference: str
    kind: str
    channel: str
    reply_id: str | None
    message_id: str
    status: str
    attempts: int
    next_attempt_at: datetime
    lease_until: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def from_row(cls, row: Row) -> Delivery:
        return cls(**dict(row._mapping))


def message_id(key: str, sender: str) -> str:
    """A Message-ID fixed by the row's key, so every retry of a message carries the same one."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "aluma.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def _insert(
    conn: Connection,
    key: str,
    handoff_id: str,
    reference: str,
    kind: str,
    channel: str,
    now: datetime,
    sender: str,
    reply_id: str | None = None,
) -> None:
    conn.execute(
        insert(outbox).values(
            key=key,
            handoff_id=handoff_id,
            reference=reference,
            kind=kind,
            channel=channel,
            reply_id=reply_id,
            message_id=message_id(key, sender),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )


def enqueue(
    engine: Engine,
    handoff_id: str,
    reference: str,
    kind: str,
    channel: str,
    now: datetime,
    sender: str,
) -> bool:
    """Queue a staff message once; False if it was queued before."""
    try:
        with engine.begin() as conn:
            _insert(
                conn,
                f"{kind}:{handoff_id}:{channel}",
                handoff_id,
                reference,
                kind,
                channel,
                now,
                sender,
            )
    except IntegrityError:
        return False
    return True


def enqueue_reply(
    conn: Connection, handoff_id: str, reference: str, reply_id: str, now: datetime, sender: str
) -> str:
    """Queue the email of a staff reply in the caller's transaction; returns the row's key."""
    key = f"reply:{reply_id}:visitor_email"
    _insert(conn, key, handoff_id, reference, "reply", "visitor_email", now, sender, reply_id)
    return key


def missing(engine: Engine, kind: str, channel: str, *conditions: object) -> list[Row]:
    """Handoffs matching `conditions` that have no `kind` row for `channel` yet."""
    queued = exists().where(
        outbox.c.handoff_id == handoffs.c.id, outbox.c.kind == kind, outbox.c.channel == channel
    )
    query = select(handoffs.c.id, handoffs.c.reference).where(*conditions, ~queued)
    with engine.connect() as conn:
        return list(conn.execute(query.order_by(handoffs.c.created_at)))


def enqueue_new_handoffs(
    engine: Engine, channels: tuple[str, ...], now: datetime, sender: str
) -> int:
    """Queue the first notification of every open handoff that has none on a channel yet."""
    count = 0
    for channel in channels:
        for row in missing(engine, "new", channel, handoffs.c.status == "open"):
            count += enqueue(engine, row.id, row.reference, "new", channel, now, sender)
    return count


def _takeable(now: datetime) -> Any:
    return or_(
        and_(outbox.c.status == "pending", outbox.c.next_attempt_at <= now),
        and_(outbox.c.status == "sending", outbox.c.lease_until <= now),
    )


def due(
    engine: Engine, now: datetime, keys: list[str] | None = None, limit: int = 50
) -> list[Delivery]:
    """Rows to try now: pending ones whose time has come, and sending ones whose lease ran out."""
    query = select(outbox).where(_takeable(now))
    if keys is not None:
        query = query.where(outbox.c.key.in_(keys))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(outbox.c.next_attempt_at, outbox.c.id).limit(limit))
        return [Delivery.from_row(row) for row in rows]


def lease(engine: Engine, delivery: Delivery, now: datetime) -> Delivery | None:
    """Take a row for one attempt (counted); None if another pass took it first."""
    with engine.begin() as conn:
        taken = conn.execute(
            update(outbox)
            .where(outbox.c.id == delivery.id, _takeable(now))
            .values(status="sending", lease_until=now + LEASE, attempts=outbox.c.attempts + 1)
        ).rowcount
        if taken != 1:
            return None
        return Delivery.from_row(
            conn.execute(select(outbox).where(outbox.c.id == delivery.id)).one()
        )


def _finish(engine: Engine, delivery: Delivery, **values: object) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(outbox)
            .where(outbox.c.id == delivery.id, outbox.c.status == "sending")
            .values(lease_until=None, **values)
        )


def mark_sent(engine: Engine, delivery: Delivery, now: datetime) -> None:
    _finish(engine, delivery, status="sent", sent_at=now, last_error=None)


def mark_cancelled(engine: Engine, delivery: Delivery, why: str) -> None:
    _finish(engine, delivery, status="cancelled", last_error=why)


def mark_failed(engine: Engine, delivery: Delivery, error: str) -> None:
    _finish(engine, delivery, status="failed", last_error=error)


def retry_delay(attempts: int, base: timedelta) -> timedelta:
    """Doubling from `base` after each failed attempt, capped at MAX_RETRY_DELAY (or `base`)."""
    return min(base * 2 ** max(0, attempts - 1), max(MAX_RETRY_DELAY, base))


def mark_retry(
    engine: Engine, delivery: Delivery, now: datetime, error: str, base: timedelta
) -> datetime:
    """Back to pending, to be tried again later; returns when."""
    when = now + retry_delay(delivery.attempts, base)
    _finish(engine, delivery, status="pending", next_attempt_at=when, last_error=error[:200])
    return when


def retry_now(engine: Engine, now: datetime) -> int:
    """Make every pending row due (at start-up: the configuration may have been fixed)."""
    with engine.begin() as conn:
        return int(
            conn.execute(
                update(outbox).where(outbox.c.status == "pending").values(next_attempt_at=now)
            ).rowcount
        )


def for_handoff(engine: Engine, handoff_id: str) -> list[Delivery]:
    query = select(outbox).where(outbox.c.handoff_id == handoff_id).order_by(outbox.c.id)
    with engine.connect() as conn:
        return [Delivery.from_row(row) for row in conn.execute(query)]


def by_key(engine: Engine, key: str) -> Delivery | None:
    with engine.connect() as conn:
        row = conn.execute(select(outbox).where(outbox.c.key == key)).first()
    return Delivery.from_row(row) if row else None
