"""Sign-ins half done: the password was right, the second factor is still to come.

The browser holds a random token in its own cookie (the database keeps its SHA-256); it opens the
code page or the enrolment page and nothing else, and lapses after PENDING_LIFETIME. An
enrolment offered on it keeps the new secret and the recovery codes' digests here until a code
from the app confirms it; showing the enrolment page again offers a new secret.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, String, Table, Text, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from bot.handoffs.store import UTCDateTime, metadata
from bot.storage.encrypted_columns import EncryptedText

PENDING_LIFETIME = timedelta(minutes=10)  # time to find the phone and, the first time, enrol

pending_sign_ins = Table(
    "staff_pending_sign_ins",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("email", String(254), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("target", String(200), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("enrol_secret", EncryptedText),  # sealed, as the enrolled secret is
    Column("enrol_code_hashes", Text),  # JSON list
)


@dataclass(frozen=True)
class Pending:
    email: str
    csrf_token: str
    target: str
    enrol_secret: str | None
    enrol_code_hashes: list[str]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start(engine: Engine, email: str, target: str, now: datetime) -> tuple[str, Pending]:
    token = secrets.token_urlsafe(32)
    pending = Pending(email, secrets.token_urlsafe(32), target[:200], None, [])
    with engine.begin() as conn:
        conn.execute(
            insert(pending_sign_ins).values(
                token_hash=_digest(token),
                email=email,
                csrf_token=pending.csrf_token,
                target=pending.target,
                expires_at=now + PENDING_LIFETIME,
            )
        )
    return token, pending


def find(engine: Engine, token: str | None, now: datetime) -> Pending | None:
    if not token:
        return None
    query = select(pending_sign_ins).where(
        pending_sign_ins.c.token_hash == _digest(token), pending_sign_ins.c.expires_at > now
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    hashes = json.loads(row.enrol_code_hashes) if row.enrol_code_hashes else []
    return Pending(row.email, row.csrf_token, row.target, row.enrol_secret, hashes)


def offer_enrolment(engine: Engine, token: str, secret: str, hashes: list[str]) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(pending_sign_ins)
            .where(pending_sign_ins.c.token_hash == _digest(token))
            .values(enrol_secret=secret, enrol_code_hashes=json.dumps(hashes))
        )


def end(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            delete(pending_sign_ins).where(pending_sign_ins.c.token_hash == _digest(token))
        )


def end_all(conn: Connection, email: str) -> None:
    conn.execute(delete(pending_sign_ins).where(pending_sign_ins.c.email == email))


def drop_expired(engine: Engine, now: datetime) -> int:
    with engine.begin() as conn:
        stale = delete(pending_sign_ins).where(pending_sign_ins.c.expires_at <= now)
        return int(conn.execute(stale).rowcount)
