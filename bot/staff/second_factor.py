"""Every staff account's second factor: a TOTP secret (bot/staff/totp.py) enrolled at the first
sign-in, and ten one-time recovery codes for a lost phone.

A code is good once: the last time step used is kept, and a code of that step or an earlier one
is refused, so a code seen over a shoulder or in a proxy's log cannot be replayed. Recovery codes
are kept as SHA-256 digests: with 80 random bits each, a copy of the database cannot be turned
back into them (a slow hash is for guessable secrets such as passwords).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import Column, Integer, String, Table, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from bot.handoffs.store import UTCDateTime, metadata
from bot.staff import totp
from bot.storage.encrypted_columns import EncryptedText

RECOVERY_CODES = 10

second_factors = Table(
    "staff_second_factors",
    metadata,
    Column("email", String(254), primary_key=True),
    # Sealed like visitors' data: with the secret anyone could make this member's codes.
    Column("totp_secret", EncryptedText, nullable=False),
    Column("enrolled_at", UTCDateTime(), nullable=False),
    Column("last_step", Integer, nullable=False),  # the newest time step a code was used for
)

recovery_codes = Table(
    "staff_recovery_codes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, index=True),
    Column("code_hash", String(64), nullable=False),
    Column("used_at", UTCDateTime()),
)


class Check(Enum):
    CODE = "authenticator code"
    RECOVERY = "recovery code"
    MISSING = "no code"
    WRONG = "wrong code"
    REPLAYED = "code already used"
    RECOVERY_USED = "recovery code already used"


@dataclass(frozen=True)
class Outcome:
    check: Check
    recovery_left: int = 0

    @property
    def ok(self) -> bool:
        return self.check in (Check.CODE, Check.RECOVERY)


def new_recovery_codes() -> list[str]:
    """Ten codes of 16 base32 characters (80 bits), shown as xxxx-xxxx-xxxx-xxxx."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def code_hash(code: str) -> str:
    normal = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normal.encode("utf-8", "surrogatepass")).hexdigest()


def is_enrolled(engine: Engine, email: str) -> bool:
    with engine.connect() as conn:
        found = conn.execute(
            select(second_factors.c.email).where(second_factors.c.email == email)
        ).first()
    return found is not None


def enroll(
    conn: Connection, email: str, secret: str, step: int, hashes: list[str], now: datetime
) -> None:
    """Store a confirmed enrolment, replacing any earlier factor and its recovery codes."""
    remove(conn, email)
    conn.execute(
        insert(second_factors).values(
            email=email, totp_secret=secret, enrolled_at=now, last_step=step
        )
    )
    conn.execute(insert(recovery_codes), [{"email": email, "code_hash": h} for h in hashes])


def remove(conn: Connection, email: str) -> int:
    """Forget the account's second factor; it enrols a new one at its next sign-in."""
    conn.execute(delete(recovery_codes).where(recovery_codes.c.email == email))
    return int(conn.execute(delete(second_factors).where(second_factors.c.email == email)).rowcount)


def _recovery_left(conn: Connection, email: str) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(recovery_codes)
            .where(recovery_codes.c.email == email, recovery_codes.c.used_at.is_(None))
        ).scalar_one()
    )


def check(engine: Engine, email: str, code: str, now: datetime) -> Outcome:
    """Check a code from the authenticator app, or a recovery code, and use it up."""
    code = code.strip()[:64]
    if not code:
        return Outcome(Check.MISSING)
    with engine.begin() as conn:
        factor = conn.execute(select(second_factors).where(second_factors.c.email == email)).first()
        if factor is None:
            return Outcome(Check.WRONG)
        if len("".join(code.split())) == totp.DIGITS:
            step = totp.matching_step(factor.totp_secret, code, now)
            if step is None:
                return Outcome(Check.WRONG)
            # One statement, so two sign-ins racing with the same code cannot both win.
            used = conn.execute(
                update(second_factors)
                .where(second_factors.c.email == email, second_factors.c.last_step < step)
                .values(last_step=step)
            ).rowcount
            return Outcome(Check.CODE if used else Check.REPLAYED)
        this = (recovery_codes.c.email == email, recovery_codes.c.code_hash == code_hash(code))
        row = conn.execute(select(recovery_codes).where(*this)).first()
        if row is None:
            return Outcome(Check.WRONG)
        used = conn.execute(
            update(recovery_codes)
            .where(recovery_codes.c.id == row.id, recovery_codes.c.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        if not used:
            return Outcome(Check.RECOVERY_USED)
        return Outcome(Check.RECOVERY, _recovery_left(conn, email))
