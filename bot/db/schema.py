"""Every table the project owns, gathered in one MetaData for Alembic to compare against.

Tables are declared beside the code that uses them; importing those modules registers them on
the shared `metadata`, so a module with new tables must be imported here or `make test` fails.
"""

from __future__ import annotations

from bot.delivery import outbox  # noqa: F401
from bot.handoffs import language  # noqa: F401
from bot.handoffs.store import metadata
from bot.live import store as live_store  # noqa: F401
from bot.staff import accounts, audit, replies, second_factor, sessions, sign_ins  # noqa: F401

__all__ = ["metadata"]
