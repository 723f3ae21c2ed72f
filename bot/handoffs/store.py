"""The durable record of every handoff: SQLAlchemy over SQLite by default, any URL via BOT_DB_URL.

A handoff is committed before the visitor is told "we'll get back to you"; the store is the one
place staff delivery (the outbox) and the inbox read from.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    insert,
    select,
)
from sqlalchemy.engine import Engine, Row
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator

from bot.handoffs.contact import Contact
from bot.settings import REPLY_WITHIN_HOURS, db_url
from bot.storage.encrypted_columns import EncryptedJSON, EncryptedText
from bot.storage.key_check import check_engine
from bot.storage.retry import retrying

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I look-alikes


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the handoff store")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


metadata = MetaData()

handoffs = Table(
    "handoffs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("reference", String(16), nullable=False, unique=True),
    # One submission of the form is one handoff, even if the action is run twice for it.
    Column("submission_key", String(64), nullable=False, unique=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("reply_by", UTCDateTime(), nullable=False, index=True),
    # What the visitor gave, encrypted at rest; the database columns stay TEXT and JSON.
    Column("name", EncryptedText, nullable=False),
    Column("contact", EncryptedText, nullable=False),
    Column("contact_kind", String(8), nullable=False),
    Column("question", EncryptedText, nullable=False),
    Column("consent", Boolean, nullable=False),
    Column("page_url", EncryptedText),  # its query string may carry what the visitor typed
    Column("transcript", EncryptedJSON, nullable=False),
    Column("status", String(16), nullable=False, default="open", index=True),
)

# A handoff's status goes open -> claimed -> answered -> resolved (claiming is optional, and a
# handoff that needs no answer may be resolved from any state). The staff inbox moves it along.
STATUSES = ("open", "claimed", "answered", "resolved")
UNANSWERED = ("open", "claimed")

# Who did what to a handoff and when. A table of its own rather than new columns on `handoffs`:
# it was added when create_all, which never adds columns, made the tables (bot/db/ now does).
handoff_progress = Table(
    "handoff_progress",
    metadata,
    Column("handoff_id", String(32), primary_key=True),
    Column("claimed_by", String(254)),
    Column("claimed_at", UTCDateTime()),
    Column("answered_by", String(254)),
    Column("answered_at", UTCDateTime(), index=True),
    Column("answer_method", String(8)),  # email, called, texted
    Column("resolved_by", String(254)),
    Column("resolved_at", UTCDateTime(), index=True),
)


@dataclass(frozen=True)
class NewHandoff:
    sender_id: str
    submission_key: str
    name: str
    contact: Contact
    question: str
    transcript: list[dict[str, Any]] = field(default_factory=list)
    page_url: str | None = None


@dataclass(frozen=True)
class Handoff:
    id: str
    reference: str
    sender_id: str
    created_at: datetime
    reply_by: datetime
    name: str
    contact: str
    contact_kind: str
    question: str
    consent: bool
    page_url: str | None
    transcript: list[dict[str, Any]]
    status: str

    @classmethod
    def from_row(cls, row: Row) -> Handoff:
        values = dict(row._mapping)
        values.pop("submission_key", None)
        return cls(**values)


def _new_reference() -> str:
    return "AL-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    # First, so that switching to WAL waits for another connection's lock instead of failing.
    cursor.execute("PRAGMA busy_timeout=5000")
    # WAL lets the web service read while the action server writes; FULL syncs each commit
    # to disk, so a confirmed handoff survives a power cut.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def create_db_engine(url: str) -> Engine:
    parsed = make_url(url)
    # hide_parameters: a database error's message must not carry the bound values, which are
    # visitors' names, contacts and questions, into a log.
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True)


class HandoffStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        _create_tables(engine)
        check_data_key(engine)

    @classmethod
    def from_url(cls, url: str) -> HandoffStore:
        return cls(create_db_engine(url))

    def add(self, new: NewHandoff, now: datetime | None = None) -> Handoff:
        """Commit a handoff and return it; the same submission_key returns the first record.
        A database that is briefly away (a restart) is waited for, not reported as a failure."""
        return retrying(self.engine, lambda: self._add(new, now))

    def _add(self, new: NewHandoff, now: datetime | None) -> Handoff:
        existing = self._by_submission(new.submission_key)
        if existing:
            return existing
        created = now or datetime.now(timezone.utc)
        values: dict[str, Any] = {
            "id": uuid.uuid4().hex,
            "submission_key": new.submission_key,
            "sender_id": new.sender_id,
            "created_at": created,
            "reply_by": created + timedelta(hours=REPLY_WITHIN_HOURS),
            "name": new.name,
            "contact": new.contact.value,
            "contact_kind": new.contact.kind,
            "question": new.question,
            "consent": True,
            "page_url": new.page_url,
            "transcript": new.transcript,
            "status": "open",
        }
        for _ in range(5):
            reference = _new_reference()
            values["reference"] = reference
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(handoffs).values(**values))
            except IntegrityError:
                existing = self._by_submission(new.submission_key)
                if existing:
                    return existing
                continue  # reference collision: draw another
            stored = self.get(reference)
            assert stored is not None
            return stored
        raise RuntimeError("could not allocate a unique handoff reference")

    def get(self, reference: str) -> Handoff | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(handoffs).where(handoffs.c.reference == reference)).first()
        return Handoff.from_row(row) if row else None

    def list(self, status: str | None = None) -> list[Handoff]:
        query = select(handoffs).order_by(handoffs.c.reply_by)
        if status:
            query = query.where(handoffs.c.status == status)
        with self.engine.connect() as conn:
            return [Handoff.from_row(row) for row in conn.execute(query)]

    def _by_submission(self, key: str) -> Handoff | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(handoffs).where(handoffs.c.submission_key == key)).first()
        return Handoff.from_row(row) if row else None


def _create_tables(engine: Engine) -> None:
    # Imported here: the migrations' schema imports the staff modules, which import this one.
    from bot.db import migrate

    migrate.upgrade(engine)


def check_data_key(engine: Engine) -> None:
    """Refuse to open a database whose encrypted values this process has no key for
    (DataKeyError, with what to do), before anything is written under a wrong key."""
    samples = {
        "handoffs": ("created_at", ("name", "transcript")),
        "handoff_replies": ("created_at", ("body",)),
    }
    check_engine(engine, "the handoff database", samples)


_stores_lock = threading.Lock()


@lru_cache(maxsize=4)
def _open_store(url: str) -> HandoffStore:
    return HandoffStore.from_url(url)


def _store_for(url: str) -> HandoffStore:
    # Handoffs are stored from worker threads: the first few may arrive together.
    with _stores_lock:
        return _open_store(url)


def default_store() -> HandoffStore:
    """The process-wide store for BOT_DB_URL, opened on first use."""
    return _store_for(db_url())
