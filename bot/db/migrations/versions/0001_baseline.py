"""Baseline: the tables `create_all` made before there were migrations.

A database made by `create_all` already has some or all of them: only the missing ones are
created (older databases lack the tables added since, which `create_all` would have added), so
for a complete one this revision only records that it is at the baseline.

Revision ID: 0001
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
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
        "handoffs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("submission_key", sa.String(64), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("reply_by", sa.DateTime(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("contact_kind", sa.String(8), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("page_url", sa.Text()),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.UniqueConstraint("reference"),
        sa.UniqueConstraint("submission_key"),
        indexed=("reply_by", "sender_id", "status"),
    )
    _create(
        "handoff_progress",
        sa.Column("handoff_id", sa.String(32), primary_key=True),
        sa.Column("claimed_by", sa.String(254)),
        sa.Column("claimed_at", sa.DateTime()),
        sa.Column("answered_by", sa.String(254)),
        sa.Column("answered_at", sa.DateTime()),
        sa.Column("answer_method", sa.String(8)),
        sa.Column("resolved_by", sa.String(254)),
        sa.Column("resolved_at", sa.DateTime()),
        indexed=("answered_at", "resolved_at"),
    )
    _create(
        "handoff_replies",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("handoff_id", sa.String(32), nullable=False),
        sa.Column("staff_email", sa.String(254), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        indexed=("handoff_id",),
    )
    _create(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("handoff_id", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("reply_id", sa.String(32)),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime()),
        sa.Column("last_error", sa.String(200)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime()),
        sa.UniqueConstraint("key"),
        indexed=("handoff_id", "next_attempt_at", "status"),
    )
    _create(
        "staff_accounts",
        sa.Column("email", sa.String(254), primary_key=True),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    _create(
        "staff_login_attempts",
        sa.Column("email", sa.String(254), primary_key=True),
        sa.Column("client", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime()),
    )
    _create(
        "staff_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        indexed=("email", "expires_at"),
    )
    _create(
        "staff_session_activity",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        indexed=("email", "last_seen_at"),
    )
    _create(
        "staff_second_factors",
        sa.Column("email", sa.String(254), primary_key=True),
        sa.Column("totp_secret", sa.Text(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(), nullable=False),
        sa.Column("last_step", sa.Integer(), nullable=False),
    )
    _create(
        "staff_recovery_codes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("used_at", sa.DateTime()),
        indexed=("email",),
    )
    _create(
        "staff_pending_sign_ins",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("enrol_secret", sa.Text()),
        sa.Column("enrol_code_hashes", sa.Text()),
        indexed=("email",),
    )
    _create(
        "staff_audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("staff_email", sa.String(254), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(16)),
        sa.Column("detail", sa.String(200)),
        indexed=("at", "reference"),
    )


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone: restore a backup instead")
