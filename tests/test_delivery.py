"""Staff delivery against a real SMTP server (aiosmtpd) and a real HTTP webhook receiver, with
time passed in as `now`: nothing lost while a channel is down, nothing sent twice."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from bot.delivery import outbox
from bot.delivery.courier import Courier
from bot.delivery.scheduler import Jobs
from bot.handoffs.contact import Contact
from bot.handoffs.store import Handoff, HandoffStore, NewHandoff, handoffs
from bot.settings import Settings, SmtpSettings
from bot.staff import cases
from testkit.servers import free_port
from tests.local_servers import SmtpSink, WebhookSink, body

ASKED = datetime(2026, 11, 24, 18, 0, tzinfo=timezone.utc)  # 10:00 AM in Portland
TRANSCRIPT: list[dict[str, Any]] = [
    {"role": "visitor", "text": "do you accept insurance?", "at": "2026-11-24T17:58:00+00:00"},
    {"role": "assistant", "text": "I don't have insurance details.", "at": None},
    {"role": "visitor", "text": "yes please", "at": "2026-11-24T17:59:00+00:00"},
]


def settings_for(
    db_url: str, smtp_port: int | None, webhook: str = "", details: str = "minimal"
) -> Settings:
    smtp = SmtpSettings(
        host="127.0.0.1" if smtp_port else "",
        port=smtp_port or 587,
        starttls=False,
        from_email="Aluma Aesthetics <assistant@aluma.test>",
    )
    return Settings(
        db_url=db_url,
        public_url="https://aluma.test",
        smtp=smtp,
        staff_emails=("frontdesk@aluma.test",),
        staff_webhook_url=webhook,
        notify_details=details,
    )


def add(
    store: HandoffStore,
    key: str = "k1",
    name: str = "Sam Lee",
    question: str = "do you accept insurance?",
    contact: Contact | None = None,
    at: datetime = ASKED,
) -> Handoff:
    return store.add(
        NewHandoff(
            sender_id=f"visitor-{key}",
            submission_key=key,
            name=name,
            contact=contact or Contact("email", "sam@example.com"),
            question=question,
            transcript=TRANSCRIPT,
            page_url="https://alumaaesthetics.com/botox-for-rosacea/",
        ),
        now=at,
    )


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:  # per test here (conftest's is per module): an empty inbox each
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def rows(store: HandoffStore, handoff: Handoff) -> dict[str, outbox.Delivery]:
    return {f"{d.kind}:{d.channel}": d for d in outbox.for_handoff(store.engine, handoff.id)}


def test_with_full_details_the_staff_email_carries_the_whole_handoff(
    store: HandoffStore, db_url: str, smtp: SmtpSink
) -> None:
    # Stored before the delivery jobs exist, as when the web service is down: the scan finds it.
    handoff = add(store)
    report = Jobs(store.engine, settings_for(db_url, smtp.port, details="full")).run_once(ASKED)
    assert report.delivered["sent"] == 1
    [mail] = smtp.wait_for(1)
    assert smtp.recipients == [["frontdesk@aluma.test"]]
    assert mail["Subject"] == f"New question {handoff.reference}: reply by Wed 25 Nov, 10:00 AM PST"
    assert mail["Message-ID"] == rows(store, handoff)["new:email"].message_id
    text = body(mail, "plain")
    for expected in (
        "Sam Lee",
        "sam@example.com",
        "do you accept insurance?",
        "Asked:     Tue 24 Nov, 10:00 AM PST",
        "Reply by:  Wed 25 Nov, 10:00 AM PST (24 h 0 min left)",
        "https://alumaaesthetics.com/botox-for-rosacea/",
        f"https://aluma.test/staff/handoffs/{handoff.reference}",
        "[Tue 24 Nov, 9:58 AM PST] Visitor: do you accept insurance?",
        "Assistant: I don't have insurance details.",
        "Visitor: yes please",
    ):
        assert expected in text
    html = body(mail, "html")
    assert "Sam Lee" in html and "I don&#39;t have insurance details." in html
    assert rows(store, handoff)["new:email"].status == "sent"


def test_what_the_visitor_typed_is_escaped_in_the_html_email(
    store: HandoffStore, db_url: str, smtp: SmtpSink
) -> None:
    add(store, name="<script>alert('n')</script>", question="<img src=x onerror=alert(1)>?")
    Jobs(store.engine, settings_for(db_url, smtp.port, details="full")).run_once(ASKED)
    [mail] = smtp.wait_for(1)
    html = body(mail, "html")
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;n&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;?" in html
    assert "<script>" not in mail["Subject"]
    assert "<img src=x onerror=alert(1)>?" in body(mail, "plain")


def test_smtp_down_keeps_it_pending_and_it_goes_out_once_when_back(
    store: HandoffStore, db_url: str
) -> None:
    port = free_port()  # nothing listens here yet
    handoff = add(store)
    jobs = Jobs(store.engine, settings_for(db_url, port))
    assert jobs.run_once(ASKED).delivered == {"retry": 1}
    row = rows(store, handoff)["new:email"]
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "ConnectionRefusedError")
    assert row.next_attempt_at == ASKED + timedelta(seconds=30)
    # Before the backoff is over, nothing is tried.
    assert jobs.run_once(ASKED + timedelta(seconds=10)).delivered == {}
    assert jobs.run_once(ASKED + timedelta(seconds=30)).delivered == {"retry": 1}
    assert rows(store, handoff)["new:email"].next_attempt_at == ASKED + timedelta(seconds=90)

    sink = SmtpSink(port).start()
    try:
        assert jobs.run_once(ASKED + timedelta(seconds=90)).delivered == {"sent": 1}
        for minutes in (5, 60, 600):
            jobs.run_once(ASKED + timedelta(minutes=minutes))
        assert len(sink.messages) == 1
        row = rows(store, handoff)["new:email"]
        assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    finally:
        sink.stop()


def test_an_outage_costs_one_connection_per_pass_not_one_per_message(
    store: HandoffStore, db_url: str
) -> None:
    for key in ("a", "b", "c"):
        add(store, key=key)
    jobs = Jobs(store.engine, settings_for(db_url, free_port()))
    assert jobs.run_once(ASKED).delivered == {"retry": 1}
    attempts = sorted(d.attempts for d in outbox.due(store.engine, ASKED + timedelta(days=1)))
    assert attempts == [0, 0, 1]


def test_a_send_cut_off_before_it_was_recorded_is_resent_with_the_same_message_id(
    store: HandoffStore, db_url: str, smtp: SmtpSink
) -> None:
    handoff = add(store)
    jobs = Jobs(store.engine, settings_for(db_url, smtp.port))
    outbox.enqueue_new_handoffs(store.engine, ("email",), ASKED, "assistant@aluma.test")
    [row] = outbox.due(store.engine, ASKED)
    # A process takes the row and dies mid-send: the row stays "sending" under its lease.
    assert outbox.lease(store.engine, row, ASKED) is not None
    assert jobs.courier.deliver_pending(ASKED + timedelta(minutes=1)) == {}
    assert smtp.messages == []
    assert jobs.courier.deliver_pending(ASKED + outbox.LEASE) == {"sent": 1}
    [mail] = smtp.wait_for(1)
    assert mail["Message-ID"] == row.message_id == rows(store, handoff)["new:email"].message_id


def test_two_delivery_passes_at_once_send_each_message_once(
    store: HandoffStore, db_url: str, smtp: SmtpSink
) -> None:
    for key in "abcdef":
        add(store, key=key)
    settings = settings_for(db_url, smtp.port)
    outbox.enqueue_new_handoffs(store.engine, ("email",), ASKED, "assistant@aluma.test")
    couriers = [Courier(HandoffStore.from_url(db_url).engine, settings) for _ in range(2)]
    start = threading.Barrier(2)

    def run(courier: Courier) -> None:
        start.wait()
        courier.deliver_pending(ASKED)

    threads = [threading.Thread(target=run, args=(c,)) for c in couriers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(ids) == 6 and len(set(ids)) == 6


def test_without_smtp_it_logs_what_would_be_sent_and_keeps_it_for_later(
    store: HandoffStore, db_url: str, smtp: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    handoff = add(store, name="Robin Quinn", question="is it safe for me?")
    caplog.set_level(logging.INFO, logger="bot")
    unconfigured = Jobs(store.engine, settings_for(db_url, None))
    assert unconfigured.run_once(ASKED).delivered == {"unconfigured": 1}
    assert "would have been sent now; it stays pending" in caplog.text
    assert handoff.reference in caplog.text
    assert rows(store, handoff)["new:email"].status == "pending"
    # Configured and restarted later: the pending message goes out at once.
    restarted = Jobs(store.engine, settings_for(db_url, smtp.port))
    restarted.started(ASKED + timedelta(minutes=1))
    assert restarted.run_once(ASKED + timedelta(minutes=1)).delivered == {"sent": 1}
    assert handoff.reference in body(smtp.wait_for(1)[0], "plain")
    for secret in ("Robin", "Quinn", "sam@example.com", "safe for me"):
        assert secret not in caplog.text


def test_the_webhook_reaches_a_real_http_server(
    store: HandoffStore, db_url: str, smtp: SmtpSink
) -> None:
    hook = WebhookSink().start()
    try:
        handoff = add(store)
        jobs = Jobs(store.engine, settings_for(db_url, smtp.port, webhook=hook.url))
        assert jobs.run_once(ASKED).delivered == {"sent": 2}
        [(headers, payload)] = hook.requests
        assert headers["Content-Type"] == "application/json"
        assert headers["Idempotency-Key"] == f"new:{handoff.id}:webhook"
        assert payload == {
            "text": f"New question {handoff.reference}: reply by Wed 25 Nov, 10:00 AM PST"
            f" (24 h 0 min left). https://aluma.test/staff/handoffs/{handoff.reference}"
        }
        # A chat channel keeps messages forever: no visitor details in it.
        assert "Sam" not in payload["text"] and "insurance" not in payload["text"]
    finally:
        hook.stop()


def test_a_failing_webhook_is_retried_until_it_answers_and_not_sent_again(
    store: HandoffStore, db_url: str, smtp: SmtpSink
) -> None:
    hook = WebhookSink(statuses=[500, 503]).start()
    try:
        handoff = add(store)
        jobs = Jobs(store.engine, settings_for(db_url, smtp.port, webhook=hook.url))
        assert jobs.run_once(ASKED).delivered == {"sent": 1, "retry": 1}  # email went anyway
        assert rows(store, handoff)["new:webhook"].last_error == "HTTPError 500"
        assert jobs.run_once(ASKED + timedelta(seconds=30)).delivered == {"retry": 1}
        assert jobs.run_once(ASKED + timedelta(seconds=90)).delivered == {"sent": 1}
        jobs.run_once(ASKED + timedelta(hours=1))
        assert len(hook.requests) == 3
        assert {h["Idempotency-Key"] for h, _ in hook.requests} == {f"new:{handoff.id}:webhook"}
        assert len(smtp.messages) == 1
    finally:
        hook.stop()


def test_reminders_near_the_deadline_and_when_overdue_each_come_once(
    store: HandoffStore, db_url: str, smtp: SmtpSink
) -> None:
    handoff = add(store)
    jobs = Jobs(store.engine, settings_for(db_url, smtp.port))
    for hours in (0, 10, 19.9):
        jobs.run_once(ASKED + timedelta(hours=hours))
    assert len(smtp.messages) == 1
    for hours in (20, 21, 23.9):
        jobs.run_once(ASKED + timedelta(hours=hours))
    new, due_soon = smtp.wait_for(2)
    assert len(smtp.messages) == 2
    assert due_soon["Subject"] == (
        f"Reminder: {handoff.reference} not answered, due Wed 25 Nov, 10:00 AM PST"
    )
    assert "4 h 0 min left" in body(due_soon, "plain")
    assert due_soon["In-Reply-To"] == new["Message-ID"]  # threads under the first email
    for hours in (24, 25, 48):
        jobs.run_once(ASKED + timedelta(hours=hours))
    overdue = smtp.wait_for(3)[2]
    assert len(smtp.messages) == 3
    assert overdue["Subject"] == (
        f"Overdue: {handoff.reference} not answered, was due Wed 25 Nov, 10:00 AM PST"
    )
    assert "overdue by 1 min" in body(overdue, "plain")


def test_a_service_down_until_after_the_deadline_sends_only_the_overdue_reminder(
    store: HandoffStore, db_url: str, smtp: SmtpSink
) -> None:
    add(store)
    Jobs(store.engine, settings_for(db_url, smtp.port)).run_once(ASKED + timedelta(hours=30))
    kinds = sorted(m["Subject"].split(" ")[0] for m in smtp.wait_for(2))
    assert kinds == ["New", "Overdue:"]


def test_an_answered_handoff_gets_no_reminder_even_one_already_queued(
    store: HandoffStore, db_url: str
) -> None:
    handoff = add(store)
    port = free_port()
    jobs = Jobs(store.engine, settings_for(db_url, port))
    jobs.run_once(ASKED + timedelta(hours=21))  # SMTP down: new and due_soon stay pending
    assert {k: d.status for k, d in rows(store, handoff).items()} == {
        "new:email": "pending",
        "due_soon:email": "pending",
    }
    cases.answer(
        store.engine,
        handoff.reference,
        "nurse@aluma.test",
        "email",
        "Yes, we do.",
        ASKED + timedelta(hours=22),
        "assistant@aluma.test",
    )
    sink = SmtpSink(port).start()
    try:
        jobs.started(ASKED + timedelta(hours=22))
        for hours in (22, 22.5, 30):
            jobs.run_once(ASKED + timedelta(hours=hours))
        [reply] = sink.wait_for(1)
        assert sink.recipients == [["sam@example.com"]]
        assert "Yes, we do." in body(reply, "plain")
        states = {k: d.status for k, d in rows(store, handoff).items()}
        assert states == {
            "new:email": "cancelled",
            "due_soon:email": "cancelled",
            "reply:visitor_email": "sent",
        }
    finally:
        sink.stop()


def test_queueing_is_idempotent(store: HandoffStore) -> None:
    handoff = add(store)
    args = (store.engine, handoff.id, handoff.reference, "new", "email", ASKED, "a@aluma.test")
    assert outbox.enqueue(*args) is True
    assert outbox.enqueue(*args) is False
    assert outbox.enqueue_new_handoffs(store.engine, ("email",), ASKED, "a@aluma.test") == 0


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 30), (2, 60), (3, 120), (5, 480), (6, 600), (40, 600)]
)
def test_retries_back_off_doubling_up_to_ten_minutes(attempts: int, seconds: int) -> None:
    assert outbox.retry_delay(attempts, timedelta(seconds=30)) == timedelta(seconds=seconds)


def test_database_errors_do_not_carry_visitor_details(store: HandoffStore) -> None:
    handoff = add(store, name="Quinn Halloway")
    with pytest.raises(IntegrityError) as raised, store.engine.begin() as conn:
        conn.execute(insert(handoffs).values(id=handoff.id, name="Quinn Halloway"))
    assert "Quinn" not in str(raised.value)
