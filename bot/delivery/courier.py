"""Delivering due outbox rows: decide whether each is still wanted, render it, send it, record it.

Logs name the handoff's reference and the error's type only: never a name, contact or question.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy.engine import Engine

from bot.delivery import messages, outbox
from bot.delivery.outbox import Delivery
from bot.delivery.smtp import PermanentFailure, SmtpSender, describe
from bot.delivery.webhook import WebhookSender
from bot.handoffs import language as handoff_language
from bot.handoffs.store import UNANSWERED
from bot.settings import Settings
from bot.staff import replies
from bot.staff.cases import Case, get_case

logger = logging.getLogger(__name__)

STAFF_KINDS = ("new", "due_soon", "overdue")


class Courier:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.smtp = SmtpSender(settings.smtp) if settings.smtp.host else None
        url = settings.staff_webhook_url
        self.webhook = WebhookSender(url) if url else None
        self.retry_base = timedelta(seconds=settings.retry_base_seconds)

    def deliver_pending(self, now: datetime, keys: list[str] | None = None) -> Counter[str]:
        """Try every due row once (only those with `keys`, if given); count the outcomes.

        After a transport fails (server down, refused login) the rest of its rows wait for the
        next pass, so an outage costs one connection attempt per pass, not one per message.
        """
        outcomes: Counter[str] = Counter()
        down: set[str] = set()
        for row in outbox.due(self.engine, now, keys):
            if _transport(row) in down:
                continue
            leased = outbox.lease(self.engine, row, now)
            if leased is None:
                continue  # another pass has it
            outcome = self._deliver(leased, now)
            if outcome == "retry":
                down.add(_transport(row))
            outcomes[outcome] += 1
        return outcomes

    def _deliver(self, delivery: Delivery, now: datetime) -> str:
        case = get_case(self.engine, delivery.reference)
        if case is None or case.handoff.id != delivery.handoff_id:
            outbox.mark_cancelled(self.engine, delivery, "handoff no longer stored")
            return "cancelled"
        if delivery.kind in STAFF_KINDS and case.status not in UNANSWERED:
            outbox.mark_cancelled(self.engine, delivery, f"handoff {case.status} before sending")
            return "cancelled"
        if delivery.channel == "webhook":
            if self.webhook is None:
                outbox.mark_cancelled(self.engine, delivery, "webhook no longer configured")
                return "cancelled"
            payload = messages.staff_webhook(delivery.kind, case.handoff, self.settings, now)
            webhook = self.webhook
            return self._attempt(delivery, now, lambda: webhook.send(payload, delivery.key))
        smtp = self.smtp
        if smtp is None or (delivery.channel == "email" and not self.settings.staff_emails):
            missing = "SMTP is not configured" if smtp is None else "BOT_STAFF_EMAIL is not set"
            logger.info(
                "%s: the %s %s for %s would have been sent now; it stays pending",
                missing,
                delivery.kind,
                delivery.channel,
                delivery.reference,
            )
            outbox.mark_retry(self.engine, delivery, now, missing, self.retry_base)
            return "unconfigured"
        message = self._email(delivery, case, now)
        if message is None:
            outbox.mark_cancelled(self.engine, delivery, "reply no longer stored")
            return "cancelled"
        return self._attempt(delivery, now, lambda: smtp.send(message))

    def _email(self, delivery: Delivery, case: Case, now: datetime) -> EmailMessage | None:
        if delivery.channel == "visitor_email":
            with self.engine.connect() as conn:
                reply = replies.get(conn, delivery.reply_id or "")
            if reply is None:
                return None
            return messages.visitor_reply(
                case.handoff, reply.body, self.settings, now, delivery.message_id
            )
        first = f"new:{delivery.handoff_id}:email"
        thread = outbox.message_id(first, self.settings.smtp.from_email)
        return messages.staff_email(
            delivery.kind,
            case.handoff,
            self.settings,
            now,
            delivery.message_id,
            thread_id=thread,
            claimed_by=case.claimed_by,
            language=handoff_language.name_for(self.engine, case.handoff),
        )

    def _attempt(self, delivery: Delivery, now: datetime, send: Callable[[], None]) -> str:
        what = f"{delivery.kind} {delivery.channel} for {delivery.reference}"
        try:
            send()
        except PermanentFailure as error:
            if delivery.channel == "visitor_email":
                logger.error("%s refused for good (%s)", what, describe(error))
                outbox.mark_failed(self.engine, delivery, describe(error))
                return "failed"
            return self._retry(delivery, now, what, error)
        except Exception as error:  # any failure of the outside world: try again later
            return self._retry(delivery, now, what, error)
        outbox.mark_sent(self.engine, delivery, now)
        logger.info("%s sent (attempt %d)", what, delivery.attempts)
        return "sent"

    def _retry(self, delivery: Delivery, now: datetime, what: str, error: Exception) -> str:
        when = outbox.mark_retry(self.engine, delivery, now, describe(error), self.retry_base)
        logger.warning(
            "%s not sent (%s, attempt %d); next try at %s",
            what,
            describe(error),
            delivery.attempts,
            when.isoformat(timespec="seconds"),
        )
        return "retry"


def _transport(delivery: Delivery) -> str:
    return "webhook" if delivery.channel == "webhook" else "smtp"
