"""The second-factor pages in Debian's chromium, as staff use them: enrolment with the QR code
drawn under the staff pages' Content-Security-Policy, then a later sign-in with a code; axe-core
finds no accessibility violation on either page."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from bot.handoffs.store import HandoffStore
from bot.staff import accounts
from testkit.staff_login import app
from tests.browser import axe_violations, chromium
from tests.local_servers import WebProcess

pytestmark = pytest.mark.servers

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebProcess, HandoffStore]]:
    tmp: Path = tmp_path_factory.mktemp("second-factor-browser")
    url = f"sqlite:///{tmp / 'handoffs.db'}"
    process = WebProcess({"BOT_DB_URL": url}, tmp / "web.log").start()
    yield process, HandoffStore.from_url(url)
    process.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


def test_enrolment_and_a_later_code_work_in_a_browser_and_pass_axe(
    web: tuple[WebProcess, HandoffStore], browser: Browser
) -> None:
    process, store = web
    email = f"nurse-{uuid.uuid4().hex[:6]}@aluma.test"
    accounts.add_account(store.engine, email, PASSWORD, datetime.now(timezone.utc))
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def password_step() -> None:
        page.goto(f"{process.url}/staff/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()

    password_step()
    expect(page).to_have_url(re.compile(r"/staff/login/enroll$"))
    qr = page.locator("figure svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and box["width"] >= 150  # big enough for a phone's camera
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    assert axe_violations(page) == []
    app.enrolled(process.url, email, page.content())
    page.get_by_label("Code").fill(app.code(process.url, email))
    page.get_by_role("button", name="Confirm and sign in").click()
    expect(page).to_have_url(re.compile(r"/staff/handoffs$"))
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/staff/login$"))

    password_step()
    expect(page).to_have_url(re.compile(r"/staff/login/code$"))
    assert axe_violations(page) == []
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    page.get_by_label("Code").fill(app.code(process.url, email))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/staff/handoffs$"))
    # The 401 for the wrong code is the one error; nothing was blocked by the CSP.
    assert [e for e in errors if "401" not in e] == []
