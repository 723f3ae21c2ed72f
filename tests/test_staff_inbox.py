"""The staff inbox over HTTP, against the web service as a process and a real SMTP server:
login everywhere, CSRF, lock-out, escaping, claim, reply by email, record a call, resolve, audit."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from bot.delivery import outbox
from bot.handoffs.contact import Contact
from bot.handoffs.store import Handoff, HandoffStore, NewHandoff
from bot.settings import Settings
from bot.staff import accounts, audit, cases
from bot.web.app import create_app
from bot.web.staff import inbox as inbox_routes
from testkit.staff_login import csrf, sign_in
from tests.local_servers import SmtpSink, WebProcess, body, wait_until

pytestmark = pytest.mark.servers

PASSWORD = "correct horse battery"


@dataclass
class Inbox:
    web: WebProcess
    smtp: SmtpSink
    store: HandoffStore

    def url(self, path: str) -> str:
        return self.web.url + path

    def staff(self, email: str | None = None) -> str:
        email = email or f"nurse-{uuid.uuid4().hex[:6]}@aluma.test"
        now = datetime.now(timezone.utc)
        return accounts.add_account(self.store.engine, email, PASSWORD, now).email

    def handoff(
        self,
        name: str = "Sam Lee",
        question: str = "do you accept insurance?",
        contact: Contact | None = None,
        hours_ago: float = 1,
    ) -> Handoff:
        key = uuid.uuid4().hex
        return self.store.add(
            NewHandoff(
                sender_id=f"visitor-{key}",
                submission_key=key,
                name=name,
                contact=contact or Contact("email", f"v{key[:6]}@example.com"),
                question=question,
                transcript=[
                    {"role": "visitor", "text": question, "at": None},
                    {"role": "assistant", "text": "I'll pass this to our staff.", "at": None},
                ],
            ),
            now=datetime.now(timezone.utc) - timedelta(hours=hours_ago),
        )


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inbox]:
    tmp: Path = tmp_path_factory.mktemp("inbox")
    url = f"sqlite:///{tmp / 'handoffs.db'}"
    smtp = SmtpSink().start()
    env = {
        "BOT_DB_URL": url,
        **smtp.settings,
        "BOT_JOBS_INTERVAL_SECONDS": "0.5",
        # Every test logs in from this one address (tests/test_rate_limit.py tests the limit).
        "BOT_LOGIN_RATE_PER_MINUTE": "600",
    }
    web = WebProcess(env, tmp / "web.log").start()
    yield Inbox(web, smtp, HandoffStore.from_url(url))
    web.stop()
    smtp.stop()


def login(inbox: Inbox, email: str, password: str = PASSWORD) -> requests.Session:
    """Signed in with the password and the second factor (enrolled at the first sign-in)."""
    session = requests.Session()
    response = sign_in(session, inbox.web.url, email, password)
    assert response.status_code == 303, response.text
    return session


def post(session: requests.Session, inbox: Inbox, path: str, **form: str) -> requests.Response:
    """Submit a form the way the browser does: with the token from the page it is on."""
    page = session.get(inbox.url(path.rsplit("/", 1)[0]))
    return session.post(
        inbox.url(path), data={"csrf_token": csrf(page.text), **form}, allow_redirects=False
    )


def test_nothing_under_staff_is_shown_without_logging_in(inbox: Inbox, tmp_path: Path) -> None:
    handoff = inbox.handoff(name="Hidden Person", question="a private question")
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'routes.db'}"))
    routes = [
        (method, "/" + route.path.replace("<reference>", handoff.reference))
        for route in app.router.routes
        if route.path.startswith("staff")
        for method in route.methods
    ]
    assert len(routes) >= 10, routes
    anonymous = requests.Session()
    anonymous.cookies.set("aluma_staff", "forged-or-expired", path="/staff")
    for method, path in routes:
        response = anonymous.request(method, inbox.url(path), allow_redirects=False)
        assert "Hidden Person" not in response.text and "private question" not in response.text
        if path == "/staff/login":
            expected = 200 if method == "GET" else 403  # a POST without the form's token
            assert response.status_code == expected, (method, path)
        elif method == "GET":
            assert response.status_code == 302, (method, path)
            assert response.headers["Location"].startswith("/staff/login?next=/staff")
        else:
            assert response.status_code == 403, (method, path)


def test_login_sets_an_httponly_samesite_session_cookie_and_logout_ends_it(inbox: Inbox) -> None:
    email = inbox.staff()
    session = requests.Session()
    form = requests.get(inbox.url("/staff/login?next=/staff/dashboard"))
    assert "HttpOnly" in form.headers["Set-Cookie"]
    response = sign_in(session, inbox.web.url, email, PASSWORD, next_page="/staff/dashboard")
    assert response.headers["Location"] == "/staff/dashboard"
    cookie = response.headers["Set-Cookie"]
    assert re.search(r"aluma_staff=[\w-]{40,}; Path=/staff; HttpOnly; SameSite=Lax", cookie)
    page = session.get(inbox.url("/staff/handoffs"))
    assert page.status_code == 200 and email in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    stolen = session.cookies.get("aluma_staff")
    assert post(session, inbox, "/staff/logout").status_code == 303
    replay = requests.get(
        inbox.url("/staff/handoffs"), cookies={"aluma_staff": str(stolen)}, allow_redirects=False
    )
    assert replay.status_code == 302


def test_a_login_elsewhere_cannot_redirect_off_site(inbox: Inbox) -> None:
    email = inbox.staff()
    session = requests.Session()
    response = sign_in(session, inbox.web.url, email, PASSWORD, next_page="//evil.example/staff/")
    assert response.headers["Location"] == "/staff/handoffs"


def test_forms_without_the_csrf_token_are_refused(inbox: Inbox) -> None:
    handoff = inbox.handoff()
    session = login(inbox, inbox.staff())
    other = login(inbox, inbox.staff())
    claim = inbox.url(f"/staff/handoffs/{handoff.reference}/claim")
    others_token = csrf(other.get(inbox.url("/staff/handoffs")).text)
    for form in ({}, {"csrf_token": "made-up"}, {"csrf_token": others_token}):
        response = session.post(claim, data=form, allow_redirects=False)
        assert response.status_code == 403
        assert "did not come from the inbox" in response.text
    assert inbox.store.get(handoff.reference).status == "open"  # type: ignore[union-attr]
    # The login form has its own token, tied to a cookie.
    bare = requests.post(inbox.url("/staff/login"), data={"email": "a@b.c", "password": "x"})
    assert bare.status_code == 403
    assert post(session, inbox, f"/staff/handoffs/{handoff.reference}/claim").status_code == 303


def test_repeated_failed_logins_lock_the_account_out(inbox: Inbox) -> None:
    email = inbox.staff()
    session = requests.Session()
    token = csrf(session.get(inbox.url("/staff/login")).text)

    def attempt(password: str) -> requests.Response:
        data = {"csrf_token": token, "email": email, "password": password}
        return session.post(inbox.url("/staff/login"), data=data, allow_redirects=False)

    statuses = [attempt(f"wrong-{i}").status_code for i in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    locked = attempt(PASSWORD)
    assert locked.status_code == 429 and "Too many failed attempts" in locked.text
    assert "aluma_staff=" not in locked.headers.get("Set-Cookie", "")
    assert any(
        e.action == "locked_out" and e.staff_email == email
        for e in audit.entries(inbox.store.engine)
    )
    login(inbox, inbox.staff())  # others are not affected


def test_a_script_in_the_name_and_question_is_shown_as_text(inbox: Inbox) -> None:
    handoff = inbox.handoff(
        name="<script>alert('name')</script>", question='<img src=x onerror="alert(1)">?'
    )
    session = login(inbox, inbox.staff())
    for path in ("/staff/handoffs", f"/staff/handoffs/{handoff.reference}"):
        page = session.get(inbox.url(path)).text
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in page
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;?" in page


def test_open_handoffs_come_soonest_due_first_with_the_time_left(inbox: Inbox) -> None:
    later = inbox.handoff(hours_ago=1)
    overdue = inbox.handoff(hours_ago=26)
    due_soon = inbox.handoff(hours_ago=21)
    page = login(inbox, inbox.staff()).get(inbox.url("/staff/handoffs")).text
    positions = [page.index(h.reference) for h in (overdue, due_soon, later)]
    assert positions == sorted(positions)

    def row(handoff: Handoff) -> str:
        start = page.rindex("<tr", 0, page.index(handoff.reference))
        return page[start : page.index("</tr>", start)]

    assert 'class="overdue"' in row(overdue) and "overdue by 2 h" in row(overdue)
    assert 'class="due-soon"' in row(due_soon) and "2 h 59 min left" in row(due_soon)
    assert "22 h 59 min left" in row(later) and "due-soon" not in row(later)


def test_staff_claim_and_answer_by_email_and_it_is_audited(inbox: Inbox) -> None:
    handoff = inbox.handoff(name="Riley Park", question="is it ok with retinol?")
    email = inbox.staff()
    session = login(inbox, email)
    detail = f"/staff/handoffs/{handoff.reference}"
    page = session.get(inbox.url(detail)).text
    assert "Riley Park" in page and "I&#39;ll pass this to our staff." in page
    assert post(session, inbox, f"{detail}/claim").status_code == 303
    sent_before = len(inbox.smtp.messages)
    reply = post(session, inbox, f"{detail}/reply", method="email", body="Yes <b>it is</b>, Riley.")
    assert reply.headers["Location"] == f"{detail}?note=sent"
    mails = wait_until(
        lambda: [m for m in inbox.smtp.messages[sent_before:] if m["To"] == handoff.contact]
    )
    [mail] = mails
    assert mail["Subject"] == f"A reply to your message ({handoff.reference})"
    assert "Riley Park" not in body(mail, "plain") and "retinol" not in body(mail, "html")
    assert mail["Reply-To"] == "frontdesk@aluma.test"
    assert "Yes <b>it is</b>, Riley." in body(mail, "plain")
    assert "Yes &lt;b&gt;it is&lt;/b&gt;, Riley." in body(mail, "html")
    case = cases.get_case(inbox.store.engine, handoff.reference)
    assert case is not None and case.status == "answered"
    assert case.answered_by == case.claimed_by == email and case.answer_method == "email"
    assert case.time_to_answer is not None and timedelta(hours=1) <= case.time_to_answer
    page = session.get(inbox.url(f"{detail}?note=sent")).text
    assert "emailed to the visitor" in page and "answered in" not in page
    assert "after asking" in page and "sent</span>" in page
    actions = [e.action for e in audit.entries(inbox.store.engine, handoff.reference)]
    assert actions[::-1] == ["viewed", "viewed", "claimed", "viewed", "answered", "viewed"]
    assert all(e.staff_email == email for e in audit.entries(inbox.store.engine, handoff.reference))
    log = session.get(inbox.url("/staff/audit")).text
    assert handoff.reference in log and "answered (emailed)" in log


def test_a_phone_handoff_is_answered_by_recording_the_call_then_resolved(inbox: Inbox) -> None:
    handoff = inbox.handoff(contact=Contact("phone", "+15035550123"))
    session = login(inbox, inbox.staff())
    detail = f"/staff/handoffs/{handoff.reference}"
    assert "(503) 555-0123" in session.get(inbox.url(detail)).text
    wrong = post(session, inbox, f"{detail}/reply", method="email", body="hello")
    assert wrong.status_code == 409 and "left a phone number: call or text" in wrong.text
    called = post(session, inbox, f"{detail}/reply", method="called", body="left a voicemail")
    assert called.status_code == 303
    assert post(session, inbox, f"{detail}/resolve").status_code == 303
    case = cases.get_case(inbox.store.engine, handoff.reference)
    assert case is not None and (case.status, case.answer_method) == ("resolved", "called")
    resolved = session.get(inbox.url("/staff/handoffs?status=resolved")).text
    assert handoff.reference in resolved
    assert handoff.reference not in session.get(inbox.url("/staff/handoffs")).text


def test_the_dashboard_shows_the_week(inbox: Inbox) -> None:
    page = login(inbox, inbox.staff()).get(inbox.url("/staff/dashboard")).text
    assert "handoffs asked since" in page and "answered within 24 h" in page
    assert "median time to answer" in page


async def test_a_reply_the_background_pass_is_sending_reports_that_passs_outcome(
    store: HandoffStore,
) -> None:
    # The immediate attempt finds the row leased by the jobs' pass: the page waits for that
    # pass rather than calling a reply that goes out "queued".
    now = datetime.now(timezone.utc)
    assert outbox.enqueue(store.engine, "h1", "AL-AAAAAA", "reply", "visitor_email", now, "a@b.c")
    key = "reply:h1:visitor_email"
    row = outbox.by_key(store.engine, key)
    assert row is not None
    leased = outbox.lease(store.engine, row, now)
    assert leased is not None
    timer = threading.Timer(0.3, outbox.mark_sent, (store.engine, leased, now))
    timer.start()
    assert await inbox_routes._outcome_of(store.engine, key) == "sent"
    timer.join()
    assert await inbox_routes._outcome_of(store.engine, "no-such-key") == "cancelled"
