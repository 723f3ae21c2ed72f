"""A live chat that staff closed becomes a resolved handoff: the whole transcript (visitor, bot
and staff), who held it, and audit entries, so the inbox, reports and the retention purge treat
it as any other handoff. It is written resolved in one transaction: the outbox only ever
notifies about open handoffs, so no "new handoff" email goes out for a chat already answered."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.handoffs.language import handoff_languages
from bot.handoffs.store import _new_reference, handoff_progress, handoffs
from bot.handoffs.transcript import transcript_from_events
from bot.live.store import Chat, first_name
from bot.staff import audit

VISITOR_NAME = "Live chat visitor"
ANSWER_METHOD = "live"  # handoff_progress.answer_method: answered in the live chat


# A live chat's case keeps more turns than a handoff's: staff and visitor talked at length.
LIVE_MAX_TURNS = 400


def transcript_with_staff(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tracker's turns of this session, staff turns named (bot/handoffs/transcript.py)."""
    return transcript_from_events(events, max_turns=LIVE_MAX_TURNS)


def record_closed(
    engine: Engine,
    chat: Chat,
    staff_email: str,
    transcript: list[dict[str, Any]],
    now: datetime,
) -> str:
    """The resolved handoff's reference."""
    question = chat.question or next(
        (t["text"] for t in transcript if t["role"] == "visitor"), "(live chat)"
    )
    for _ in range(5):
        reference = _new_reference()
        handoff_id = uuid.uuid4().hex
        try:
            with engine.begin() as conn:
                conn.execute(
                    insert(handoffs).values(
                        id=handoff_id,
                        reference=reference,
                        submission_key=f"live:{chat.id}",
                        sender_id=chat.sender_id,
                        created_at=chat.created_at,
                        reply_by=now,
                        name=VISITOR_NAME,
                        contact="",
                        contact_kind="none",
                        question=question,
                        consent=True,
                        page_url=chat.page_url,
                        transcript=transcript,
                        status="resolved",
                    )
                )
                conn.execute(
                    insert(handoff_progress).values(
                        handoff_id=handoff_id,
                        claimed_by=chat.taken_by,
                        claimed_at=chat.taken_at,
                        answered_by=staff_email,
                        answered_at=now,
                        answer_method=ANSWER_METHOD,
                        resolved_by=staff_email,
                        resolved_at=now,
                    )
                )
                conn.execute(
                    insert(handoff_languages).values(handoff_id=handoff_id, language=chat.language)
                )
                detail = f"live chat with {first_name(staff_email)}"
                if chat.taken_by:
                    audit.record(
                        conn, chat.taken_by, "live chat taken", chat.taken_at or now, reference
                    )
                audit.record(conn, staff_email, "live chat closed", now, reference, detail)
            return reference
        except IntegrityError:
            continue  # a reference collision (or this chat recorded already: see the key)
    raise RuntimeError("could not record the live chat as a handoff")
