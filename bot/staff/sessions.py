"""Staff sessions and their CSRF tokens.

The cookie carries a random token; the database keeps only its SHA-256, so a copy of the database
cannot be replayed as a login. Each session has its own CSRF token, which every form posts back.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, String, Table, delete, insert, select
from sqlalchemy.engine import Engine

from bot.handoffs.store import UTCDateTime, metadata
from bot.staff.accounts import staff_accounts

SESSION_LIFETIME = timedelta(hours=12)  # one working day; then log in again

staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("email", String(254), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False, index=True),
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
    return token, session


def find(engine: Engine, token: str | None, now: datetime) -> Session | None:
    """The live session for a cookie's token: known, unexpired, and its account active."""
    if not token:
        return None
    query = (
        select(staff_sessions)
        .join(staff_accounts, staff_accounts.c.email == staff_sessions.c.email)
        .where(
            staff_sessions.c.token_hash == _digest(token),
            staff_sessions.c.expires_at > now,
            staff_accounts.c.active.is_(True),
        )
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return Session(row.email, row.csrf_token, row.expires_at) if row else None


def end(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(staff_sessions).where(staff_sessions.c.token_hash == _digest(token)))


def end_all(engine: Engine, email: str) -> None:
    """Log a staff member out everywhere (password changed, account deactivated)."""
    with engine.begin() as conn:
        conn.execute(delete(staff_sessions).where(staff_sessions.c.email == email))


def drop_expired(engine: Engine, now: datetime) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(delete(staff_sessions).where(staff_sessions.c.expires_at <= now)).rowcount
        )
