"""Live chat's settings, from environment variables (README's configuration table)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from bot.live.hours import OfficeHours
from bot.settings import clinic_timezone


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


@dataclass(frozen=True)
class LiveConfig:
    hours: OfficeHours = field(default_factory=OfficeHours)
    wait_seconds: float = 120.0  # a visitor waits this long in the queue before the form
    # A staff member counts as online while their inbox page is connected, and this long after.
    presence_seconds: float = 45.0
    redis_url: str = ""  # several web service processes: wake-ups through Redis pub/sub
    rasa_token: str = field(default="", repr=False)  # "": RASA_TOKEN or var/rasa_token

    @classmethod
    def from_env(cls) -> LiveConfig:
        wait = float(_env("BOT_LIVE_WAIT_SECONDS", "120") or "120")
        if wait <= 0:
            raise ValueError("BOT_LIVE_WAIT_SECONDS must be a positive number of seconds")
        hours = OfficeHours.parse(
            _env("BOT_OFFICE_HOURS"), _env("BOT_CLOSED_DAYS"), clinic_timezone()
        )
        return cls(hours=hours, wait_seconds=wait, redis_url=_env("BOT_REDIS_URL"))
