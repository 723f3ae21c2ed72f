"""Fuzzing the staff inbox with hypothesis, against the web service as a process: the login form,
the reply form and the other staff actions (logged in, with the session's CSRF token), handoff
references in paths, query strings, and raw HTTP with the session cookie. No input may get a
5xx, no page may show a payload as markup, and the service must still be up, with its data
intact, afterwards. What each target was sent and answered is in tests/artifacts/fuzz-staff.json.

Each request comes from a client address of its own (X-Forwarded-For from 127.0.0.1, the trusted
proxy) so that the login rate limit (tests/test_rate_limit.py) lets the inputs through.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.handoffs.contact import Contact
from bot.handoffs.store import Handoff, HandoffStore, NewHandoff
from bot.staff import accounts
from testkit.staff_login import sign_in
from tests.hostile import FUZZ, SCRIPTS, SQL, Tally, hostile_text, raw_http, weighted
from tests.local_servers import WebProcess

pytestmark = pytest.mark.servers

PASSWORD = "correct horse battery"
tally = Tally("staff")
_clients = itertools.count(1)


def client() -> dict[str, str]:
    n = next(_clients)
    return {"X-Forwarded-For": f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"}


@dataclass
class Inbox:
    web: WebProcess
    store: HandoffStore
    email: str
    session: requests.Session
    csrf: str
    handoffs: list[Handoff]

    def url(self, path: str) -> str:
        return self.web.url + path


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def add_handoff(store: HandoffStore, name: str, question: str, contact: Contact) -> Handoff:
    key = uuid.uuid4().hex
    return store.add(
        NewHandoff(
            sender_id=f"visitor-{key}",
            submission_key=key,
            name=name,
            contact=contact,
            question=question,
            transcript=[
                {"role": "visitor", "text": question, "at": None},
                {"role": "assistant", "text": "I'll pass this to our staff.", "at": None},
            ],
        ),
        now=datetime.now(timezone.utc),
    )


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inbox]:
    tmp: Path = tmp_path_factory.mktemp("fuzz-staff")
    url = f"sqlite:///{tmp / 'handoffs.db'}"
    web = WebProcess({"BOT_DB_URL": url}, tmp / "web.log").start()
    store = HandoffStore.from_url(url)
    email = accounts.add_account(
        store.engine, "nurse@aluma.test", PASSWORD, datetime.now(timezone.utc)
    ).email
    handoffs = [
        add_handoff(store, "Sam Lee", SCRIPTS[0], Contact("email", "sam@example.com")),
        add_handoff(store, "Ana", SQL[0], Contact("phone", "+15035550123")),
        add_handoff(store, "Jo", "is it safe?", Contact("email", "jo@example.com")),
    ]
    session = requests.Session()
    response = sign_in(session, web.url, email, PASSWORD)
    assert response.status_code == 303
    csrf = csrf_of(session.get(web.url + "/staff/handoffs").text)
    try:
        yield Inbox(web, store, email, session, csrf, handoffs)
    finally:
        tally.write()
        web.stop()


def check_page(response: requests.Response, target: str) -> None:
    """No server error; an HTML page shows no payload as markup, and has the staff headers."""
    tally.count(target, response.status_code)
    assert response.status_code < 500, (target, response.status_code, response.text[:300])
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    if response.headers.get("Content-Type", "").startswith("text/html"):
        for payload in SCRIPTS:
            if "<" in payload or '"' in payload:
                assert payload not in response.text, (target, payload)


field_names = st.sampled_from(["csrf_token", "email", "password", "next", "body", "method"])
form_values = st.one_of(hostile_text, st.sampled_from(SCRIPTS + SQL))
forms = st.dictionaries(st.one_of(field_names, hostile_text), form_values, max_size=5)
raw_forms = st.one_of(
    st.binary(max_size=1024),
    st.sampled_from(
        [
            b"email=%ff%fe&password=%zz&csrf_token=%",
            b"a=1&&&==&=&%00=%00",
            b"email=" + b"x" * 1_000_000,
            b'--x\r\nContent-Disposition: form-data; name="email"\r\n\r\n\xff\r\n--x--',
        ]
    ),
)
content_types = st.sampled_from(
    [
        "application/x-www-form-urlencoded",  # what browsers send, so more often
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=iso-8859-1",
        "multipart/form-data; boundary=x",
        "multipart/form-data",
        "application/json",
        "text/plain; charset=utf-7",
    ]
)


@settings(FUZZ, max_examples=100)
@given(form=forms, with_token=st.booleans())
@example(form={"email": "<script>window.__pwned=1</script>@x.y", "password": "x"}, with_token=True)
@example(form={"email": "' OR '1'='1", "password": "' OR '1'='1"}, with_token=True)
@example(form={"next": "javascript:window.__pwned=1", "email": "a@b.c"}, with_token=True)
def test_the_login_form_takes_anything_without_a_server_error(
    inbox: Inbox, form: dict[str, str], with_token: bool
) -> None:
    anonymous = requests.Session()
    token = csrf_of(anonymous.get(inbox.url("/staff/login"), headers=client()).text)
    if with_token:
        form = {**form, "csrf_token": token}
    response = anonymous.post(
        inbox.url("/staff/login"), data=form, headers=client(), allow_redirects=False
    )
    check_page(response, "login")
    # Nobody gets in. (429: an address typed in 5 failed attempts is locked out, even one
    # that is no account; fuzzing types "" often.)
    assert response.status_code in (401, 403, 429), response.status_code


@settings(FUZZ, max_examples=60)
@given(body=raw_forms, content_type=content_types, with_token=st.booleans())
def test_the_login_form_takes_any_body_without_a_server_error(
    inbox: Inbox, body: bytes, content_type: str, with_token: bool
) -> None:
    anonymous = requests.Session()
    if with_token:  # the form's token first, so that the rest is read too
        token = csrf_of(anonymous.get(inbox.url("/staff/login")).text)
        body = f"csrf_token={token}&".encode() + body
    response = anonymous.post(
        inbox.url("/staff/login"),
        data=body,
        headers={**client(), "Content-Type": content_type},
        allow_redirects=False,
    )
    check_page(response, "login-raw")


@settings(FUZZ, max_examples=120)
@given(
    action=st.sampled_from(["reply", "reply", "reply", "claim", "resolve", "logout"]),
    which=st.integers(min_value=0, max_value=2),
    form=st.fixed_dictionaries(
        {
            "method": st.one_of(st.sampled_from(["email", "called", "texted"]), form_values),
            "body": form_values,
        },
        optional={"extra": form_values},
    ),
    token=weighted((4, st.just("session")), (1, st.just("none")), (1, st.just("forged"))),
)
def test_staff_actions_take_any_form_without_a_server_error(
    inbox: Inbox, action: str, which: int, form: dict[str, str], token: str
) -> None:
    reference = inbox.handoffs[which].reference
    path = "/staff/logout" if action == "logout" else f"/staff/handoffs/{reference}/{action}"
    if token == "session" and action != "logout":  # logging out would end the fuzzing session
        form = {**form, "csrf_token": inbox.csrf}
    elif token == "forged":
        form = {**form, "csrf_token": "forged-" + inbox.csrf[::-1]}
    response = inbox.session.post(inbox.url(path), data=form, allow_redirects=False)
    check_page(response, "actions")
    if "csrf_token" not in form or token == "forged" or action == "logout":
        assert response.status_code == 403  # refused: no action without the session's token


@settings(FUZZ, max_examples=60)
@given(body=raw_forms, content_type=content_types, which=st.integers(min_value=0, max_value=2))
def test_the_reply_form_takes_any_body_without_a_server_error(
    inbox: Inbox, body: bytes, content_type: str, which: int
) -> None:
    body = f"csrf_token={inbox.csrf}&method=email&body=".encode() + body
    path = f"/staff/handoffs/{inbox.handoffs[which].reference}/reply"
    response = inbox.session.post(
        inbox.url(path), data=body, headers={"Content-Type": content_type}, allow_redirects=False
    )
    check_page(response, "reply-raw")


references = st.one_of(
    hostile_text,
    st.sampled_from(SCRIPTS + SQL + ["AL-AAAAAA", "al-abc123", "AL-", "AL-ABC123/../../x", ".."]),
    st.from_regex(r"AL-[A-Z0-9]{6}", fullmatch=True),
)


@settings(FUZZ, max_examples=100)
@given(reference=references, suffix=st.sampled_from(["", "/", "/claim", "/reply", "/x"]))
def test_handoff_references_in_paths_never_get_a_server_error(
    inbox: Inbox, reference: str, suffix: str
) -> None:
    path = "/staff/handoffs/" + quote(reference, safe="") + suffix
    for session in (inbox.session, requests.Session()):  # logged in, and not
        response = session.get(inbox.url(path), allow_redirects=False)
        check_page(response, "paths")
        if session is inbox.session and suffix == "" and re.fullmatch(r"AL-\w{6}", reference):
            expected = 200 if reference in {h.reference for h in inbox.handoffs} else 404
            assert response.status_code == expected, (reference, response.status_code)


@settings(FUZZ, max_examples=100)
@given(
    page=st.sampled_from(
        ["/staff/handoffs", "/staff/handoffs/{ref}", "/staff/login", "/staff/dashboard", "/staff/"]
    ),
    params=st.dictionaries(
        st.one_of(st.sampled_from(["status", "note", "next"]), hostile_text),
        form_values,
        max_size=4,
    ),
)
def test_query_strings_never_get_a_server_error(
    inbox: Inbox, page: str, params: dict[str, str]
) -> None:
    path = page.format(ref=inbox.handoffs[0].reference)
    response = inbox.session.get(inbox.url(path), params=params, allow_redirects=False)
    check_page(response, "query")
    if response.status_code in (301, 302, 303):
        location = response.headers["Location"]
        assert location.startswith("/staff/"), location  # never off to another site


@settings(FUZZ, max_examples=80)
@given(
    target=st.sampled_from(
        ["/staff/handoffs?", "/staff/handoffs/{ref}?note=", "/staff/login?next=", "/staff/"]
    ),
    raw=st.binary(max_size=200),
    cookie=st.sampled_from(["session", "none", "garbage"]),
)
@example(target="/staff/login?next=", raw=b"%zz%ff%fe%00&&==", cookie="none")
@example(target="/staff/", raw=b"\xff\xfe\x00/../../etc/passwd", cookie="session")
def test_raw_requests_with_the_session_never_get_a_server_error(
    inbox: Inbox, target: str, raw: bytes, cookie: str
) -> None:
    path = target.format(ref=inbox.handoffs[0].reference).encode() + raw.replace(b" ", b"+")
    cookies = {
        "session": f"aluma_staff={inbox.session.cookies.get('aluma_staff')}".encode(),
        "none": b"",
        "garbage": b"aluma_staff=\xff\xfe; aluma_staff=" + raw[:40],
    }[cookie]
    path, cookies = (part.replace(b"\r", b"").replace(b"\n", b"") for part in (path, cookies))
    request = b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nCookie: " + cookies + b"\r\n\r\n"
    status = raw_http(inbox.web.port, request)
    tally.count("raw", status)
    assert status is None or status < 500, (status, request[:200])


def test_the_inbox_is_up_with_its_data_intact_after_the_fuzzing(inbox: Inbox) -> None:
    assert inbox.web.service.process is not None and inbox.web.service.process.poll() is None
    assert requests.get(inbox.url("/health"), timeout=10).json()["status"] == "ok"
    with inbox.store.engine.connect() as conn:  # no "DROP TABLE" ran
        assert conn.execute(text("SELECT count(*) FROM handoffs")).scalar() == 3
        assert conn.execute(text("SELECT count(*) FROM staff_accounts")).scalar() == 1
    # Still logged in; whatever the fuzzing stored (replies) is shown as text.
    for handoff in inbox.handoffs:
        page = inbox.session.get(inbox.url(f"/staff/handoffs/{handoff.reference}"))
        check_page(page, "after")
        assert page.status_code == 200 and inbox.email in page.text
    assert (
        "&lt;script&gt;window.__pwned=1&lt;/script&gt;"
        in inbox.session.get(inbox.url(f"/staff/handoffs/{inbox.handoffs[0].reference}")).text
    )
    for target in tally.sent:
        assert tally.server_errors(target) == 0, (target, tally.statuses[target])
    if tally.sent["login"]:
        assert tally.sent["login"] >= 60 and tally.sent["actions"] >= 60, tally.sent
