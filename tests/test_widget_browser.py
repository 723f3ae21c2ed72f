"""The website widget in a real browser (Debian's chromium, driven by Playwright) against the
real assistant: Rasa, the action server and the web service, as `make run` starts them.

One browser and one stack for the module; each test gets a fresh browser context (its own
localStorage), so each is a new visitor unless it reloads its own page.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Dialog, Page, Request, Route, expect

from bot import services
from bot.handoffs.store import HandoffStore
from testkit.servers import Stack, free_port
from tests.browser import ARTIFACTS, Chat, axe_violations, chromium, widget_contrast
from tests.local_servers import WebProcess

pytestmark = [pytest.mark.model, pytest.mark.servers]

WEBHOOK = "/webhooks/rest/webhook"
# A page of another site that embeds the widget with every option set.
THIRD_PARTY_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Another site</title></head>
<body><main><h1>Another site</h1><p>Some content.</p></main>
<script src="{server}/widget.js" data-server="{server}" data-title="Questions?"
        data-color="#f4c542" data-position="left" data-open="true" defer></script>
</body></html>"""


class Site:
    """The other site: one page on one port, reached as two origins (127.0.0.1 and localhost)."""

    def __init__(self, server: str) -> None:
        body = THIRD_PARTY_PAGE.format(server=server).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.allowed = f"http://127.0.0.1:{self.port}"
        self.refused = f"http://localhost:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def site_and_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Stack]]:
    web_port = free_port()
    site = Site(f"http://localhost:{web_port}")
    origins = f"http://localhost:{web_port},{site.allowed}"
    stack = Stack(
        tmp_path_factory.mktemp("widget"),
        web_port=web_port,
        # Every visitor here is 127.0.0.1: the limit has its own test below.
        env={"BOT_ALLOWED_ORIGINS": origins, "BOT_CHAT_RATE_PER_MINUTE": "0"},
    )
    try:
        yield site, stack.start()
    finally:
        stack.stop()
        site.close()


@pytest.fixture(scope="module")
def stack(site_and_stack: tuple[Site, Stack]) -> Stack:
    return site_and_stack[1]


@pytest.fixture(scope="module")
def site(site_and_stack: tuple[Site, Stack]) -> Site:
    return site_and_stack[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def chat(page: Page, stack: Stack) -> Iterator[Chat]:
    """The demo page with the widget; no CSP violation or script error may happen on it."""
    widget = Chat(page)
    response = page.goto(f"{stack.web_url}/")
    assert response is not None and response.ok
    assert "script-src 'self'" in response.headers["content-security-policy"]
    yield widget
    assert widget.errors == []


def test_greeting_quick_reply_and_free_text(chat: Chat, stack: Stack) -> None:
    expect(chat.launcher).to_have_attribute("aria-expanded", "false")
    chat.open()
    expect(chat.input).to_be_focused()
    chat.bot_says("get back to you within 24 hours")
    assert chat.quick_replies.get_by_role("button").count() >= 3

    # A quick reply shows its title and sends its payload, with the page URL as metadata.
    chat.reply("How long does it last?").click()
    chat.bot_says("three months")
    expect(chat.input).to_be_focused()
    assert chat.bubbles()[-2] == "How long does it last?"
    [*_, asked] = stack.user_events(chat.sender())
    assert asked["text"] == "How long does Botox for rosacea last?"
    assert asked["metadata"]["page_url"] == f"{stack.web_url}/"

    # Free text; the typing indicator shows while the answer is on its way.
    held: list[Route] = []
    chat.page.route(f"**{WEBHOOK}", lambda route: held.append(route))
    chat.say("how many units do u use for rosacea")
    expect(chat.typing).to_contain_text("typing")
    expect(chat.log.locator(".msg.user .text").last).to_have_text(
        "how many units do u use for rosacea"
    )
    expect(chat.log.locator(".msg.user .note").last).to_have_text("")  # on its way, not failed
    assert len(held) == 1
    held[0].continue_()
    chat.page.unroute(f"**{WEBHOOK}")
    chat.bot_says("10-20 units")
    expect(chat.typing).to_have_text("")


def test_handoff_completes_inside_the_chat(chat: Chat, stack: Stack) -> None:
    chat.open()
    chat.bot_says("24 hours")
    chat.say("do you accept insurance?")
    chat.bot_says("Would you like one of our staff to get back to you")
    # The office phone is a tel: link; nothing else in the answer is.
    phone = chat.log.get_by_role("link", name="503-688-9235").last
    expect(phone).to_have_attribute("href", "tel:+15036889235")

    chat.reply("Yes, please").click()
    chat.bot_says("What name should our staff use for you?")
    chat.say("Sam Lee")
    chat.bot_says("email")
    chat.say("sam at example")
    chat.bot_says("doesn't look like an email")
    chat.say("sam@example.com")
    chat.bot_says('about: "do you accept insurance?"')
    chat.reply("Yes, that's fine").click()
    chat.bot_says("within 24 hours")

    reference = re.search(r"reference (AL-[\w-]+)\)", chat.bubbles()[-1])
    assert reference, chat.bubbles()[-1]
    stored = HandoffStore.from_url(f"sqlite:///{stack.db_path}").get(reference.group(1))
    assert stored is not None
    assert (stored.name, stored.contact, stored.question) == (
        "Sam Lee",
        "sam@example.com",
        "do you accept insurance?",
    )
    assert stored.page_url == f"{stack.web_url}/"  # staff see where the visitor was


def test_conversation_survives_reload_and_navigation_and_starts_over(
    chat: Chat, stack: Stack
) -> None:
    chat.open()
    chat.bot_says("24 hours")
    chat.say("I'd like someone from the clinic to get back to me")
    chat.bot_says("What would you like to ask our staff?")
    chat.say("Do you offer payment plans?")
    chat.bot_says("What name should our staff use for you?")
    before, sender = chat.bubbles(), chat.sender()
    assert len(before) == 5

    chat.page.reload()
    expect(chat.panel).to_be_visible()  # it was open, so it stays open
    expect(chat.log.locator(".msg")).to_have_count(5)
    assert chat.bubbles() == before

    chat.page.goto("about:blank")
    chat.page.goto(f"{stack.web_url}/")
    expect(chat.log.locator(".msg")).to_have_count(5)
    assert chat.bubbles() == before and chat.sender() == sender
    chat.say("Robin")  # the same conversation goes on: the form asks for the next field
    chat.bot_says("email address or phone number")

    chat.panel.get_by_role("button", name="Start over").click()
    expect(chat.input).to_be_focused()
    chat.bot_says("24 hours")
    expect(chat.log.locator(".msg")).to_have_count(1)
    assert chat.sender() != sender
    assert chat.page.evaluate(f"localStorage.getItem('aluma-chat:conv:{sender}')") is None
    chat.say("Robin")  # a new conversation: no form is waiting for a name
    expect(chat.log.locator(".msg.bot")).not_to_have_count(1)
    assert not any("email" in text for text in chat.answer()), chat.answer()


def test_unreachable_server_keeps_the_message_and_delivers_it_later(
    chat: Chat, stack: Stack
) -> None:
    chat.open()
    chat.bot_says("24 hours")
    sender = chat.sender()
    tries: list[str] = []  # the message id of each sending of the question

    def sent(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/webhooks/rest/webhook"):
            body = json.loads(request.post_data or "{}")
            if body.get("message") == "how long do the results last":
                tries.append(body.get("message_id"))

    chat.page.on("request", sent)
    services.stop(stack.rasa)
    try:
        chat.say("how long do the results last")
        expect(chat.alert).to_contain_text("can't reach the assistant")
        expect(chat.alert).to_contain_text("Your message is saved")
        unsent = chat.log.locator(".msg.user").last
        expect(unsent).to_contain_text("how long do the results last")
        expect(unsent).to_contain_text("Not sent yet")
        contrast = widget_contrast(chat.page)  # the error colours too
        assert contrast["violations"] == [] and contrast["incomplete"] == []

        # Still kept, and still tried, after a reload.
        chat.page.reload()
        expect(chat.log.locator(".msg.user").last).to_contain_text("Not sent yet")
        expect(chat.alert).to_contain_text("can't reach the assistant")

        chat.input.click()
        chat.page.keyboard.press("Escape")
        expect(chat.panel).to_be_hidden()
        expect(chat.launcher).to_be_focused()
    finally:
        services.start(stack.rasa)

    # Delivered by a retry while the panel is closed: the launcher counts the unread answer.
    expect(chat.launcher).to_have_accessible_name(
        re.compile(r"chat, 1 unread message$"), timeout=40_000
    )
    expect(chat.page.locator("aluma-chat .badge")).to_have_text("1")
    chat.launcher.click()
    chat.bot_says("three months")
    expect(chat.alert).to_have_text("")
    expect(chat.log.locator(".note:not(:empty)")).to_have_count(0)
    chat.page.keyboard.press("Escape")
    expect(chat.page.locator("aluma-chat .badge")).to_be_hidden()
    # However long Rasa took to start, retries joined the first sending: it got the message once.
    texts = [e["text"] for e in stack.user_events(sender)]
    assert texts.count("how long do the results last") == 1
    # Every try, before and after the reload, carried the one id the proxy sends it once by.
    assert len(tries) >= 3 and len(set(tries)) == 1 and re.fullmatch(r"[0-9a-f]{32}", tries[0])


def test_untrusted_text_is_shown_as_text_and_never_runs(browser: Browser, stack: Stack) -> None:
    # A host page without a CSP (most pages that embed a widget): only the widget protects it.
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        dialogs: list[str] = []

        def on_dialog(dialog: Dialog) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        chat = Chat(page)
        page.goto(f"{stack.web_url}/")
        chat.open()
        chat.bot_says("24 hours")
        chat.say("I'd like someone from the clinic to get back to me")
        chat.bot_says("What would you like to ask our staff?")
        attack = (
            "<img src=x onerror=alert(1)> is javascript:alert(2) safe? "
            "<a href=javascript:alert(3)>see</a> https://example.com/faq?q=1."
        )
        chat.say(attack)
        chat.bot_says("What name")
        chat.say("Sam")
        chat.bot_says("email")
        chat.say("sam@example.com")
        chat.bot_says("Is it OK for us to store these details")  # the bot repeats the question

        assert attack in chat.bubbles()  # the visitor's bubble, verbatim
        assert attack in chat.bubbles()[-1]  # and the bot's echo of it
        assert chat.shadow("root.querySelectorAll('img, script, iframe').length") == 0
        links = chat.shadow(
            "[...root.querySelectorAll('.log a')].map(a => [a.href, a.target, a.rel])"
        )
        assert ["https://example.com/faq?q=1", "_blank", "noopener noreferrer"] in links
        assert all(href.split(":")[0] in {"https", "http", "mailto", "tel"} for href, *_ in links)
        chat.log.get_by_text("javascript:alert(2)").last.click()
        page.wait_for_timeout(300)
        assert dialogs == []
        assert chat.errors == []
    finally:
        context.close()


def test_keyboard_accessibility_and_screenshots(chat: Chat, stack: Stack) -> None:
    page = chat.page
    assert axe_violations(page) == []  # closed

    for _ in range(10):  # Tab through the page to the launcher
        page.keyboard.press("Tab")
        if chat.launcher.evaluate("el => el.matches(':focus')"):
            break
    expect(chat.launcher).to_be_focused()
    outline = chat.launcher.evaluate(
        "el => [getComputedStyle(el).outlineStyle, parseFloat(getComputedStyle(el).outlineWidth)]"
    )
    assert outline[0] != "none" and outline[1] >= 2  # visible focus
    page.keyboard.press("Enter")
    expect(chat.panel).to_be_visible()
    expect(chat.input).to_be_focused()
    chat.bot_says("24 hours")
    page.keyboard.type("what is rosacea")
    page.keyboard.press("Enter")
    chat.bot_says("persistent skin disorder")

    page.keyboard.press("Shift+Tab")  # from the input back to the last quick reply
    expect(chat.reply("Can Botox help?")).to_be_focused()
    page.keyboard.press("Space")
    chat.bot_says("2012 study")
    expect(chat.input).to_be_focused()

    assert axe_violations(page) == []  # open, with a conversation
    contrast = widget_contrast(page)
    assert contrast["violations"] == [] and contrast["incomplete"] == []
    assert len(contrast["passes"]) >= 8  # header, bubbles, quick replies, input, send

    # Motion: the panel animates in, except for visitors who ask for reduced motion.
    animation = "root.querySelector('.panel').getAnimations().length"
    page.keyboard.press("Escape")
    chat.launcher.click()
    assert chat.shadow(animation) == 1
    page.emulate_media(reduced_motion="reduce")
    page.keyboard.press("Escape")
    chat.launcher.click()
    assert chat.shadow(animation) == 0

    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=ARTIFACTS / "widget-desktop.png")
    page.set_viewport_size({"width": 320, "height": 640})
    box = chat.panel.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    for control in (chat.input, chat.panel.get_by_role("button", name="Send")):
        expect(control).to_be_in_viewport()
    page.screenshot(path=ARTIFACTS / "widget-320.png")
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_focused()
    assert Path(ARTIFACTS / "widget-320.png").stat().st_size > 0


def test_other_sites_embed_it_only_when_allowed(page: Page, site: Site, stack: Stack) -> None:
    chat = Chat(page)
    page.goto(f"{site.allowed}/")
    # data-open, data-title, data-position and data-color, across origins through CORS.
    expect(page.get_by_role("dialog", name="Questions?")).to_be_visible()
    chat.bot_says("24 hours")
    contrast = widget_contrast(page)  # dark text on the light custom colour
    assert contrast["violations"] == [] and contrast["incomplete"] == []
    page.keyboard.press("Escape")
    chat.launcher.click()
    page.keyboard.press("Escape")
    box = chat.launcher.bounding_box()
    assert box is not None and box["x"] < 100  # data-position="left"
    assert chat.errors == []

    page.goto(f"{site.refused}/")  # not in BOT_ALLOWED_ORIGINS
    expect(chat.alert).to_contain_text("can't reach the assistant")
    expect(chat.log.locator(".msg.bot")).to_have_count(0)


def test_the_rest_proxy_speaks_rasas_protocol_with_cors(stack: Stack, site: Site) -> None:
    url = f"{stack.web_url}{WEBHOOK}"
    session = requests.post(
        f"{stack.web_url}/chat/session", headers={"Origin": site.allowed}, timeout=10
    )
    assert session.headers["Access-Control-Allow-Origin"] == site.allowed
    body: dict[str, Any] = {
        "sender": session.json()["sender"],
        "message": "hi",
        "metadata": {"page_url": site.allowed},
    }
    reply = requests.post(url, json=body, headers={"Origin": site.allowed}, timeout=30)
    assert reply.status_code == 200
    assert reply.headers["Access-Control-Allow-Origin"] == site.allowed
    assert "24 hours" in reply.json()[0]["text"] and reply.json()[0]["buttons"]

    preflight = {"Origin": site.allowed, "Access-Control-Request-Method": "POST"}
    assert requests.options(url, headers=preflight, timeout=10).status_code == 204
    refused = {**preflight, "Origin": site.refused}
    assert requests.options(url, headers=refused, timeout=10).status_code == 403
    assert requests.post(url, json=body, headers=refused, timeout=10).status_code == 403
    made_up = {**body, "sender": "proxy-check"}
    unknown = requests.post(url, json=made_up, headers={"Origin": site.allowed}, timeout=10)
    assert unknown.status_code == 403 and unknown.json()["code"] == "unknown_sender"


def test_a_sender_id_the_server_did_not_hand_out_is_replaced(page: Page, stack: Stack) -> None:
    # A visitor (or a page script) plants someone's id, or the server's key has changed.
    forged = "0" * 32 + "-" + "1" * 32
    page.add_init_script(f"localStorage.setItem('aluma-chat:sender', '\"{forged}\"')")
    chat = Chat(page)
    page.goto(f"{stack.web_url}/")
    chat.open()
    chat.bot_says("24 hours")  # the greeting, under a new id the server handed out
    chat.say("how long do the results last")
    chat.bot_says("three months")
    sender = chat.sender()
    assert sender != forged and re.fullmatch(r"[0-9a-f]{32}-[0-9a-f]{32}", sender)
    assert [e["text"] for e in stack.user_events(sender)][-1] == "how long do the results last"
    assert stack.user_events(forged) == []
    expect(chat.alert).to_have_text("")
    assert chat.errors == []


def test_a_visitor_over_the_rate_limit_is_told_in_plain_words(
    page: Page, stack: Stack, tmp_path: Path
) -> None:
    # A web service of its own with a tiny limit, in front of the same Rasa.
    web = WebProcess(
        {
            "BOT_DB_URL": f"sqlite:///{stack.db_path}",
            "BOT_RASA_URL": stack.url,
            "BOT_CHAT_RATE_PER_MINUTE": "1",
            "BOT_CHAT_BURST": "2",  # the new session and the greeting
        },
        tmp_path / "web.log",
    ).start()
    try:
        chat = Chat(page)
        page.goto(f"{web.url}/")
        chat.open()
        chat.bot_says("24 hours")
        chat.say("how long do the results last")
        expect(chat.alert).to_contain_text(
            re.compile(
                r"You're sending messages faster than we can answer\. Please wait \d+ seconds "
                r"before sending another\. Your message is saved and will be sent then\."
            )
        )
        unsent = chat.log.locator(".msg.user").last
        expect(unsent).to_contain_text("how long do the results last")
        expect(unsent).to_contain_text("Not sent yet: retrying")
        assert chat.errors == []
    finally:
        web.stop()
