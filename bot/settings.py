"""Configuration from environment variables (the README lists them all)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'aluma.db'}"

CLINIC_PHONE = "503-688-9235"
REPLY_WITHIN_HOURS = 24


def db_url() -> str:
    """Where handoffs are stored: BOT_DB_URL, or a SQLite file under var/."""
    return os.environ.get("BOT_DB_URL") or DEFAULT_DB_URL
