"""Staff sign-in with a second factor: TOTP per RFC 6238, enrolled with a QR code shown once and
recovery codes kept hashed; replayed and used codes refused; sign-out after 15 idle minutes;
every session ended when the password or second factor changes; each of these in the audit log.
Against the web service as a process, and the `bot staff` commands."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
import segno
from sqlalchemy import select, text, update

from bot import cli
from bot.handoffs.contact import Contact
from bot.handoffs.store import HandoffStore, NewHandoff
from bot.staff import accounts, audit, second_factor, sessions, totp
from bot.staff.second_factor import Check
from bot.storage import sealing
from testkit.staff_login import app, csrf, second_step, sign_in
from tests.local_servers import WebProcess

pytestmark = pytest.mark.servers

PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 24, 18, 0, tzinfo=timezone.utc)

# RFC 6238 appendix B, SHA-1: the 20-byte ASCII key, Unix times and 8-digit codes.
RFC_KEY = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("unix_time", "code"), RFC_VECTORS)
def test_codes_match_rfc_6238s_test_vectors(unix_time: int, code: str) -> None:
    assert totp.code_at(RFC_KEY, unix_time // 30, digits=8) == code
    assert totp.code_at(RFC_KEY, unix_time // 30) == code[-6:]  # 6 digits: the same, shortened


def test_a_code_is_good_for_its_step_and_one_step_of_clock_drift_either_side() -> None:
    secret = totp.new_secret()
    step = totp.step_at(NOW)
    for drift in (-1, 0, 1):
        assert totp.matching_step(secret, totp.code_at(secret, step + drift), NOW) == step + drift
    for drift in (-2, 2):
        assert totp.matching_step(secret, totp.code_at(secret, step + drift), NOW) is None
    spaced = totp.code_at(secret, step)[:3] + " " + totp.code_at(secret, step)[3:]
    assert totp.matching_step(secret, spaced, NOW) == step
    for junk in ("", "12345", "1234567", "abcdef", "١٢٣٤٥٦"):  # Arabic-Indic digits too
        assert totp.matching_step(secret, junk, NOW) is None
    uri = totp.provisioning_uri(secret, "nurse@aluma.test")
    assert uri.startswith("otpauth://totp/Aluma%20staff%20inbox%3Anurse%40aluma.test?")
    assert f"secret={secret}" in uri and "period=30" in uri and "digits=6" in uri


def enrolled(store: HandoffStore, email: str) -> tuple[str, list[str]]:
    secret = totp.new_secret()
    codes = second_factor.new_recovery_codes()
    with store.engine.begin() as conn:
        hashes = [second_factor.code_hash(c) for c in codes]
        second_factor.enroll(conn, email, secret, totp.step_at(NOW) - 5, hashes, NOW)
    return secret, codes


def test_a_code_works_once_and_so_does_each_recovery_code(store: HandoffStore) -> None:
    email = accounts.add_account(store.engine, "nurse@aluma.test", PASSWORD, NOW).email
    secret, codes = enrolled(store, email)
    step = totp.step_at(NOW)
    now_code, earlier = totp.code_at(secret, step), totp.code_at(secret, step - 1)
    assert second_factor.check(store.engine, email, now_code, NOW).check is Check.CODE
    assert second_factor.check(store.engine, email, now_code, NOW).check is Check.REPLAYED
    # An earlier step's code, still within the drift, is refused once a later one was used.
    assert second_factor.check(store.engine, email, earlier, NOW).check is Check.REPLAYED
    assert second_factor.check(store.engine, email, "000000", NOW).check is Check.WRONG
    assert second_factor.check(store.engine, email, "  ", NOW).check is Check.MISSING
    first = second_factor.check(store.engine, email, codes[0].upper(), NOW)
    assert (first.check, first.recovery_left) == (Check.RECOVERY, 9)
    assert second_factor.check(store.engine, email, codes[0], NOW).check is Check.RECOVERY_USED
    assert second_factor.check(store.engine, email, "aaaa-bbbb-cccc-dddd", NOW).check is (
        Check.WRONG
    )
    with store.engine.connect() as conn:
        stored = [r.code_hash for r in conn.execute(select(second_factor.recovery_codes))]
    assert len(stored) == 10 and not any(c.replace("-", "") in "".join(stored) for c in codes)
    assert len(set(codes)) == 10 and all(
        re.fullmatch(r"([a-z2-7]{4}-){3}[a-z2-7]{4}", c) for c in codes
    )


def test_the_authenticator_secret_is_sealed_at_rest_and_an_older_plain_one_still_works(
    store: HandoffStore,
) -> None:
    email = accounts.add_account(store.engine, "nurse@aluma.test", PASSWORD, NOW).email
    secret, _ = enrolled(store, email)
    with store.engine.connect() as conn:
        raw = conn.execute(text("SELECT totp_secret FROM staff_second_factors")).scalar_one()
    assert sealing.is_sealed(raw) and secret not in raw
    step = totp.step_at(NOW)
    assert second_factor.check(store.engine, email, totp.code_at(secret, step), NOW).check is (
        Check.CODE
    )
    # A secret enrolled before sealing (plain in the column) is read as it is.
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE staff_second_factors SET totp_secret = :s"), {"s": secret})
    later = NOW + timedelta(minutes=1)
    code = totp.code_at(secret, totp.step_at(later))
    assert second_factor.check(store.engine, email, code, later).check is Check.CODE


def test_a_session_ends_after_15_idle_minutes_and_the_log_says_so(store: HandoffStore) -> None:
    email = accounts.add_account(store.engine, "nurse@aluma.test", PASSWORD, NOW).email
    token, _ = sessions.start(store.engine, email, NOW)
    assert timedelta(minutes=15) == sessions.IDLE_TIMEOUT
    # Each request counts as activity: 14 minutes, then 14 more, is never idle.
    assert sessions.find(store.engine, token, NOW + timedelta(minutes=14))
    assert sessions.find(store.engine, token, NOW + timedelta(minutes=28))
    idle_at = NOW + timedelta(minutes=28 + 15)
    assert sessions.find(store.engine, token, idle_at) is None
    assert sessions.end_idle(store.engine, idle_at) == [email]
    assert sessions.end_idle(store.engine, idle_at) == []  # logged once
    [entry] = audit.entries(store.engine)
    assert (entry.action, entry.staff_email, entry.detail) == (
        "signed_out_idle",
        email,
        "idle since 18:28 UTC",
    )
    assert sessions.find(store.engine, token, NOW + timedelta(minutes=29)) is None  # gone


@dataclass
class Server:
    web: WebProcess
    store: HandoffStore
    url: str

    def staff(self) -> str:
        email = f"nurse-{uuid.uuid4().hex[:6]}@aluma.test"
        return accounts.add_account(self.store.engine, email, PASSWORD, NOW).email

    def signed_in(self, email: str) -> requests.Session:
        session = requests.Session()
        assert sign_in(session, self.url, email, PASSWORD).status_code == 303
        return session

    def password_step(self, email: str) -> tuple[requests.Session, requests.Response]:
        session = requests.Session()
        form = session.get(self.url + "/staff/login")
        response = session.post(
            self.url + "/staff/login",
            data={"csrf_token": csrf(form.text), "email": email, "password": PASSWORD},
            allow_redirects=False,
        )
        assert response.status_code == 303
        return session, response

    def post_code(self, session: requests.Session, code: str) -> requests.Response:
        form = session.get(self.url + "/staff/login/code")
        return session.post(
            self.url + "/staff/login/code",
            data={"csrf_token": csrf(form.text), "code": code},
            allow_redirects=False,
        )

    def actions(self, email: str) -> list[tuple[str, str | None]]:
        """The account's audit entries, oldest first."""
        found = [
            e for e in audit.entries(self.store.engine, limit=10_000) if e.staff_email == email
        ]
        return [(e.action, e.detail) for e in reversed(found)]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp("second-factor")
    url = f"sqlite:///{tmp / 'handoffs.db'}"
    web = WebProcess({"BOT_DB_URL": url, "BOT_LOGIN_RATE_PER_MINUTE": "600"}, tmp / "web.log")
    web.start()
    yield Server(web, HandoffStore.from_url(url), web.url)
    web.stop()


def inbox_status(session: requests.Session, server: Server) -> int:
    return session.get(server.url + "/staff/handoffs", allow_redirects=False).status_code


def test_the_first_sign_in_enrols_with_a_qr_code_shown_once(server: Server) -> None:
    email = server.staff()
    session, after_password = server.password_step(email)
    assert after_password.headers["Location"] == "/staff/login/enroll"
    assert "aluma_staff=" not in after_password.headers["Set-Cookie"]  # no session yet
    assert inbox_status(session, server) == 302
    page = session.get(server.url + "/staff/login/enroll").text
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', page)
    assert secret
    key = secret.group(1).replace(" ", "")
    # The QR code is the otpauth URI of that key, drawn inline (no request leaves the page).
    uri = totp.provisioning_uri(key, email)
    drawn = re.search(r'<svg[^>]*>.*?d="([^"]+)"', page, re.S)
    expected = re.search(r'd="([^"]+)"', segno.make(uri, error="m").svg_inline(scale=5))
    assert drawn and expected and drawn.group(1) == expected.group(1)
    assert len(re.findall(r"<li><code>[a-z2-7-]{19}</code></li>", page)) == 10
    # Back from a wrong code: a new key, and the first never works.
    wrong = session.post(
        server.url + "/staff/login/enroll",
        data={"csrf_token": csrf(page), "code": "000000"},
        allow_redirects=False,
    )
    assert wrong.status_code == 401 and "did not match" in wrong.text and key not in wrong.text
    app.enrolled(server.url, email, wrong.text)
    done = session.post(
        server.url + "/staff/login/enroll",
        data={"csrf_token": csrf(wrong.text), "code": app.code(server.url, email)},
        allow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["Location"] == "/staff/handoffs"
    assert inbox_status(session, server) == 200
    # Never shown again: the next sign-in asks for a code, and the enrol page sends there.
    again, after_password = server.password_step(email)
    assert after_password.headers["Location"] == "/staff/login/code"
    shown = again.get(server.url + "/staff/login/enroll", allow_redirects=False)
    assert shown.status_code == 302 and shown.headers["Location"] == "/staff/login/code"
    assert server.actions(email) == [
        ("second_factor_failed", "wrong code at enrolment"),
        ("second_factor_enrolled", None),
        ("sessions_revoked", "second factor enrolled: 0 ended"),
        ("logged_in", "first sign-in, second factor enrolled"),
    ]


def test_a_password_alone_a_wrong_code_or_no_code_opens_nothing(server: Server) -> None:
    email = server.staff()
    server.signed_in(email)  # enrolled
    session, _ = server.password_step(email)
    assert inbox_status(session, server) == 302
    assert session.get(server.url + "/staff/audit", allow_redirects=False).status_code == 302
    for code, message in (("", "Enter the code"), ("000000", "not right")):
        refused = server.post_code(session, code)
        assert refused.status_code == 401 and message in refused.text
        assert "aluma_staff=" not in refused.headers.get("Set-Cookie", "")
    assert inbox_status(session, server) == 302
    # The pending sign-in is not a session, forged or not.
    pending = session.cookies.get("aluma_staff_pending")
    forged = requests.get(
        server.url + "/staff/handoffs", cookies={"aluma_staff": str(pending)}, allow_redirects=False
    )
    assert forged.status_code == 302
    assert server.actions(email)[-2:] == [
        ("second_factor_failed", "no code"),
        ("second_factor_failed", "wrong code"),
    ]


def test_a_replayed_code_is_refused(server: Server) -> None:
    email = server.staff()
    server.signed_in(email)
    first, _ = server.password_step(email)
    code = app.code(server.url, email)
    assert server.post_code(first, code).status_code == 303
    second, _ = server.password_step(email)
    replayed = server.post_code(second, code)
    assert replayed.status_code == 401 and "used already" in replayed.text
    assert inbox_status(second, server) == 302 and inbox_status(first, server) == 200
    assert ("second_factor_failed", "code already used") in server.actions(email)


def test_a_recovery_code_signs_in_once(server: Server) -> None:
    email = server.staff()
    server.signed_in(email)
    code = app.recovery[server.url, email][3]
    session, _ = server.password_step(email)
    assert server.post_code(session, code).status_code == 303
    assert inbox_status(session, server) == 200
    other, _ = server.password_step(email)
    used = server.post_code(other, code)
    assert used.status_code == 401 and "recovery code was used already" in used.text
    assert server.actions(email)[-2:] == [
        ("logged_in", "recovery code, 9 left"),
        ("second_factor_failed", "recovery code already used"),
    ]


def test_wrong_codes_lock_out_like_wrong_passwords(server: Server) -> None:
    email = server.staff()
    server.signed_in(email)
    session, _ = server.password_step(email)
    statuses = [server.post_code(session, "000000").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    # The pending sign-in is gone; the password again is refused until the lock-out ends.
    assert session.get(server.url + "/staff/login/code", allow_redirects=False).status_code == 302
    form = session.get(server.url + "/staff/login")
    locked = session.post(
        server.url + "/staff/login",
        data={"csrf_token": csrf(form.text), "email": email, "password": PASSWORD},
        allow_redirects=False,
    )
    assert locked.status_code == 429
    assert ("locked_out", None) in server.actions(email)


def test_an_idle_session_is_signed_out_and_logged(server: Server) -> None:
    email = server.staff()
    session = server.signed_in(email)
    assert inbox_status(session, server) == 200
    with server.store.engine.begin() as conn:
        conn.execute(
            update(sessions.session_activity)
            .where(sessions.session_activity.c.email == email)
            .values(last_seen_at=datetime.now(timezone.utc) - timedelta(minutes=16))
        )
    response = session.get(server.url + "/staff/handoffs", allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=/staff/handoffs")
    assert server.actions(email)[-1][0] == "signed_out_idle"


def test_resetting_the_second_factor_or_the_password_ends_every_session(
    server: Server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_DB_URL", str(server.store.engine.url))
    email = server.staff()
    desk, phone = server.signed_in(email), server.signed_in(email)
    assert inbox_status(desk, server) == inbox_status(phone, server) == 200
    assert cli.main(["staff", "reset-second-factor", email.upper()]) == 0
    assert "enrols a new" in capsys.readouterr().out
    assert inbox_status(desk, server) == inbox_status(phone, server) == 302
    assert not second_factor.is_enrolled(server.store.engine, email)
    reset, revoked = server.actions(email)[-2:]
    assert reset[0] == "second_factor_reset" and str(reset[1]).startswith("by cli:")
    assert revoked == ("sessions_revoked", "second factor reset: 2 ended")
    # The next sign-in enrols a new factor; then a new password ends that session too.
    session, after_password = server.password_step(email)
    assert after_password.headers["Location"] == "/staff/login/enroll"
    assert second_step(session, server.url, email, after_password).status_code == 303
    assert inbox_status(session, server) == 200
    answers = iter([PASSWORD + "!", PASSWORD + "!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli.main(["staff", "password", email]) == 0
    assert inbox_status(session, server) == 302
    assert server.actions(email)[-1] == ("sessions_revoked", "password changed: 1 ended")
    assert cli.main(["staff", "reset-second-factor", "nobody@aluma.test"]) == 1


def test_audit_entries_carry_no_visitor_data(server: Server) -> None:
    marker = f"Visitormark{uuid.uuid4().hex[:8]}"
    handoff = server.store.add(
        NewHandoff(
            sender_id=f"visitor-{marker}",
            submission_key=marker,
            name=marker,
            contact=Contact("email", f"{marker.lower()}@example.com"),
            question=f"{marker} is it safe with my heart medication?",
            transcript=[{"role": "visitor", "text": marker, "at": None}],
            page_url=f"https://alumaaesthetics.com/{marker}/",
        ),
        now=datetime.now(timezone.utc),
    )
    email = server.staff()
    session = server.signed_in(email)
    page = session.get(f"{server.url}/staff/handoffs/{handoff.reference}").text
    assert marker in page  # staff see it; the log of their seeing it does not
    session.post(
        f"{server.url}/staff/handoffs/{handoff.reference}/claim",
        data={"csrf_token": csrf(page)},
        allow_redirects=False,
    )
    entries = audit.entries(server.store.engine, limit=10_000)
    assert {"viewed", "claimed", "logged_in"} <= {e.action for e in entries}
    for entry in entries:
        assert marker.lower() not in str(entry).lower()
