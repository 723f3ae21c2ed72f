"""Staff accounts: argon2 password hashes, and a lock-out after repeated failed logins.

Failed attempts are counted per email address whether or not an account exists, so the lock-out
message does not tell an attacker which addresses are staff accounts. They are counted per
client too: someone guessing from elsewhere locks out only themselves, never the nurse at her
own computer. Once an address has drawn many failures from all clients together (guessing spread
over many machines), every client that has failed on it is refused until the window passes;
a client that has not failed still gets in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine

from bot.handoffs.store import UTCDateTime, metadata

MIN_PASSWORD_LENGTH = 12
MAX_FAILURES = 5  # per email address and client
UNDER_ATTACK_FAILURES = 25  # per email address, all clients together
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

staff_accounts = Table(
    "staff_accounts",
    metadata,
    Column("email", String(254), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("active", Boolean, nullable=False),
)

login_failures = Table(
    "staff_login_attempts",
    metadata,
    Column("email", String(254), primary_key=True),
    Column("client", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first_failed_at", UTCDateTime(), nullable=False),
    Column("locked_until", UTCDateTime()),
)

_hasher = PasswordHasher()


class AccountError(ValueError):
    """A reason an account cannot be created or changed, fit to show to the person at the CLI."""


class Login(Enum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


@dataclass(frozen=True)
class Account:
    email: str
    created_at: datetime
    active: bool


def normalize_email(email: str) -> str:
    return email.strip().lower()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not anyone's password")


def _check_new(email: str, password: str) -> None:
    if not _EMAIL.match(email):
        raise AccountError(f"not an email address: {email!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")


def add_account(engine: Engine, email: str, password: str, now: datetime) -> Account:
    email = normalize_email(email)
    _check_new(email, password)
    with engine.begin() as conn:
        if conn.execute(
            select(staff_accounts.c.email).where(staff_accounts.c.email == email)
        ).first():
            raise AccountError(f"{email} already has an account")
        conn.execute(
            insert(staff_accounts).values(
                email=email, password_hash=_hasher.hash(password), created_at=now, active=True
            )
        )
    return Account(email, now, True)


def set_password(engine: Engine, email: str, password: str) -> None:
    email = normalize_email(email)
    _check_new(email, password)
    with engine.begin() as conn:
        changed = conn.execute(
            update(staff_accounts)
            .where(staff_accounts.c.email == email)
            .values(password_hash=_hasher.hash(password), active=True)
        ).rowcount
        conn.execute(delete(login_failures).where(login_failures.c.email == email))
    if not changed:
        raise AccountError(f"{email} has no account")


def deactivate(engine: Engine, email: str) -> None:
    email = normalize_email(email)
    with engine.begin() as conn:
        changed = conn.execute(
            update(staff_accounts).where(staff_accounts.c.email == email).values(active=False)
        ).rowcount
    if not changed:
        raise AccountError(f"{email} has no account")


def accounts(engine: Engine) -> list[Account]:
    with engine.connect() as conn:
        rows = conn.execute(select(staff_accounts).order_by(staff_accounts.c.email))
        return [Account(r.email, r.created_at, r.active) for r in rows]


def is_active(engine: Engine, email: str) -> bool:
    with engine.connect() as conn:
        row = conn.execute(
            select(staff_accounts.c.active).where(staff_accounts.c.email == email)
        ).first()
    return bool(row and row.active)


def _is_locked(failures: list[Any], client: str, now: datetime) -> bool:
    cutoff = now - FAILURE_WINDOW
    mine = next((f for f in failures if f.client == client), None)
    if mine is not None and mine.locked_until and mine.locked_until > now:
        return True
    failed_lately = mine is not None and mine.first_failed_at > cutoff
    return failed_lately and (
        sum(f.failures for f in failures if f.first_failed_at > cutoff) >= UNDER_ATTACK_FAILURES
    )


def locked(engine: Engine, email: str, client: str, now: datetime) -> bool:
    """Whether `client` is locked out of `email` now (for the second step of a sign-in)."""
    with engine.connect() as conn:
        failures = conn.execute(select(login_failures).where(login_failures.c.email == email)).all()
    return _is_locked(list(failures), client[:64], now)


def authenticate(
    engine: Engine,
    email: str,
    password: str,
    now: datetime,
    client: str = "unknown",
    clear_failures: bool = True,
) -> Login:
    """Check a login from `client` (its address). While that client is locked out of the email
    address even the right password is refused. With `clear_failures` off the client's failures
    stay counted until the whole sign-in (second factor too) succeeds: a right password must not
    buy an attacker a fresh round of guesses at the code."""
    email = normalize_email(email)
    client = client[:64]
    with engine.connect() as conn:
        failures = conn.execute(select(login_failures).where(login_failures.c.email == email)).all()
        account = conn.execute(
            select(staff_accounts).where(
                staff_accounts.c.email == email, staff_accounts.c.active.is_(True)
            )
        ).first()
    if _is_locked(list(failures), client, now):
        return Login.LOCKED
    stored = account.password_hash if account is not None else _dummy_hash()
    try:
        matched = _hasher.verify(stored, password) and account is not None
    except (VerificationError, InvalidHashError):
        matched = False
    with engine.begin() as conn:
        if matched:
            if clear_failures:
                _clear(conn, email, client)
            if _hasher.check_needs_rehash(stored):
                conn.execute(
                    update(staff_accounts)
                    .where(staff_accounts.c.email == email)
                    .values(password_hash=_hasher.hash(password))
                )
            return Login.OK
        return _count_failure(conn, email, client, now)


def record_failure(engine: Engine, email: str, client: str, now: datetime) -> Login:
    """Count a failed second step (a wrong code) like a wrong password: WRONG, or LOCKED."""
    with engine.begin() as conn:
        return _count_failure(conn, normalize_email(email), client[:64], now)


def clear_failures(engine: Engine, email: str, client: str) -> None:
    with engine.begin() as conn:
        _clear(conn, normalize_email(email), client[:64])


def _clear(conn: Connection, email: str, client: str) -> None:
    conn.execute(
        delete(login_failures).where(
            login_failures.c.email == email, login_failures.c.client == client
        )
    )


def forget_failures(engine: Engine, now: datetime) -> int:
    """Drop failed-login records that no longer count (they hold whatever address was typed)."""
    with engine.begin() as conn:
        stale = and_(
            login_failures.c.first_failed_at <= now - FAILURE_WINDOW,
            or_(login_failures.c.locked_until.is_(None), login_failures.c.locked_until <= now),
        )
        return int(conn.execute(delete(login_failures).where(stale)).rowcount)


def _count_failure(conn: Connection, email: str, client: str, now: datetime) -> Login:
    this = and_(login_failures.c.email == email, login_failures.c.client == client)
    row = conn.execute(select(login_failures).where(this)).first()
    if row is None or row.first_failed_at <= now - FAILURE_WINDOW:
        failures, first = 1, now
    else:
        failures, first = row.failures + 1, row.first_failed_at
    locked_until = now + LOCKOUT if failures >= MAX_FAILURES else None
    values = {"failures": failures, "first_failed_at": first, "locked_until": locked_until}
    if row is None:
        conn.execute(insert(login_failures).values(email=email, client=client, **values))
    else:
        conn.execute(update(login_failures).where(this).values(values))
    return Login.LOCKED if locked_until else Login.WRONG
