"""Configuration from environment variables (the README's table lists them all)."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
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


def _kept_secret(variable: str, name: str) -> str:
    """The variable's value, or a random secret made on first use and kept in var/<name>,
    readable only by this user, so that every process (and every restart) shares it."""
    value = os.environ.get(variable, "").strip()
    if value:
        return value
    path = VAR_DIR / name
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        # Written whole under another name, then linked into place: two processes starting at
        # once agree on one secret, and neither reads a half-written file.
        fd, tmp = tempfile.mkstemp(dir=VAR_DIR, prefix=f".{name}.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(32))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


def rasa_token() -> str:
    """The token that guards Rasa's HTTP API (model replace, parse): RASA_TOKEN, or one kept in
    var/rasa_token."""
    return _kept_secret("RASA_TOKEN", "rasa_token")


def secret_key() -> str:
    """The key that signs the chat's sender ids (bot/web/senders.py): BOT_SECRET_KEY, or one
    kept in var/secret_key. Every process of the web service must use the same key, or each
    refuses the others' visitors."""
    return _kept_secret("BOT_SECRET_KEY", "secret_key")


def rasa_url() -> str:
    """The running Rasa server `bot deploy` loads new models into: BOT_RASA_URL."""
    return os.environ.get("BOT_RASA_URL", "").strip().rstrip("/") or "http://localhost:5005"


def rasa_urls() -> list[str]:
    """Every Rasa server `bot deploy` must update: BOT_RASA_REPLICAS (comma-separated, for
    replicas behind a load balancer), else BOT_RASA_URL."""
    replicas = os.environ.get("BOT_RASA_REPLICAS", "")
    urls = [url.strip().rstrip("/") for url in replicas.split(",") if url.strip()]
    return urls or [rasa_url()]


def tracker_db_url() -> str | None:
    """Rasa's tracker store for `bot report`: BOT_TRACKER_DB_URL, else endpoints.yml's."""
    return os.environ.get("BOT_TRACKER_DB_URL", "").strip() or None


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def clinic_timezone() -> str:
    """The clinic's zone for the times staff read, and the days of `bot report`/`bot audit`."""
    return _env("BOT_TIMEZONE", "America/Los_Angeles") or "America/Los_Angeles"


def _list(name: str, default: str = "") -> tuple[str, ...]:
    return tuple(item.strip() for item in _env(name, default).split(",") if item.strip())


def _number(name: str, default: str) -> float:
    value = float(_env(name, default) or default)
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value


def _flag(name: str, default: str) -> bool:
    return _env(name, default).lower() in ("1", "true", "yes", "on")


def _web_port() -> int:
    return int(_env("BOT_WEB_PORT", "8000"))


def public_url() -> str:
    """The web service's address as visitors' browsers reach it: BOT_PUBLIC_URL."""
    return _env("BOT_PUBLIC_URL", f"http://localhost:{_web_port()}").rstrip("/")


def allowed_origins() -> tuple[str, ...]:
    """The sites whose pages may use the chat: BOT_ALLOWED_ORIGINS, for the web service's proxy
    and Rasa's own channels alike (both also let in the demo page, BOT_PUBLIC_URL)."""
    return _list("BOT_ALLOWED_ORIGINS", f"{public_url()},http://127.0.0.1:{_web_port()}")


NOTIFY_DETAILS = ("minimal", "full")


def _choice(name: str, choices: tuple[str, ...]) -> str:
    value = _env(name, choices[0]).lower() or choices[0]
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server for staff notifications and replies; no host means "log, keep pending"."""

    host: str = ""
    port: int = 587
    user: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = True  # port 465 means implicit TLS instead
    from_email: str = "no-reply@localhost"

    @classmethod
    def from_env(cls) -> SmtpSettings:
        return cls(
            host=_env("BOT_SMTP_HOST"),
            port=int(_env("BOT_SMTP_PORT", "587")),
            user=_env("BOT_SMTP_USER"),
            password=os.environ.get("BOT_SMTP_PASSWORD", ""),
            starttls=_flag("BOT_SMTP_STARTTLS", "true"),
            from_email=_env("BOT_FROM_EMAIL", "no-reply@localhost"),
        )


@dataclass(frozen=True)
class Settings:
    """The web service's settings; `from_env()` reads them, tests build them directly."""

    db_url: str = DEFAULT_DB_URL
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://localhost:8000"
    rasa_url: str = "http://localhost:5005"
    rasa_answer_seconds: float = 30.0  # a visitor's request waits this long; Rasa may finish later
    allowed_origins: tuple[str, ...] = ("http://localhost:8000", "http://127.0.0.1:8000")
    # Staff delivery and inbox (bot/delivery, bot/staff).
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    staff_emails: tuple[str, ...] = ()
    staff_webhook_url: str = ""
    # "minimal": staff emails carry the reference, reply-by time and link, nothing the visitor
    # gave; "full" only with a mail provider bound by a business associate agreement.
    notify_details: str = "minimal"
    clinic_timezone: str = "America/Los_Angeles"
    retention_days: int = 90
    tracker_db_url: str = ""  # Rasa's conversations, purged after retention_days too
    jobs_interval_seconds: float = 15.0
    retry_base_seconds: float = 30.0
    # Hostile input (bot/web/security.py, ratelimit.py, senders.py); 0 turns a limit off.
    secret_key: str = field(default="", repr=False)  # "": a random key for this process only
    chat_rate_per_minute: float = 30.0
    chat_burst: int = 20
    login_rate_per_minute: float = 10.0
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            db_url=db_url(),
            host=_env("BOT_WEB_HOST", "127.0.0.1"),
            port=_web_port(),
            public_url=public_url(),
            rasa_url=_env("BOT_RASA_URL", "http://localhost:5005").rstrip("/"),
            rasa_answer_seconds=_number("BOT_RASA_ANSWER_SECONDS", "30"),
            allowed_origins=allowed_origins(),
            smtp=SmtpSettings.from_env(),
            staff_emails=_list("BOT_STAFF_EMAIL"),
            staff_webhook_url=_env("BOT_STAFF_WEBHOOK_URL"),
            notify_details=_choice("BOT_NOTIFY_DETAILS", NOTIFY_DETAILS),
            clinic_timezone=clinic_timezone(),
            retention_days=int(_env("BOT_RETENTION_DAYS", "90")),
            tracker_db_url=tracker_db_url() or f"sqlite:///{VAR_DIR / 'tracker.db'}",
            jobs_interval_seconds=float(_env("BOT_JOBS_INTERVAL_SECONDS", "15")),
            retry_base_seconds=float(_env("BOT_DELIVERY_RETRY_SECONDS", "30")),
            secret_key=secret_key(),
            chat_rate_per_minute=_number("BOT_CHAT_RATE_PER_MINUTE", "30"),
            chat_burst=int(_number("BOT_CHAT_BURST", "20")),
            login_rate_per_minute=_number("BOT_LOGIN_RATE_PER_MINUTE", "10"),
            trusted_proxies=_list("BOT_TRUSTED_PROXIES", "127.0.0.1,::1"),
        )
