"""Live chat in two real Chromium pages against the real assistant (Rasa, the action server and
the web service as `make run` starts them): a visitor's widget and a signed-in staff inbox.

Office hours are set to always open, so whether live chat is offered depends only on whether a
member of staff is online; the module's tests run in order on one stack and one browser.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from bot.handoffs.store import HandoffStore
from bot.live import store as live_store
from bot.live.config import LiveConfig
from bot.live.hours import OfficeHours
from bot.live.hub import Hub
from bot.live.takeover import Live
from bot.live.tracker import Tracker
from bot.staff import accounts
from testkit.servers import Stack, free_port
from testkit.staff_login import sign_in_browser
from tests.browser import Chat, chromium
from tests.hostile import SCRIPTS, SQL
from tests.local_servers import wait_until

pytestmark = [pytest.mark.model, pytest.mark.servers]

STAFF = "maria@aluma.test"
PASSWORD = "correct horse battery"
QUEUED = "I've asked them to join this chat"
JOINED = "Maria from Aluma has joined the chat."
HANDBACK = "Maria handed the chat back to the assistant."
HOSTILE = [SCRIPTS[0], SCRIPTS[1], SCRIPTS[7], SQL[0]]
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
        if box.is_checked() == online:
            return  # as this member of staff left it
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

    # A dropped stream that comes back with Last-Event-ID gets exactly what came after it.
    shown_ids = [
        m.id
        for m in live_store.messages_after(engine(stack), 0, sender_id=visitor.sender())
        if m.author not in ("visitor", "alert")
    ]
    assert len(shown_ids) >= 3
    assert resumed_ids(stack, visitor.sender(), shown_ids[0], len(shown_ids) - 1) == shown_ids[1:]

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


def resumed_ids(stack: Stack, sender: str, last: int, count: int) -> list[int]:
    """The ids a reconnecting EventSource gets after `last`, the first `count` of them."""
    ids: list[int] = []
    url = f"{stack.web_url}/live/events?sender={sender}"
    with requests.get(url, headers={"Last-Event-ID": str(last)}, stream=True, timeout=30) as r:
        assert r.headers["Content-Type"].startswith("text/event-stream")
        for raw in r.iter_lines():
            line = raw.decode("utf-8")
            if line.startswith("id: "):
                ids.append(int(line[4:]))
            if len(ids) == count:
                break
    return ids


def stack_events(stack: Stack, sender: str) -> list[dict[str, Any]]:
    response = requests.get(
        f"{stack.url}/conversations/{sender}/tracker", params={"token": stack.token}, timeout=30
    )
    response.raise_for_status()
    return list(response.json()["events"])


def live_chat_of(stack: Stack, sender: str) -> live_store.Chat:
    engine = HandoffStore.from_url(f"sqlite:///{stack.db_path}").engine
    chat = live_store.latest_for(engine, sender)
    assert chat is not None
    return chat


def take_next(inbox: Inbox) -> None:
    inbox.page.goto(f"{inbox.server}/staff/live")
    inbox.page.get_by_role("button", name=re.compile(r"^Waiting \d+ s")).first.click()
    inbox.page.get_by_role("button", name="Take this chat").click()


def test_red_flags_hostile_text_and_closing_into_a_resolved_case(
    stack: Stack, browser: Browser
) -> None:
    inbox = Inbox(new_page(browser), stack.web_url)
    inbox.open()
    inbox.set_online(True)
    visitor = visitor_page(browser, stack)
    visitor.open()
    visitor.say("i want to speak to a human")
    visitor.bot_says(QUEUED)
    take_next(inbox)
    wait_for_bubble(visitor, "notice", JOINED)

    # A red flag gets Rasa's emergency message at once, though staff hold the conversation.
    visitor.say("my throat is swelling and I can't breathe")
    visitor.bot_says("call 911")
    wait_until(
        lambda: any(m.startswith("Emergency reply: ") for m in inbox.messages()),
        what="the emergency reply shown to staff",
    )

    # Hostile text both ways shows as text and runs nothing.
    attack = HOSTILE[0]
    visitor.say(attack)
    wait_until(lambda: f"Visitor: {attack}" in inbox.messages(), what="the visitor's payload")
    for payload in HOSTILE:
        inbox.send(payload)
    for payload in HOSTILE:
        wait_for_bubble(visitor, "staff", payload)
    for page in (visitor.page, inbox.page):
        assert page.evaluate("window.__pwned") is None
    assert (
        visitor.shadow(
            "root.querySelectorAll('.log img, .log script, .log svg:not([aria-hidden])').length"
        )
        == 0
    )

    # Closing files a resolved case with the whole transcript and who held the chat.
    inbox.page.get_by_role("button", name="Close chat").click()
    wait_for_bubble(visitor, "notice", "Maria closed the chat.")
    wait_until(
        lambda: live_chat_of(stack, visitor.sender()).reference,
        what="the closed chat's handoff",
    )
    chat = live_chat_of(stack, visitor.sender())
    assert chat.state == "closed" and chat.taken_by == STAFF
    store = HandoffStore.from_url(f"sqlite:///{stack.db_path}")
    case = store.get(str(chat.reference))
    assert case is not None and case.status == "resolved"
    roles = [(t["role"], t.get("staff"), t["text"]) for t in case.transcript]
    assert ("visitor", None, "i want to speak to a human") in roles
    assert ("staff", "Maria", HOSTILE[1]) in roles
    assert any(role == "assistant" and "911" in text for role, _, text in roles)
    detail = inbox.page.goto(f"{stack.web_url}/staff/handoffs/{chat.reference}")
    assert detail is not None and detail.ok
    expect(inbox.page.get_by_text("Maria (staff)").first).to_be_visible()
    expect(inbox.page.get_by_text("live chat closed")).to_be_visible()
    assert inbox.page.evaluate("window.__pwned") is None

    # Afterwards the bot has the conversation again.
    visitor.say("How long does Botox last?")
    visitor.bot_says(DURATION)
    assert visitor.errors == [] and inbox.errors == []


def complete_form(visitor: Chat) -> str:
    """Name, email and consent; the stored handoff's reference the bot states."""
    visitor.bot_says("What name should our staff use for you?")
    visitor.say("Sam Lee")
    visitor.bot_says("email")
    visitor.say("sam@example.com")
    visitor.reply("Yes, that's fine").click()
    visitor.bot_says("within 24 hours")
    reference = re.search(r"reference (AL-[\w-]+)\)", visitor.bubbles()[-1])
    assert reference, visitor.bubbles()[-1]
    return reference.group(1)


def test_nobody_online_gets_the_form_and_a_stored_handoff(stack: Stack, browser: Browser) -> None:
    inbox = Inbox(new_page(browser), stack.web_url)
    inbox.open()
    inbox.set_online(False)
    visitor = visitor_page(browser, stack)
    visitor.open()
    visitor.bot_says("Nobody from our team is online right now")
    visitor.say("do you accept insurance?")
    visitor.bot_says("Would you like one of our staff to get back to you")
    visitor.reply("Yes, please").click()
    visitor.bot_says("Nobody from our team is online right now")
    reference = complete_form(visitor)
    stored = HandoffStore.from_url(f"sqlite:///{stack.db_path}").get(reference)
    assert stored is not None and stored.question == "do you accept insurance?"
    assert (
        live_store.latest_for(
            HandoffStore.from_url(f"sqlite:///{stack.db_path}").engine, visitor.sender()
        )
        is None
    )  # no live chat was started


CLOSED_TODAY = "closed-today"
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def closed_now(now: datetime) -> str:
    """Office hours on one day two days from today in Portland, so closed at `now`."""
    today = now.astimezone(ZoneInfo("America/Los_Angeles")).weekday()
    return f"{DAYS[(today + 2) % 7]} 09:00-17:00"


@pytest.mark.parametrize(
    ("hours", "wait", "said"),
    [
        # Nobody takes the chat within BOT_LIVE_WAIT_SECONDS (here 1 s, and it is later now).
        ("Mon-Sun 00:00-24:00", 1.0, "nobody from our team could take your chat"),
        # The office closes while the visitor waits: open only on a day two days from today.
        (CLOSED_TODAY, 120.0, "Our office has just closed"),
    ],
    ids=["timeout", "office-closes"],
)
def test_an_unanswered_wait_ends_in_the_form_with_nothing_lost(
    stack: Stack, browser: Browser, hours: str, wait: float, said: str
) -> None:
    inbox = Inbox(new_page(browser), stack.web_url)
    inbox.open()
    inbox.set_online(True)
    visitor = visitor_page(browser, stack)
    visitor.open()
    visitor.say("can i talk to a nurse")
    visitor.bot_says(QUEUED)
    visitor.say("Can I have it while breastfeeding?")
    chat = live_chat_of(stack, visitor.sender())
    wait_until(
        lambda: (
            live_store.visitor_texts(engine(stack), chat.id)
            == ["Can I have it while breastfeeding?"]
        ),
        what="the visitor's message kept",
    )

    # The web service's own sweep, run here at the moment the wait ends, on the real clock
    # (a fixed date becomes the past, and notices would then sort before the visitor's words).
    time.sleep(1.1)
    when = datetime.now(timezone.utc)
    hours = closed_now(when) if hours == CLOSED_TODAY else hours
    # In a thread of its own: Playwright's sync API holds this thread's event loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, sweep(stack, hours, wait, when)).result()
    visitor.bot_says(said)
    visitor.bot_says("I've kept what you wrote as your question.")
    reference = complete_form(visitor)
    stored = HandoffStore.from_url(f"sqlite:///{stack.db_path}").get(reference)
    assert stored is not None
    assert "Can I have it while breastfeeding?" in stored.question
    assert live_chat_of(stack, visitor.sender()).state == "form"
    assert visitor.errors == []


def engine(stack: Stack) -> Any:
    return HandoffStore.from_url(f"sqlite:///{stack.db_path}").engine


async def sweep(stack: Stack, hours: str, wait: float, now: datetime) -> None:
    config = LiveConfig(OfficeHours.parse(hours, zone="America/Los_Angeles"), wait_seconds=wait)
    async with aiohttp.ClientSession() as http:
        live = Live(engine(stack), config, Hub(), Tracker(http, stack.url, stack.token))
        assert await live.sweep(now) == 1


SPANISH_PAGE = """<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>Botox para la rosácea</title></head>
<body><main><h1>Botox para la rosácea</h1></main>
<script src="/widget.js" defer></script></body></html>"""


def test_a_spanish_page_gets_spanish_widget_words_and_a_spanish_handoff(
    stack: Stack, browser: Browser
) -> None:
    inbox = Inbox(new_page(browser), stack.web_url)
    inbox.open()
    inbox.set_online(False)  # no live chat: the Spanish handoff form, end to end
    page = new_page(browser)
    # A page of the clinic's Spanish site, on the widget's origin, that says lang="es".
    page.route(
        f"{stack.web_url}/es/",
        lambda route: route.fulfill(body=SPANISH_PAGE, content_type="text/html; charset=utf-8"),
    )
    page.goto(f"{stack.web_url}/es/")
    launcher = page.get_by_role("button", name="Abrir chat")
    launcher.click()
    panel = page.get_by_role("dialog", name="Pregunte a Aluma")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("button", name="Empezar de nuevo")).to_be_visible()
    expect(panel.get_by_role("button", name="Enviar")).to_be_visible()
    expect(panel.get_by_role("button", name="Cerrar chat")).to_be_visible()
    box = page.get_by_role("textbox", name="Su mensaje")
    expect(box).to_have_attribute("placeholder", "Escriba su pregunta")
    log = page.get_by_role("log", name="Conversación")
    # The greeting is the assistant's Spanish one, before the visitor has written a word.
    expect(log).to_contain_text("¡Hola! Soy el asistente virtual de Aluma.")

    def say(text: str, then: str) -> None:
        box.fill(text)
        box.press("Enter")
        expect(log).to_contain_text(then)

    say("quiero hablar con una persona", "¿Qué le gustaría preguntarle a nuestro personal?")
    expect(log).to_contain_text("Nadie de nuestro equipo está en línea ahora")
    say("¿Aceptan seguro médico?", "¿Con qué nombre desea que nuestro personal")
    say("Lucía Gómez", "¿Cuál es el mejor correo electrónico o número de teléfono")
    say("lucia@example.com", "¿Está de acuerdo en que guardemos estos datos")
    page.get_by_role("group", name="Preguntas sugeridas").get_by_role(
        "button", name="Sí, está bien"
    ).click()
    expect(log).to_contain_text("le responderemos dentro de 24 horas")
    found = re.search(r"referencia (AL-[\w-]+)\)", log.inner_text())
    assert found, log.inner_text()
    stored = HandoffStore.from_url(f"sqlite:///{stack.db_path}").get(found.group(1))
    assert stored is not None
    assert (stored.name, stored.contact, stored.question) == (
        "Lucía Gómez",
        "lucia@example.com",
        "¿Aceptan seguro médico?",
    )
    # The inbox shows staff which language the visitor wrote in.
    inbox.page.goto(f"{stack.web_url}/staff/handoffs/{found.group(1)}")
    expect(inbox.page.get_by_role("row", name="Language Spanish")).to_be_visible()
    assert (
        page.locator("aluma-chat").evaluate(
            "h => h.shadowRoot.querySelector('.msg.user .sr').textContent"
        )
        == "Usted: "
    )
