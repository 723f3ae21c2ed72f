"""What leaves the machine about a handoff: staff emails, reminders and webhook posts carry its
reference, reply-by time and inbox link and nothing the visitor wrote or gave, unless
BOT_NOTIFY_DETAILS=full; replies to a visitor carry only what staff wrote. Against a real SMTP
server (aiosmtpd) and a real HTTP webhook receiver."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest

from bot.delivery.scheduler import Jobs
from bot.handoffs.contact import Contact
from bot.handoffs.store import HandoffStore, NewHandoff
from bot.settings import Settings
from bot.staff import cases
from tests.local_servers import SmtpSink, WebhookSink, body
from tests.test_delivery import ASKED, settings_for

HEALTH_WORDS = ("botox", "rosacea", "treatment", "question", "health", "medical", "skin")


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def hook() -> Iterator[WebhookSink]:
    sink = WebhookSink().start()
    yield sink
    sink.stop()


def markers() -> dict[str, str]:
    """A unique string in each thing the visitor gives, so any copy of it can be found."""
    tag = uuid.uuid4().hex[:8]
    return {
        "name": f"Namemark{tag}",
        "contact": f"contactmark{tag}@example.com",
        "question": f"questionmark{tag} does it help my flushing?",
        "transcript": f"transcriptmark{tag} my cheeks burn",
        "page": f"https://alumaaesthetics.com/pagemark{tag}/",
    }


def add_marked(store: HandoffStore, marks: dict[str, str]) -> str:
    handoff = store.add(
        NewHandoff(
            sender_id=f"visitor-{marks['name']}",
            submission_key=marks["name"],
            name=marks["name"],
            contact=Contact("email", marks["contact"]),
            question=marks["question"],
            transcript=[
                {"role": "visitor", "text": marks["transcript"], "at": None},
                {"role": "assistant", "text": "I'll pass this to our staff.", "at": None},
                {"role": "visitor", "text": marks["question"], "at": None},
            ],
            page_url=marks["page"],
        ),
        now=ASKED,
    )
    return handoff.reference


def everything_in(mail: EmailMessage) -> str:
    return "\n".join([str(mail["Subject"]), body(mail, "plain"), body(mail, "html")])


def run_until_overdue(store: HandoffStore, settings: Settings) -> None:
    jobs = Jobs(store.engine, settings)
    for hours in (0, 20, 24.1):  # new, 4 h before the deadline, overdue
        jobs.run_once(ASKED + timedelta(hours=hours))


def test_by_default_no_staff_email_reminder_or_webhook_carries_what_the_visitor_gave(
    store: HandoffStore, db_url: str, smtp: SmtpSink, hook: WebhookSink
) -> None:
    marks = markers()
    reference = add_marked(store, marks)
    settings = settings_for(db_url, smtp.port, webhook=hook.url)
    assert settings.notify_details == "minimal" == Settings().notify_details
    run_until_overdue(store, settings)
    mails = smtp.wait_for(3)
    assert [m["Subject"].split(" ")[0] for m in mails] == ["New", "Reminder:", "Overdue:"]
    assert len(hook.payloads) == 3
    sent = [everything_in(m) for m in mails] + [str(p) for p in hook.payloads]
    for text in sent:
        for what, mark in marks.items():
            assert mark not in text, (what, text)
        assert marks["name"][-8:] not in text  # no piece of any of them: they share this tag
        # What staff need to act: the reference, the deadline, the link.
        assert reference in text and "Wed 25 Nov, 10:00 AM PST" in text
        assert f"https://aluma.test/staff/handoffs/{reference}" in text
    assert "in the inbox only, not in this email" in body(mails[0], "plain")


def test_with_full_details_staff_emails_carry_everything_but_the_webhook_still_does_not(
    store: HandoffStore, db_url: str, smtp: SmtpSink, hook: WebhookSink
) -> None:
    marks = markers()
    add_marked(store, marks)
    run_until_overdue(store, settings_for(db_url, smtp.port, webhook=hook.url, details="full"))
    mails = smtp.wait_for(3)
    for mail in mails:
        text = everything_in(mail)
        for what in ("name", "contact", "question", "transcript", "page"):
            assert marks[what] in body(mail, "plain"), what
        assert marks["name"] not in str(mail["Subject"])
        assert "in the inbox only" not in text
    for payload in hook.payloads:  # a chat channel outlives the retention purge
        for mark in marks.values():
            assert mark not in str(payload)


def test_the_setting_takes_minimal_or_full_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_NOTIFY_DETAILS", "Full")
    assert Settings.from_env().notify_details == "full"
    monkeypatch.setenv("BOT_NOTIFY_DETAILS", "")
    assert Settings.from_env().notify_details == "minimal"
    monkeypatch.setenv("BOT_NOTIFY_DETAILS", "everything")
    with pytest.raises(ValueError, match="BOT_NOTIFY_DETAILS must be one of minimal, full"):
        Settings.from_env()


@pytest.mark.parametrize("details", ["minimal", "full"])
def test_a_reply_to_the_visitor_carries_only_what_staff_wrote(
    store: HandoffStore, db_url: str, smtp: SmtpSink, details: str
) -> None:
    marks = markers()
    reference = add_marked(store, marks)
    settings = settings_for(db_url, smtp.port, details=details)
    jobs = Jobs(store.engine, settings)
    jobs.run_once(ASKED)
    staff_text = f"staffwrote{uuid.uuid4().hex[:6]}: yes, we can see you on Monday."
    cases.answer(
        store.engine,
        reference,
        "nurse@aluma.test",
        "email",
        staff_text,
        ASKED + timedelta(hours=1),
        settings.smtp.from_email,
    )
    jobs.run_once(ASKED + timedelta(hours=1))
    [reply] = [m for m in smtp.wait_for(2) if m["To"] == marks["contact"]]
    assert reply["Subject"] == f"A reply to your message ({reference})"
    assert not any(word in reply["Subject"].lower() for word in HEALTH_WORDS)
    for part in ("plain", "html"):
        text = body(reply, part)
        assert "staffwrote" in text and "Monday" in text
        for what in ("name", "question", "transcript", "page"):
            assert marks[what] not in text, (what, part)
        assert "Email is not a secure channel" in text
