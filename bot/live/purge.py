"""Live chats and their messages (visitors' words) are deleted BOT_RETENTION_DAYS after the chat
ended, as resolved handoffs are after resolving; a closed chat's handoff goes by its own rule."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from bot.live.store import ACTIVE, live_chats, live_messages


def purge_live_chats(engine: Engine, now: datetime, retention_days: int) -> int:
    cutoff = now - timedelta(days=retention_days)
    with engine.begin() as conn:
        ids = [
            row[0]
            for row in conn.execute(
                select(live_chats.c.id).where(
                    live_chats.c.state.notin_(ACTIVE), live_chats.c.ended_at <= cutoff
                )
            )
        ]
        if ids:
            conn.execute(delete(live_messages).where(live_messages.c.chat_id.in_(ids)))
            conn.execute(delete(live_chats).where(live_chats.c.id.in_(ids)))
    return len(ids)
