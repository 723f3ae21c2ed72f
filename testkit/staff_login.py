"""Signing staff in as a person does, password then second factor, for the tests that need the
inbox: the first sign-in enrols (the secret read off the enrolment page, as a person types it into
an app), later ones enter the code an authenticator app would show now.

Codes come from bot.staff.totp, which tests/test_second_factor.py checks against RFC 6238's own
test vectors. A code is refused once its time step was used, so a second sign-in within the same
30 seconds takes the next step's code (the server allows one step of clock drift), or waits.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import requests

from bot.staff import totp

if TYPE_CHECKING:
    from playwright.sync_api import Page


@dataclass
class Authenticator:
    """An authenticator app: one secret per account (per server), and the last step it gave."""

    secrets: dict[tuple[str, str], str] = field(default_factory=dict)
    last_step: dict[tuple[str, str], int] = field(default_factory=dict)
    recovery: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def enrolled(self, server: str, email: str, page: str) -> None:
        """Keep the key and recovery codes an enrolment page shows."""
        match = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', page)
        assert match, "no key on the enrolment page"
        self.secrets[server, email] = match.group(1).replace(" ", "")
        self.last_step.pop((server, email), None)
        self.recovery[server, email] = re.findall(r"<li><code>([a-z2-7-]{19})</code></li>", page)

    def code(self, server: str, email: str) -> str:
        """The next code not yet used: now's, or the next step's, else wait for a new step."""
        secret = self.secrets[server, email]
        while True:
            now = totp.step_at(datetime.now(timezone.utc))
            step = max(now, self.last_step.get((server, email), now - 1) + 1)
            if step <= now + totp.DRIFT_STEPS:
                self.last_step[server, email] = step
                return totp.code_at(secret, step)
            time.sleep(1)


app = Authenticator()  # one per test process, like the phone in a nurse's pocket


def csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def second_step(
    session: requests.Session, server: str, email: str, after_password: requests.Response
) -> requests.Response:
    """From the password's redirect to the signed-in redirect: enrol, or enter a code."""
    assert after_password.status_code == 303, after_password.text[:500]
    where = after_password.headers["Location"]
    form = session.get(server + where)
    if where.endswith("/enroll"):
        app.enrolled(server, email, form.text)
    return session.post(
        server + where,
        data={"csrf_token": csrf(form.text), "code": app.code(server, email)},
        allow_redirects=False,
    )


def sign_in(
    session: requests.Session,
    server: str,
    email: str,
    password: str,
    next_page: str | None = None,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    """Both steps; the last response (303 to the inbox, with the session cookie) is returned."""
    query = f"?next={next_page}" if next_page else ""
    form = session.get(f"{server}/staff/login{query}", headers=headers)
    data = {"csrf_token": csrf(form.text), "email": email, "password": password}
    if next_page:
        data["next"] = next_page
    response = session.post(
        f"{server}/staff/login", data=data, headers=headers, allow_redirects=False
    )
    return second_step(session, server, email, response)


def sign_in_browser(page: Page, server: str, email: str, password: str) -> None:
    """Both steps in a real browser, by the labels a person reads."""
    page.goto(f"{server}/staff/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/staff/login/(code|enroll)$"))
    if page.url.endswith("/enroll"):
        app.enrolled(server, email, page.content())
        button = "Confirm and sign in"
    else:
        button = "Sign in"
    page.get_by_label("Code").fill(app.code(server, email))
    page.get_by_role("button", name=button).click()
