"""Staff sessions and their CSRF tokens.

The cookie carries a random token; the database keeps only its SHA-256, so a copy of the database
cannot be replayed as a login. Each session has its own CSRF token, which every form posts back.
A session is started only once the second factor is through, and it ends after IDLE_TIMEOUT
without a request (unattended screens in a clinic), at SESSION_LIFETIME in any case, and
everywhere at once when the account's password or second factor changes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, String, Table, delete, insert, select, update
from sqlalchemy.engine import Engine

from bot.handoffs.store import UTCDateTime, metadata
from bot.staff import audit, sign_ins
from bot.staff.accounts import staff_accounts

SESSION_LIFETIME = timedelta(hours=12)  # one working day; then log in again
IDLE_TIMEOUT = timedelta(minutes=15)

staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("email", String(254), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False, index=True),
)

# A table of its own (create_all adds it; there are no migrations yet), joined by every lookup:
# a session from before second factors, which has no row here, is no longer valid.
session_activity = Table(
    "staff_session_activity",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("email", String(254), nullable=False, index=True),
    Column("last_seen_at", UTCDateTime(), nullable=False, index=True),
)


@dataclass(frozen=True)
class Session:
    email: str
    csrf_token: str
    expires_at: datetime

    def csrf_ok(self, token: str | None) -> bool:
        # As bytes: compare_digest refuses str with non-ASCII characters (a forged form's).
        sent = str(token).encode("utf-8", "surrogatepass")
        return bool(token) and hmac.compare_digest(self.csrf_token.encode(), sent)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def start(engine: Engine, email: str, now: datetime) -> tuple[str, Session]:
    """A new session for `email`: the cookie's token, and the session."""
    token = new_token()
    session = Session(email, new_token(), now + SESSION_LIFETIME)
    with engine.begin() as conn:
        conn.execute(
            insert(staff_sessions).values(
                token_hash=_digest(token),
                email=email,
                csrf_token=session.csrf_token,
                created_at=now,
                expires_at=session.expires_at,
            )
        )
        conn.execute(
            insert(session_activity).values(
                token_hash=_digest(token), email=email, last_seen_at=now
            )
        )
    return token, session


def find(engine: Engine, token: str | None, now: datetime) -> Session | None:
    """The live session for a cookie's token: known, unexpired, used within IDLE_TIMEOUT, its
    account active. Finding it counts as activity."""
    if not token:
        return None
    digest = _digest(token)
    query = (
        select(staff_sessions)
        .join(session_activity, session_activity.c.token_hash == staff_sessions.c.token_hash)
        .join(staff_accounts, staff_accounts.c.email == staff_sessions.c.email)
        .where(
            staff_sessions.c.token_hash == digest,
            staff_sessions.c.expires_at > now,
            session_activity.c.last_seen_at > now - IDLE_TIMEOUT,
            staff_accounts.c.active.is_(True),
        )
    )
    with engine.begin() as conn:
        row = conn.execute(query).first()
        if row is None:
            return None
        conn.execute(
            update(session_activity)
            .where(session_activity.c.token_hash == digest)
            .values(last_seen_at=now)
        )
    return Session(row.email, row.csrf_token, row.expires_at)


def end(engine: Engine, token: str) -> None:
    digest = _digest(token)
    with engine.begin() as conn:
        conn.execute(delete(staff_sessions).where(staff_sessions.c.token_hash == digest))
        conn.execute(delete(session_activity).where(session_activity.c.token_hash == digest))


def end_all(engine: Engine, email: str, reason: str, now: datetime) -> int:
    """Sign a staff member out everywhere, half-done sign-ins too (password or second factor
    changed, account deactivated), with an audit entry saying why."""
    with engine.begin() as conn:
        ended = int(
            conn.execute(delete(staff_sessions).where(staff_sessions.c.email == email)).rowcount
        )
        conn.execute(delete(session_activity).where(session_activity.c.email == email))
        sign_ins.end_all(conn, email)
        audit.record(conn, email, "sessions_revoked", now, detail=f"{reason}: {ended} ended")
    return ended


def end_idle(engine: Engine, now: datetime, token: str | None = None) -> list[str]:
    """End the sessions idle for IDLE_TIMEOUT (or just this token's), each with an audit entry;
    the staff members they belonged to."""
    idle = select(session_activity).where(session_activity.c.last_seen_at <= now - IDLE_TIMEOUT)
    if token is not None:
        idle = idle.where(session_activity.c.token_hash == _digest(token))
    ended = []
    with engine.begin() as conn:
        for row in conn.execute(idle).all():
            conn.execute(
                delete(staff_sessions).where(staff_sessions.c.token_hash == row.token_hash)
            )
            conn.execute(
                delete(session_activity).where(session_activity.c.token_hash == row.token_hash)
            )
            since = row.last_seen_at.strftime("%H:%M UTC")
            audit.record(conn, row.email, "signed_out_idle", now, detail=f"idle since {since}")
            ended.append(row.email)
    return ended


def drop_expired(engine: Engine, now: datetime) -> int:
    end_idle(engine, now)
    with engine.begin() as conn:
        dropped = int(
            conn.execute(delete(staff_sessions).where(staff_sessions.c.expires_at <= now)).rowcount
        )
        live = select(staff_sessions.c.token_hash)
        conn.execute(delete(session_activity).where(session_activity.c.token_hash.not_in(live)))
    sign_ins.drop_expired(engine, now)
    return dropped
