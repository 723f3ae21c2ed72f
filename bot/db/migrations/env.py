"""Alembic's entry point: runs the revisions on the connection `bot.db.migrate` hands over."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy.types import TypeDecorator

from bot.db.schema import metadata


def render_item(kind: str, item: Any, autogen_context: Any) -> str | Literal[False]:
    # A revision must not import application code that may change later: our column types
    # (UTCDateTime, encrypted text) are written as the database type they store.
    if kind == "type" and isinstance(item, TypeDecorator):
        return f"sa.{item.impl!r}"
    return False


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `bot db` (bot.db.migrate), not the alembic command")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_item=render_item,
    render_as_batch=True,  # SQLite alters a table by copying it; batch mode writes that out
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
