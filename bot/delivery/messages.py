"""The messages the outbox sends, rendered from templates; the visitor's text is escaped in HTML.

Subjects and webhook texts carry the handoff's reference, never what the visitor typed: a
subject line is shown everywhere, and a chat channel keeps messages beyond the retention purge.
Staff emails carry no more than that either unless BOT_NOTIFY_DETAILS=full (a mail provider
under a business associate agreement): the minimal context has no visitor field to render.
Replies to a visitor carry only what staff wrote, under a subject that names no topic.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.handoffs.contact import Contact
from bot.handoffs.store import Handoff
from bot.handoffs.transcript import visitor_language
from bot.language import LANGUAGE_NAMES
from bot.settings import CLINIC_PHONE, Settings
from bot.staff.times import local, time_left

_templates = Environment(
    loader=PackageLoader("bot.delivery", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

ROLES = {"visitor": "Visitor", "assistant": "Assistant", "staff": "Staff"}


def inbox_link(settings: Settings, reference: str) -> str:
    return f"{settings.public_url}/staff/handoffs/{reference}"


def _turn_time(at: object, zone: str) -> str:
    if not isinstance(at, str):
        return ""
    try:
        return local(datetime.fromisoformat(at), zone)
    except ValueError:
        return ""


def _headline(kind: str, handoff: Handoff, settings: Settings) -> str:
    due = local(handoff.reply_by, settings.clinic_timezone)
    # Short enough for one header line: a folded Subject shows a stray space in some clients.
    if kind == "due_soon":
        return f"Reminder: {handoff.reference} not answered, due {due}"
    if kind == "overdue":
        return f"Overdue: {handoff.reference} not answered, was due {due}"
    return f"New question {handoff.reference}: reply by {due}"


def contact_display(handoff: Handoff) -> str:
    if handoff.contact_kind == "phone":
        return Contact("phone", handoff.contact).display
    return handoff.contact


def _minimal_context(
    handoff: Handoff, settings: Settings, now: datetime, language: str | None = None
) -> dict[str, Any]:
    """What any message may say: the reference, the deadline, the link; nothing the visitor gave."""
    return {
        "full": False,
        "reference": handoff.reference,
        "reply_by": local(handoff.reply_by, settings.clinic_timezone),
        "time_left": time_left(handoff.reply_by, now),
        "link": inbox_link(settings, handoff.reference),
        "phone": CLINIC_PHONE,
        # Which language to answer in: a fact about the conversation, not a health detail.
        "language": language
        or LANGUAGE_NAMES[visitor_language(handoff.question, handoff.transcript)],
    }


def _full_context(
    handoff: Handoff, settings: Settings, now: datetime, language: str | None = None
) -> dict[str, Any]:
    zone = settings.clinic_timezone
    return {
        **_minimal_context(handoff, settings, now, language),
        "full": True,
        "h": handoff,
        "contact": contact_display(handoff),
        "asked": local(handoff.created_at, zone),
        "transcript": [
            {
                "who": f"{turn['staff']} (staff)"
                if turn.get("staff")
                else ROLES.get(str(turn.get("role")), "?"),
                "text": str(turn.get("text", "")),
                "at": _turn_time(turn.get("at"), zone),
            }
            for turn in handoff.transcript
        ],
    }


def _email(
    subject: str,
    sender: str,
    to: list[str],
    message_id: str,
    now: datetime,
    text: str,
    html: str,
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def staff_email(
    kind: str,
    handoff: Handoff,
    settings: Settings,
    now: datetime,
    message_id: str,
    thread_id: str | None = None,
    claimed_by: str | None = None,
    language: str | None = None,
) -> EmailMessage:
    """The new-handoff email, or a reminder (kind due_soon or overdue) threaded under it.
    `language` is the visitor's as recorded; without it, it is read from what they wrote."""
    subject = _headline(kind, handoff, settings)
    full = settings.notify_details == "full"
    context = (_full_context if full else _minimal_context)(handoff, settings, now, language)
    context.update(claimed_by=claimed_by, subject=subject, heading=_heading(kind, context))
    message = _email(
        subject,
        settings.smtp.from_email,
        list(settings.staff_emails),
        message_id,
        now,
        _templates.get_template("staff.txt").render(context),
        _templates.get_template("staff.html").render(context),
    )
    if thread_id and thread_id != message_id:
        message["In-Reply-To"] = thread_id
        message["References"] = thread_id
    return message


def _heading(kind: str, context: dict[str, Any]) -> str:
    if kind == "due_soon":
        return f"This handoff is not answered yet: {context['time_left']}."
    if kind == "overdue":
        return f"This handoff is {context['time_left']}: the visitor was promised a reply."
    return (
        "A visitor asked something the assistant could not answer. "
        "The website promises a reply within 24 hours."
    )


def staff_webhook(kind: str, handoff: Handoff, settings: Settings, now: datetime) -> dict[str, str]:
    """Slack-compatible: a `text` field with the reference, the deadline and the inbox link."""
    left = time_left(handoff.reply_by, now)
    link = inbox_link(settings, handoff.reference)
    return {"text": f"{_headline(kind, handoff, settings)} ({left}). {link}"}


def visitor_reply(
    handoff: Handoff, body: str, settings: Settings, now: datetime, message_id: str
) -> EmailMessage:
    """Staff's answer, to the visitor's email address; replies to it go to the staff address."""
    subject = f"A reply to your message ({handoff.reference})"
    context = _minimal_context(handoff, settings, now)
    context.update(body=body, subject=subject)
    message = _email(
        subject,
        settings.smtp.from_email,
        [handoff.contact],
        message_id,
        now,
        _templates.get_template("reply.txt").render(context),
        _templates.get_template("reply.html").render(context),
    )
    if settings.staff_emails:
        message["Reply-To"] = settings.staff_emails[0]
    return message
