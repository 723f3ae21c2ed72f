"""Live chat (its chats, messages and who is online) and each handoff's language.

A database that a development build of live chat made with `create_all` may have them
already: only the missing ones are created, as in the baseline.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _create(name: str, *columns: sa.Column | sa.Constraint, indexed: tuple[str, ...] = ()) -> None:
    if sa.inspect(op.get_bind()).has_table(name):
        return
    op.create_table(name, *columns)
    for column in indexed:
        op.create_index(f"ix_{name}_{column}", name, [column])


def upgrade() -> None:
    _create(
        "handoff_languages",
        sa.Column("handoff_id", sa.String(32), primary_key=True),
        sa.Column("language", sa.String(8), nullable=False),
    )
    _create(
        "live_chats",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("page_url", sa.Text(), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("taken_by", sa.String(254), nullable=True),
        sa.Column("taken_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("end_reason", sa.String(16), nullable=True),
        sa.Column("reference", sa.String(16), nullable=True),
        indexed=("sender_id", "state"),
    )
    _create(
        "live_messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("chat_id", sa.String(32), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("author", sa.String(8), nullable=False),
        sa.Column("name", sa.String(64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        indexed=("chat_id", "sender_id"),
    )
    _create(
        "staff_presence",
        sa.Column("email", sa.String(254), primary_key=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    for name in ("staff_presence", "live_messages", "live_chats", "handoff_languages"):
        op.drop_table(name)
