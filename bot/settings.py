"""Configuration from environment variables (the README's table lists them all)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
VAR_DIR = PROJECT_ROOT / "var"
DEFAULT_DB_URL = f"sqlite:///{VAR_DIR / 'aluma.db'}"

CLINIC_PHONE = "503-688-9235"
REPLY_WITHIN_HOURS = 24


def db_url() -> str:
    """Where handoffs are stored: BOT_DB_URL, or a SQLite file under var/."""
    return os.environ.get("BOT_DB_URL") or DEFAULT_DB_URL


def rasa_token() -> str:
    """The token that guards Rasa's HTTP API (model replace, parse): RASA_TOKEN, or a random
    one made on first use and kept in var/rasa_token, readable only by this user."""
    token = os.environ.get("RASA_TOKEN", "").strip()
    if token:
        return token
    path = VAR_DIR / "rasa_token"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _list(name: str, default: str = "") -> tuple[str, ...]:
    return tuple(item.strip() for item in _env(name, default).split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    """The web service's settings; `from_env()` reads them, tests build them directly."""

    db_url: str = DEFAULT_DB_URL
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://localhost:8000"
    rasa_url: str = "http://localhost:5005"
    allowed_origins: tuple[str, ...] = ("http://localhost:8000", "http://127.0.0.1:8000")
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        port = int(_env("BOT_WEB_PORT", "8000"))
        public_url = _env("BOT_PUBLIC_URL", f"http://localhost:{port}").rstrip("/")
        return cls(
            db_url=db_url(),
            host=_env("BOT_WEB_HOST", "127.0.0.1"),
            port=port,
            public_url=public_url,
            rasa_url=_env("BOT_RASA_URL", "http://localhost:5005").rstrip("/"),
            allowed_origins=_list("BOT_ALLOWED_ORIGINS", f"{public_url},http://127.0.0.1:{port}"),
        )
