"""Live chat in two real Chromium pages against the real assistant (Rasa, the action server and
the web service as `make run` starts them): a visitor's widget and a signed-in staff inbox.

Office hours are set to always open, so whether live chat is offered depends only on whether a
member of staff is online; the module's tests run in order on one stack and one browser.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.handoffs.store import HandoffStore
from bot.staff import accounts
from tests.browser import Chat, chromium
from tests.local_servers import wait_until
from tests.servers import Stack, free_port
from tests.staff_login import sign_in_browser

pytestmark = [pytest.mark.model, pytest.mark.servers]

STAFF = "maria@aluma.test"
PASSWORD = "correct horse battery"
QUEUED = "I've asked them to join this chat"
JOINED = "Maria from Aluma has joined the chat."
HANDBACK = "Maria handed the chat back to the assistant."
DURATION = "sustained for approximately three months"  # the article's answer on how long it lasts


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    web_port = free_port()
    env = {
        "BOT_ALLOWED_ORIGINS": f"http://localhost:{web_port}",
        "BOT_CHAT_RATE_PER_MINUTE": "0",
        "BOT_LOGIN_RATE_PER_MINUTE": "0",
        "BOT_OFFICE_HOURS": "Mon-Sun 00:00-24:00",
        "BOT_TIMEZONE": "America/Los_Angeles",
    }
    running = Stack(tmp_path_factory.mktemp("live"), web_port=web_port, env=env)
    running.web.env["RASA_TOKEN"] = running.token  # the web service pauses and resumes Rasa
    engine = HandoffStore.from_url(f"sqlite:///{running.db_path}").engine
    accounts.add_account(engine, STAFF, PASSWORD, datetime.now(timezone.utc))
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


def new_page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    return context.new_page()


class Inbox:
    """The staff's live chat page, read by the labels staff read."""

    def __init__(self, page: Page, server: str) -> None:
        self.page, self.server = page, server
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self) -> None:
        sign_in_browser(self.page, self.server, STAFF, PASSWORD)
        self.page.wait_for_url(re.compile(r"/staff/handoffs"))
        self.page.goto(f"{self.server}/staff/live")

    def set_online(self, online: bool) -> None:
        box = self.page.get_by_label("I'm online for live chat")
        if box.is_checked() != online:
            box.click()
        expect(self.page.get_by_role("status")).to_have_text(
            "You are online." if online else "You are offline."
        )

    def messages(self) -> list[str]:
        return self.page.locator("#messages p").all_inner_texts()

    def send(self, text: str) -> None:
        self.page.get_by_label("Your message").fill(text)
        self.page.get_by_role("button", name="Send", exact=True).click()
        expect(self.page.get_by_label("Your message")).to_have_value("")


def visitor_page(browser: Browser, stack: Stack) -> Chat:
    chat = Chat(new_page(browser))
    chat.page.goto(f"{stack.web_url}/")
    return chat


def bubbles(chat: Chat) -> list[tuple[str, str]]:
    """(kind, text) of every bubble: user, bot (the assistant), staff or notice."""
    return [
        (kind, text)
        for kind, text in chat.shadow(
            "[...root.querySelectorAll('.log .msg')].map(m => ["
            "['staff','notice','user'].find(c => m.classList.contains(c)) || 'bot',"
            "m.querySelector('.text').textContent])"
        )
    ]


def wait_for_bubble(chat: Chat, kind: str, text: str, timeout: float = 20) -> None:
    wait_until(
        lambda: any(k == kind and text in t for k, t in bubbles(chat)),
        timeout,
        f"a {kind} bubble with {text!r}; the widget shows {bubbles(chat)!r}",
    )


def test_visitor_and_staff_talk_live_and_the_bot_stays_silent(
    stack: Stack, browser: Browser
) -> None:
    inbox = Inbox(new_page(browser), stack.web_url)
    inbox.open()
    inbox.set_online(True)

    visitor = visitor_page(browser, stack)
    visitor.open()
    visitor.bot_says("A member of our team is online now.")
    visitor.say("can i talk to a nurse")
    visitor.bot_says(QUEUED)

    # The queue shows the waiting visitor; staff open the chat and take it.
    entry = inbox.page.get_by_role("button", name=re.compile(r"^Waiting \d+ s"))
    entry.click()
    expect(inbox.page.locator("#chat-info")).to_contain_text("Language: EN")
    inbox.page.get_by_role("button", name="Take this chat").click()
    wait_for_bubble(visitor, "notice", JOINED)
    bot_before = [t for k, t in bubbles(visitor) if k == "bot"]

    # Both ways, in order, with FAQ-like questions the bot would otherwise answer.
    for text in ("How long does Botox last?", "Does it hurt?", "What does it cost?"):
        visitor.say(text)
    wait_until(
        lambda: (
            [m for m in inbox.messages() if m.startswith("Visitor: ")]
            == [
                "Visitor: How long does Botox last?",
                "Visitor: Does it hurt?",
                "Visitor: What does it cost?",
            ]
        ),
        what=f"the visitor's three messages in order; the inbox shows {inbox.messages()!r}",
    )
    started = time.monotonic()
    inbox.send("Hi, I'm Maria. About three months, the article says.")
    wait_for_bubble(visitor, "staff", "About three months")
    assert time.monotonic() - started < 5
    staff_label = visitor.shadow("root.querySelector('.log .msg.staff .sr').textContent")
    assert staff_label == "Maria: "

    # The visitor reloads: nothing is lost, and the chat goes on.
    visitor.page.reload()  # the panel stays open across reloads
    wait_for_bubble(visitor, "staff", "About three months")
    wait_for_bubble(visitor, "notice", JOINED)
    inbox.send("Anything else I can help with?")
    wait_for_bubble(visitor, "staff", "Anything else I can help with?")
    visitor.say("Is it safe with my other medicines?")

    # Staff reload: the chat's messages come back, in order, once each.
    inbox.page.reload()
    wait_until(
        lambda: "Visitor: Is it safe with my other medicines?" in inbox.messages(),
        what="the visitor's message after the staff reload",
    )
    shown = inbox.messages()
    assert len(shown) == len(set(shown)), shown
    assert shown.index("Visitor: How long does Botox last?") < shown.index(
        "Maria: Anything else I can help with?"
    )

    # Typing both ways.
    inbox.page.get_by_label("Your message").press_sequentially("typing", delay=20)
    expect(visitor.typing).to_contain_text("Maria is typing")
    inbox.page.get_by_label("Your message").fill("")
    visitor.input.press_sequentially("hm", delay=20)
    expect(inbox.page.locator("#visitor-typing")).to_have_text("The visitor is typing…")
    visitor.input.fill("")

    # The bot said nothing the whole time: no new assistant bubble in the widget.
    visitor.page.wait_for_timeout(1500)
    assert [t for k, t in bubbles(visitor) if k == "bot"] == bot_before
    assert not any(DURATION in t for _, t in bubbles(visitor))

    # Handed back, the bot answers again.
    inbox.page.get_by_role("button", name="Hand back to the assistant").click()
    wait_for_bubble(visitor, "notice", HANDBACK)
    visitor.say("How long does Botox last?")
    visitor.bot_says(DURATION)

    # Rasa's tracker holds the whole exchange: the paused turns and the staff messages.
    events = stack_events(stack, visitor.sender())
    kinds = [e["event"] for e in events]
    assert "pause" in kinds and "resume" in kinds
    staff_turns = [
        e["text"] for e in events if e["event"] == "bot" and (e.get("metadata") or {}).get("staff")
    ]
    assert staff_turns == [
        "Hi, I'm Maria. About three months, the article says.",
        "Anything else I can help with?",
    ]
    assert visitor.errors == [] and inbox.errors == []


def stack_events(stack: Stack, sender: str) -> list[dict[str, Any]]:
    import requests

    response = requests.get(
        f"{stack.url}/conversations/{sender}/tracker", params={"token": stack.token}, timeout=30
    )
    response.raise_for_status()
    return list(response.json()["events"])
