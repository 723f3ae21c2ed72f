"""Sending email with the standard library's smtplib (the outbox runs it in a worker thread)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from bot.settings import SmtpSettings

TIMEOUT_SECONDS = 30
IMPLICIT_TLS_PORT = 465


class PermanentFailure(Exception):
    """The server refused every recipient for good (5xx): retrying cannot help."""


class SmtpSender:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.port == IMPLICIT_TLS_PORT:
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT_SECONDS, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_SECONDS)
        with smtp:
            if s.starttls and s.port != IMPLICIT_TLS_PORT:
                smtp.starttls(context=context)
            if s.user:
                smtp.login(s.user, s.password)
            try:
                smtp.send_message(message)
            except smtplib.SMTPRecipientsRefused as refused:
                codes = [code for code, _ in refused.recipients.values()]
                if codes and all(code >= 500 for code in codes):
                    raise PermanentFailure(f"recipient refused {codes[0]}") from None
                raise


def describe(error: BaseException) -> str:
    """An error's type and SMTP/HTTP code for logs and the outbox; its text may hold addresses."""
    code = getattr(error, "smtp_code", None) or getattr(error, "code", None)
    if isinstance(error, PermanentFailure):
        return str(error)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({c for c, _ in error.recipients.values()})
        return f"SMTPRecipientsRefused {codes}"
    return f"{type(error).__name__} {code}" if isinstance(code, int) else type(error).__name__
