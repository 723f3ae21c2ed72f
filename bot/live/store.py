"""Live chats, their messages and who of the staff is online: tables in the handoff store's
metadata (create_all), so the action server and the web service see the same rows.

Message ids are the database's own increasing integers: a widget or inbox that lost its
connection resumes with "everything after id N", which neither loses nor repeats a message.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    String,
    Table,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine, Row

from bot.handoffs.store import UTCDateTime, metadata
from bot.storage.encrypted_columns import EncryptedText

# waiting: in the queue; live: a staff member holds it; then one of the ends: back to the bot
# (handed back), closed (resolved by staff), form (unanswered or follow-up: the handoff form).
WAITING, LIVE = "waiting", "live"
ACTIVE = (WAITING, LIVE)
ENDS = ("bot", "closed", "form")

live_chats = Table(
    "live_chats",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("state", String(8), nullable=False, index=True),
    Column("language", String(8), nullable=False),
    Column("page_url", EncryptedText),
    Column("question", EncryptedText),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("taken_by", String(254)),
    Column("taken_at", UTCDateTime()),
    Column("ended_at", UTCDateTime()),
    Column("end_reason", String(16)),  # handback, closed, timeout, offline, office_closed, ...
    Column("reference", String(16)),  # the handoff it became, if any
)

live_messages = Table(
    "live_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chat_id", String(32), nullable=False, index=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("author", String(8), nullable=False),  # visitor, staff, bot, notice
    Column("name", String(64)),  # the staff member's first name
    Column("text", EncryptedText, nullable=False),
)

staff_presence = Table(
    "staff_presence",
    metadata,
    Column("email", String(254), primary_key=True),
    Column("online", Boolean, nullable=False),
    Column("seen_at", UTCDateTime(), nullable=False),
)


@dataclass(frozen=True)
class Chat:
    id: str
    sender_id: str
    state: str
    language: str
    page_url: str | None
    question: str | None
    created_at: datetime
    taken_by: str | None
    taken_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    reference: str | None

    @classmethod
    def from_row(cls, row: Row) -> Chat:
        return cls(**dict(row._mapping))


@dataclass(frozen=True)
class Message:
    id: int
    chat_id: str
    sender_id: str
    at: datetime
    author: str
    name: str | None
    text: str

    @classmethod
    def from_row(cls, row: Row) -> Message:
        return cls(**dict(row._mapping))

    def public(self) -> dict[str, Any]:
        """What a widget or inbox is sent: no addresses, the staff member's first name only."""
        return {
            "id": self.id,
            "chat": self.chat_id,
            "author": self.author,
            "name": self.name,
            "text": self.text,
            "at": self.at.isoformat(timespec="seconds"),
        }


def first_name(email: str) -> str:
    """ "maria.lopez@aluma.test" -> "Maria": what visitors see of who joined."""
    local = email.split("@", 1)[0]
    word = next((w for w in local.replace("_", ".").replace("-", ".").split(".") if w), "Staff")
    return word[:32].capitalize()


def enqueue(
    engine: Engine,
    sender_id: str,
    now: datetime,
    language: str = "en",
    page_url: str | None = None,
    question: str | None = None,
) -> Chat:
    """The visitor's waiting chat: the one already active for them, or a new one."""
    with engine.begin() as conn:
        row = conn.execute(
            select(live_chats).where(
                live_chats.c.sender_id == sender_id, live_chats.c.state.in_(ACTIVE)
            )
        ).first()
        if row is None:
            values = {
                "id": uuid.uuid4().hex,
                "sender_id": sender_id,
                "state": WAITING,
                "language": language if language in ("en", "es") else "en",
                "page_url": page_url,
                "question": question,
                "created_at": now,
            }
            conn.execute(insert(live_chats).values(**values))
            row = conn.execute(select(live_chats).where(live_chats.c.id == values["id"])).first()
    assert row is not None
    return Chat.from_row(row)


def get(engine: Engine, chat_id: str) -> Chat | None:
    with engine.connect() as conn:
        row = conn.execute(select(live_chats).where(live_chats.c.id == chat_id)).first()
    return Chat.from_row(row) if row else None


def active_for(engine: Engine, sender_id: str) -> Chat | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(live_chats).where(
                live_chats.c.sender_id == sender_id, live_chats.c.state.in_(ACTIVE)
            )
        ).first()
    return Chat.from_row(row) if row else None


def latest_for(engine: Engine, sender_id: str) -> Chat | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(live_chats)
            .where(live_chats.c.sender_id == sender_id)
            .order_by(live_chats.c.created_at.desc())
        ).first()
    return Chat.from_row(row) if row else None


def active(engine: Engine) -> list[Chat]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(live_chats)
            .where(live_chats.c.state.in_(ACTIVE))
            .order_by(live_chats.c.created_at)
        )
        return [Chat.from_row(row) for row in rows]


def take(engine: Engine, chat_id: str, email: str, now: datetime) -> bool:
    """Only one staff member gets a waiting chat: the UPDATE that finds it still waiting."""
    with engine.begin() as conn:
        taken = conn.execute(
            update(live_chats)
            .where(live_chats.c.id == chat_id, live_chats.c.state == WAITING)
            .values(state=LIVE, taken_by=email, taken_at=now)
        ).rowcount
    return bool(taken)


def end(
    engine: Engine,
    chat_id: str,
    state: str,
    reason: str,
    now: datetime,
    from_states: tuple[str, ...] = ACTIVE,
) -> bool:
    """Ends an active chat once: False when it had already ended (another process did it)."""
    assert state in ENDS
    with engine.begin() as conn:
        done = conn.execute(
            update(live_chats)
            .where(live_chats.c.id == chat_id, live_chats.c.state.in_(from_states))
            .values(state=state, end_reason=reason, ended_at=now)
        ).rowcount
    return bool(done)


def set_reference(engine: Engine, chat_id: str, reference: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(live_chats).where(live_chats.c.id == chat_id).values(reference=reference)
        )


def add_message(
    engine: Engine, chat: Chat, author: str, text: str, now: datetime, name: str | None = None
) -> int:
    with engine.begin() as conn:
        result = conn.execute(
            insert(live_messages).values(
                chat_id=chat.id,
                sender_id=chat.sender_id,
                at=now,
                author=author,
                name=name,
                text=text,
            )
        )
        key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def messages_after(
    engine: Engine, after: int, sender_id: str | None = None, chat_id: str | None = None
) -> list[Message]:
    query = select(live_messages).where(live_messages.c.id > after)
    if sender_id is not None:
        query = query.where(live_messages.c.sender_id == sender_id)
    if chat_id is not None:
        query = query.where(live_messages.c.chat_id == chat_id)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(live_messages.c.id).limit(500))
        return [Message.from_row(row) for row in rows]


def visitor_texts(engine: Engine, chat_id: str) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(live_messages.c.text)
            .where(live_messages.c.chat_id == chat_id, live_messages.c.author == "visitor")
            .order_by(live_messages.c.id)
        )
        return [row[0] for row in rows]


def set_online(engine: Engine, email: str, online: bool, now: datetime) -> None:
    with engine.begin() as conn:
        changed = conn.execute(
            update(staff_presence)
            .where(staff_presence.c.email == email)
            .values(online=online, seen_at=now)
        ).rowcount
        if not changed:
            conn.execute(insert(staff_presence).values(email=email, online=online, seen_at=now))


def seen(engine: Engine, email: str, now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(staff_presence).where(staff_presence.c.email == email).values(seen_at=now)
        )


def is_online(engine: Engine, email: str, now: datetime, within: float) -> bool:
    return email in online_staff(engine, now, within)


def online_staff(engine: Engine, now: datetime, within: float) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(staff_presence.c.email).where(
                staff_presence.c.online.is_(True),
                staff_presence.c.seen_at >= now - timedelta(seconds=within),
            )
        )
        return [row[0] for row in rows]
