"""The language a visitor wrote in (the tracker's `language` slot, en or es), per handoff, so
staff see it in the inbox and the emails before they answer. A handoff stored before this was
recorded has no row: its language is then read from what the visitor wrote."""

from __future__ import annotations

from sqlalchemy import Column, String, Table, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.handoffs.store import Handoff, metadata
from bot.handoffs.transcript import visitor_language

LANGUAGES = {"en": "English", "es": "Spanish"}

handoff_languages = Table(
    "handoff_languages",
    metadata,
    Column("handoff_id", String(32), primary_key=True),
    Column("language", String(8), nullable=False),
)


def record(engine: Engine, handoff_id: str, language: object) -> None:
    if language not in LANGUAGES:
        return
    try:
        with engine.begin() as conn:
            conn.execute(insert(handoff_languages).values(handoff_id=handoff_id, language=language))
    except IntegrityError:
        pass  # the same submission run twice: recorded the first time


def of(engine: Engine, handoff_id: str) -> str | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(handoff_languages.c.language).where(handoff_languages.c.handoff_id == handoff_id)
        ).first()
    return LANGUAGES.get(row[0]) if row else None


def name_for(engine: Engine, handoff: Handoff) -> str:
    """The language's name: as recorded when the handoff was stored, else as detected."""
    recorded = of(engine, handoff.id)
    return recorded or LANGUAGES[visitor_language(handoff.question, handoff.transcript)]
