"""End to end: a visitor's handoff made over Rasa's REST channel reaches a real SMTP server and
the staff inbox, and staff answer it from the inbox by email."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from bot.handoffs.store import HandoffStore
from bot.staff import accounts
from testkit.servers import Stack, texts
from testkit.staff_login import sign_in
from tests.local_servers import SmtpSink, body, wait_until

pytestmark = [pytest.mark.model, pytest.mark.servers]

PASSWORD = "correct horse battery"
PAGE = {"page_url": "https://alumaaesthetics.com/botox-for-rosacea/"}


@pytest.fixture(scope="module")
def staff_stack(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpSink) -> Iterator[Stack]:
    workdir: Path = tmp_path_factory.mktemp("staff-stack")
    env = {**smtp.settings, "BOT_JOBS_INTERVAL_SECONDS": "0.5"}
    running = Stack(workdir, env=env)
    for service in (running.actions, running.rasa, running.web):
        service.log = workdir / f"{service.name}.log"  # read by the test: what each one logged
    running.start()
    yield running
    running.stop()


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def test_a_rest_handoff_reaches_smtp_and_the_inbox_and_is_answered(
    staff_stack: Stack, smtp: SmtpSink
) -> None:
    visitor = f"e2e-staff-{uuid.uuid4().hex[:8]}"
    say = staff_stack.say
    say(visitor, "hi", PAGE)
    assert "within 24 hours" in texts(say(visitor, "do you accept insurance?", PAGE))
    say(visitor, "yes please", PAGE)
    say(visitor, "Sam Lee", PAGE)
    say(visitor, "sam@example.com", PAGE)
    done = texts(say(visitor, "yes", PAGE))
    reference = re.search(r"reference (AL-[A-Z0-9]{6})", done)
    assert reference, done
    ref = reference.group(1)

    # The staff email, from the web service's outbox, over real SMTP.
    [mail] = wait_until(
        lambda: [m for m in smtp.messages if ref in m["Subject"]], what="the staff email"
    )
    assert mail["To"] == "frontdesk@aluma.test"
    text = body(mail, "plain") + body(mail, "html")
    # By default it says that a handoff waits, and where; what the visitor gave stays inside.
    for private in ("Sam Lee", "sam@example.com", "insurance", PAGE["page_url"], "Visitor:"):
        assert private not in text
    assert f"{staff_stack.web_url}/staff/handoffs/{ref}" in text and "Reply by:" in text

    # Staff log in, find it in the inbox and answer it.
    store = HandoffStore.from_url(f"sqlite:///{staff_stack.db_path}")
    email = "nurse@aluma.test"
    accounts.add_account(store.engine, email, PASSWORD, datetime.now(timezone.utc))
    inbox = requests.Session()
    assert sign_in(inbox, staff_stack.web_url, email, PASSWORD).status_code == 303
    listing = inbox.get(f"{staff_stack.web_url}/staff/handoffs")
    assert ref in listing.text and "23 h 59 min left" in listing.text
    detail = inbox.get(f"{staff_stack.web_url}/staff/handoffs/{ref}")
    assert "do you accept insurance?" in detail.text and "Sam Lee" in detail.text
    sent = inbox.post(
        f"{staff_stack.web_url}/staff/handoffs/{ref}/reply",
        data={"csrf_token": _csrf(detail.text), "method": "email", "body": "We don't bill it."},
        allow_redirects=False,
    )
    assert sent.headers["Location"].endswith("?note=sent")
    [reply] = wait_until(
        lambda: [m for m in smtp.messages if m["To"] == "sam@example.com"], what="the reply"
    )
    assert "We don't bill it." in body(reply, "plain")
    stored = store.get(ref)
    assert stored is not None and stored.status == "answered"
    assert len([m for m in smtp.messages if ref in m["Subject"]]) == 2  # staff email + reply

    # At the default log level no process logged what the visitor gave or asked.
    for service in (staff_stack.actions, staff_stack.rasa, staff_stack.web):
        assert service.log is not None
        log = service.log.read_text(errors="replace")
        assert ref in log or service.name != "actions"  # the handoff is logged, by reference
        for private in ("Sam Lee", "sam@example.com", "do you accept insurance"):
            assert private not in log, (service.name, private)
