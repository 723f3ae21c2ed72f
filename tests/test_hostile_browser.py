"""Zero executed scripts, in a real browser (Debian's chromium) against the real assistant: script
and HTML payloads typed into the widget show as text, and a handoff whose question, transcript
and name carry them shows them as text in the staff inbox. Each page is also opened with its
Content-Security-Policy switched off (bypass_csp), so that what is proved is the escaping, not
only the policy: `window.__pwned` stays undefined and no dialog opens.
"""

from __future__ import annotations

import itertools
import re
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect

from bot.handoffs.contact import Contact
from bot.handoffs.store import HandoffStore, NewHandoff
from bot.staff import accounts
from testkit.servers import Stack
from testkit.staff_login import sign_in_browser
from tests.browser import Chat, chromium

pytestmark = [pytest.mark.model, pytest.mark.servers]

PWNED = "window.__pwned"
PAYLOADS = [
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    "<script>window.__pwned=1;alert(2)</script>",
    "<svg/onload=window.__pwned=1>",
    '"><iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    "javascript:window.__pwned=1;alert(3)",
    '<a href="javascript:window.__pwned=1">click me</a>',
    "<style>body{display:none}</style>",
]
_visitors = itertools.count(1)


class Watched:
    """A page with what would show that a script ran: dialogs, and window.__pwned."""

    def __init__(self, context: BrowserContext) -> None:
        self.page = context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def assert_nothing_ran(self) -> None:
        self.page.wait_for_timeout(300)  # an onerror or onload would have fired by now
        assert self.page.evaluate(f"typeof {PWNED}") == "undefined"
        assert self.dialogs == []


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


def context(browser: Browser, bypass_csp: bool) -> BrowserContext:
    # Each context is another visitor, as nginx would tell them apart (X-Forwarded-For).
    n = next(_visitors)
    made = browser.new_context(
        bypass_csp=bypass_csp, extra_http_headers={"X-Forwarded-For": f"10.77.{n // 250}.{n % 250}"}
    )
    made.set_default_timeout(15_000)
    return made


def wait_for_answer(chat: Chat, timeout: float = 20) -> list[str]:
    deadline = time.monotonic() + timeout
    while not (answer := chat.answer()):
        assert time.monotonic() < deadline, "no answer"
        chat.page.wait_for_timeout(100)
    return answer


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with-csp", "without-csp"])
def test_payloads_typed_into_the_widget_show_as_text(
    browser: Browser, stack: Stack, bypass_csp: bool
) -> None:
    made = context(browser, bypass_csp)
    try:
        watched = Watched(made)
        chat = Chat(watched.page)
        watched.page.goto(f"{stack.web_url}/")
        chat.open()
        chat.bot_says("24 hours")
        for payload in PAYLOADS:
            chat.say(payload)
            wait_for_answer(chat)
        bubbles = chat.bubbles()
        for payload in PAYLOADS:
            assert payload in bubbles, payload  # the visitor's own words, verbatim, as text
        in_log = "root.querySelectorAll('.log img, .log script, .log iframe, .log svg, .log style')"
        assert chat.shadow(f"{in_log}.length") == 0
        links = chat.shadow("[...root.querySelectorAll('.log a')].map(a => a.href)")
        assert all(re.match(r"(https?|mailto|tel):", href) for href in links), links
        chat.log.get_by_text("javascript:window.__pwned=1;alert(3)").last.click()
        watched.assert_nothing_ran()
        assert chat.errors == []
    finally:
        made.close()


@pytest.fixture(scope="module")
def handoff_with_payloads(browser: Browser, stack: Stack) -> str:
    """A handoff made through the conversation in the widget, with payloads in the question (and
    so in the transcript); its reference."""
    made = context(browser, bypass_csp=False)
    try:
        chat = Chat(made.new_page())
        chat.page.goto(f"{stack.web_url}/")
        chat.open()
        chat.bot_says("24 hours")
        chat.say("I'd like someone from the clinic to get back to me")
        chat.bot_says("What would you like to ask our staff?")
        chat.say(f"{PAYLOADS[0]} {PAYLOADS[1]} is it safe with {PAYLOADS[5]}? {PAYLOADS[2]}")
        chat.bot_says("What name")
        chat.say("Zoë O'Brien")  # names are letters only; the apostrophe tests the attributes
        chat.bot_says("email")
        chat.say("zoe@example.com")
        chat.bot_says("Is it OK for us to store these details")
        chat.say("yes")
        done = chat.bot_says("within 24 hours")
        reference = re.search(r"reference (AL-[A-Z0-9]{6})", "\n".join(done))
        assert reference, done
        return reference.group(1)
    finally:
        made.close()


@pytest.fixture(scope="module")
def staff_email(stack: Stack) -> str:
    store = HandoffStore.from_url(f"sqlite:///{stack.db_path}")
    email = f"nurse-{uuid.uuid4().hex[:6]}@aluma.test"
    accounts.add_account(store.engine, email, "correct horse battery", datetime.now(timezone.utc))
    return email


def log_in(watched: Watched, stack: Stack, email: str) -> Page:
    page = watched.page
    sign_in_browser(page, stack.web_url, email, "correct horse battery")
    expect(page).to_have_url(re.compile(r"/staff/handoffs$"))
    page.goto(f"{stack.web_url}/staff/handoffs?status=all")  # answered ones too
    return page


def assert_markup_free(page: Page) -> None:
    injected = "main img, main script, main iframe, main svg, main style, main a[href^=javascript]"
    assert page.locator(injected).count() == 0


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with-csp", "without-csp"])
def test_a_handoff_with_payloads_shows_them_as_text_in_the_inbox(
    browser: Browser, stack: Stack, handoff_with_payloads: str, staff_email: str, bypass_csp: bool
) -> None:
    reference = handoff_with_payloads
    stored = HandoffStore.from_url(f"sqlite:///{stack.db_path}")
    made = context(browser, bypass_csp)
    try:
        watched = Watched(made)
        page = log_in(watched, stack, staff_email)
        row = page.get_by_role("row").filter(has_text=reference)
        expect(row).to_contain_text(PAYLOADS[0])  # the question, as text, in the list
        assert_markup_free(page)
        watched.assert_nothing_ran()

        row.get_by_role("link").first.click()
        expect(page).to_have_url(re.compile(f"/staff/handoffs/{reference}"))
        main = page.locator("main")
        for payload in (PAYLOADS[0], PAYLOADS[1], PAYLOADS[2], PAYLOADS[5]):
            expect(main).to_contain_text(payload)  # question and transcript
        expect(main).to_contain_text("Zoë O'Brien")
        assert_markup_free(page)
        watched.assert_nothing_ran()

        # A reply with a payload of its own is shown back as text too.
        if not bypass_csp:
            page.get_by_label(re.compile("reply", re.IGNORECASE)).first.fill(PAYLOADS[3])
            page.get_by_role("button", name=re.compile("send|record", re.IGNORECASE)).first.click()
            expect(main).to_contain_text(PAYLOADS[3])
        assert_markup_free(page)
        watched.assert_nothing_ran()
    finally:
        made.close()
    handoff = stored.get(reference)
    assert handoff is not None and PAYLOADS[1] in handoff.question  # kept as typed


def test_a_stored_handoff_with_a_script_name_shows_it_as_text(
    browser: Browser, stack: Stack, staff_email: str
) -> None:
    # The form takes only letters as a name; a handoff stored another way must be safe too.
    store = HandoffStore.from_url(f"sqlite:///{stack.db_path}")
    key = uuid.uuid4().hex
    handoff = store.add(
        NewHandoff(
            sender_id=f"visitor-{key}",
            submission_key=key,
            name=PAYLOADS[1],
            contact=Contact("email", "x@example.com"),
            question=PAYLOADS[3],
            transcript=[{"role": "visitor", "text": PAYLOADS[6], "at": "<script>"}],
            page_url="javascript:window.__pwned=1",
        ),
        now=datetime.now(timezone.utc),
    )
    made = context(browser, bypass_csp=True)
    try:
        watched = Watched(made)
        page = log_in(watched, stack, staff_email)
        expect(page.get_by_role("row").filter(has_text=handoff.reference)).to_contain_text(
            PAYLOADS[1]
        )
        page.goto(f"{stack.web_url}/staff/handoffs/{handoff.reference}")
        main = page.locator("main")
        for payload in (PAYLOADS[1], PAYLOADS[3], PAYLOADS[6]):
            expect(main).to_contain_text(payload)
        assert_markup_free(page)
        watched.assert_nothing_ran()
        expect(page.locator("body")).to_be_visible()  # the <style> payload hid nothing
    finally:
        made.close()
