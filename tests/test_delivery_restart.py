"""The web service as a process: a handoff outlives an SMTP outage and restarts of the service,
and reaches the SMTP server exactly once."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.delivery import outbox
from bot.handoffs.contact import Contact
from bot.handoffs.store import HandoffStore, NewHandoff
from testkit.servers import free_port
from tests.local_servers import SmtpSink, WebProcess, body, wait_until

pytestmark = pytest.mark.servers

QUIET_SECONDS = 1.5  # several passes of the jobs loop, to show nothing more is sent


def _new(key: str, name: str) -> NewHandoff:
    return NewHandoff(
        sender_id=f"visitor-{key}",
        submission_key=key,
        name=name,
        contact=Contact("email", f"{key}@example.com"),
        question=f"question from {name}: does it tingle?",
        transcript=[{"role": "visitor", "text": "does it tingle?", "at": None}],
    )


def test_an_outage_and_restarts_lose_nothing_and_send_nothing_twice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'handoffs.db'}"
    sink = SmtpSink(free_port())  # not started: SMTP is down
    env = {
        "BOT_DB_URL": url,
        **sink.settings,
        "BOT_JOBS_INTERVAL_SECONDS": "0.2",
        "BOT_DELIVERY_RETRY_SECONDS": "0.2",
    }
    web = WebProcess(env, tmp_path / "web.log").start()
    store = HandoffStore.from_url(url)
    try:
        first = store.add(_new("first", "Avery Stone"), now=datetime.now(timezone.utc))

        def failed_twice() -> bool:
            rows = outbox.for_handoff(store.engine, first.id)
            return bool(rows) and rows[0].attempts >= 2 and rows[0].status == "pending"

        wait_until(failed_twice, what="two failed attempts")
        web.stop()
        # Stored while the web service is down; SMTP comes back before the service does.
        second = store.add(_new("second", "Blake Ortiz"), now=datetime.now(timezone.utc))
        sink.start()
        web.start()
        mails = sink.wait_for(2)
        time.sleep(QUIET_SECONDS)
        web.stop()
        web.start()
        time.sleep(QUIET_SECONDS)
        assert len(sink.messages) == 2
        assert sorted(m["Subject"].split()[2] for m in mails) == sorted(
            [first.reference + ":", second.reference + ":"]
        )
        bodies = "".join(body(m, "plain") for m in mails)
        assert first.reference in bodies and "Avery Stone" not in bodies  # minimal by default
        for handoff in (first, second):
            [row] = outbox.for_handoff(store.engine, handoff.id)
            assert row.status == "sent"
    finally:
        web.stop()
        sink.stop()
    # The log names handoffs by reference; the visitors' details never appear in it.
    log = web.log
    assert f"new email for {first.reference} not sent (ConnectionRefusedError" in log
    assert f"new email for {first.reference} sent" in log
    for secret in ("Avery", "Stone", "Blake", "first@example.com", "tingle"):
        assert secret not in log
