"""The web service's background jobs: queue new handoffs and reminders, deliver the outbox, and
purge what is past retention. `Jobs.run_once(now)` is one pass, for tests and the loop alike."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sanic import Sanic
from sqlalchemy.engine import Engine

from bot.db import migrate
from bot.delivery import outbox
from bot.delivery.courier import Courier
from bot.delivery.reminders import enqueue_reminders
from bot.live.purge import purge_live_chats
from bot.settings import Settings
from bot.staff import accounts, sessions
from bot.staff.purge import purge_conversations, purge_handoffs
from bot.staff.times import utcnow

logger = logging.getLogger(__name__)

PURGE_EVERY = timedelta(hours=1)
STOP_GRACE_SECONDS = 10  # let a pass in flight record what it sent before the process exits
TASK_NAME = "staff_jobs"


@dataclass
class PassReport:
    queued: int = 0
    delivered: Counter[str] = field(default_factory=Counter)
    purged: list[str] | None = None  # None: the purge was not due in this pass


class Jobs:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        migrate.upgrade(engine)  # the outbox's and the inbox's tables, if not there yet
        ZoneInfo(settings.clinic_timezone)  # a wrong BOT_TIMEZONE stops the start, not each email
        self.engine = engine
        self.settings = settings
        self.courier = Courier(engine, settings)
        self.last_purge: datetime | None = None

    @property
    def staff_channels(self) -> tuple[str, ...]:
        return ("email", "webhook") if self.settings.staff_webhook_url else ("email",)

    def started(self, now: datetime) -> None:
        """At start-up, pending messages are due at once: the outage or setting may be fixed."""
        outbox.retry_now(self.engine, now)

    def run_once(self, now: datetime) -> PassReport:
        report = PassReport()
        sender = self.settings.smtp.from_email
        report.queued += outbox.enqueue_new_handoffs(self.engine, self.staff_channels, now, sender)
        report.queued += enqueue_reminders(self.engine, self.staff_channels, now, sender)
        report.delivered = self.courier.deliver_pending(now)
        if self.last_purge is None or now - self.last_purge >= PURGE_EVERY:
            report.purged = purge_handoffs(self.engine, now, self.settings.retention_days)
            purge_live_chats(self.engine, now, self.settings.retention_days)
            if self.settings.tracker_db_url:
                purge_conversations(self.settings.tracker_db_url, now, self.settings.retention_days)
            sessions.drop_expired(self.engine, now)
            accounts.forget_failures(self.engine, now)
            self.last_purge = now
        return report


async def _loop(app: Sanic) -> None:
    jobs: Jobs = app.ctx.jobs
    wake: asyncio.Event = app.ctx.jobs_wake
    while not app.ctx.jobs_stopping:
        wake.clear()  # a wake-up during the pass below starts another pass right after it
        try:
            await asyncio.to_thread(jobs.run_once, utcnow())
        except Exception as error:  # a database hiccup must not end delivery for good
            logger.error("background jobs pass failed: %s", type(error).__name__)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=jobs.settings.jobs_interval_seconds)


async def start(app: Sanic, _: object) -> None:
    """after_server_start: the jobs run in the web service's own loop."""
    app.ctx.jobs = Jobs(app.ctx.store.engine, app.ctx.settings)
    app.ctx.jobs_wake = asyncio.Event()
    app.ctx.jobs_stopping = False
    await asyncio.to_thread(app.ctx.jobs.started, utcnow())
    app.add_task(_loop(app), name=TASK_NAME)


async def stop(app: Sanic, _: object) -> None:
    """before_server_stop: finish the pass in flight, then end the loop."""
    app.ctx.jobs_stopping = True
    app.ctx.jobs_wake.set()
    task = app.get_task(TASK_NAME, raise_exception=False)
    if task is not None:
        await asyncio.wait({task}, timeout=STOP_GRACE_SECONDS)
        await app.cancel_task(TASK_NAME, raise_exception=False)
