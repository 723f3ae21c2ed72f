"""The Socket.IO channel with a real socket.io client over a websocket, as rasa-webchat uses it,
and with rasa-webchat itself in chromium on the clinic's own site (another origin).

With Rasa 3.6's own channel and python-socketio >= 5.10, a client with session persistence gets
no reply at all (RasaHQ/rasa #13027); these tests fail on that channel. The shared stack runs
Rasa's default workers, so rasa-webchat's long-polling requests reach several of them."""

from __future__ import annotations

import queue
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import socketio
from playwright.sync_api import Browser

from testkit.servers import Stack
from tests.browser import chromium
from tests.browser.webchat import (
    ClinicSite,
    converse_on_the_clinics_site,
    refused_on_a_site_not_allowed,
)

pytestmark = [pytest.mark.model, pytest.mark.servers]


class Widget:
    """A socket.io client that behaves like rasa-webchat."""

    def __init__(self, url: str) -> None:
        self.client = socketio.Client(reconnection=False)
        self.confirmed: queue.Queue[Any] = queue.Queue()
        self.replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self.client.on("session_confirm", self.confirmed.put)
        self.client.on("bot_uttered", self.replies.put)
        self.client.connect(url, socketio_path="/socket.io", transports=["websocket"])

    def session(self, session_id: Any) -> Any:
        self.client.emit("session_request", session_id)
        return self.confirmed.get(timeout=10)

    def say(self, session_id: str, text: str, metadata: Any = None) -> dict[str, Any]:
        self.client.emit(
            "user_uttered",
            {"message": text, "session_id": session_id, "customData": metadata or {}},
        )
        return self.replies.get(timeout=30)

    def close(self) -> None:
        self.client.disconnect()


def test_socketio_client_with_session_persistence_gets_replies(stack: Stack) -> None:
    widget = Widget(stack.url)
    try:
        session = uuid.uuid4().hex
        assert widget.session({"session_id": session}) == session
        greeting = widget.say(session, "hi", {"page_url": "https://example.com/"})
        assert "24 hours" in greeting["text"]
        assert greeting.get("quick_replies") or greeting.get("buttons")
        assert "10-20 units" in widget.say(session, "how many units are used?")["text"]
    finally:
        widget.close()

    # A widget reconnecting with its stored session id continues the same conversation.
    again = Widget(stack.url)
    try:
        assert again.session({"session_id": session}) == session
        assert "insurance" in again.say(session, "is it covered by insurance?")["text"]
        # Replies are emitted before the tracker is saved: give the store a moment.
        deadline = time.monotonic() + 10
        while len(history := [e["text"] for e in stack.user_events(session)]) < 3:
            assert time.monotonic() < deadline, history
            time.sleep(0.2)
        assert history == ["hi", "how many units are used?", "is it covered by insurance?"]
    finally:
        again.close()


def test_malformed_socketio_messages_do_not_break_the_channel(stack: Stack) -> None:
    widget = Widget(stack.url)
    try:
        session = widget.session("not a dict")  # the server hands out a fresh session id
        assert isinstance(session, str) and len(session) == 32
        assert "24 hours" in widget.say(session, "hello", "{bad json")["text"]
    finally:
        widget.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


def test_rasa_webchat_on_the_clinics_site_answers_and_keeps_the_conversation(
    browser: Browser, clinic_site: ClinicSite, stack: Stack
) -> None:
    session, *said = converse_on_the_clinics_site(browser, clinic_site, stack.url)
    deadline = time.monotonic() + 10  # replies are emitted before the tracker is saved
    while [e["text"] for e in stack.user_events(session)] != said:
        assert time.monotonic() < deadline, stack.user_events(session)
        time.sleep(0.2)


def test_rasa_webchat_on_a_site_not_allowed_gets_no_connection(
    browser: Browser, clinic_site: ClinicSite, stack: Stack
) -> None:
    refused_on_a_site_not_allowed(browser, clinic_site, stack.url)


def test_rasas_channels_answer_preflights_for_allowed_origins_only(
    stack: Stack, clinic_port: int
) -> None:
    site = f"http://127.0.0.1:{clinic_port}"  # on the stack's BOT_ALLOWED_ORIGINS
    polling = f"{stack.url}/socket.io/?EIO=4&transport=polling"
    webhook = f"{stack.url}/webhooks/rest/webhook"
    for url, method in ((polling, "GET"), (webhook, "POST")):
        asks = {
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type",
        }
        allowed = requests.options(url, headers={"Origin": site, **asks}, timeout=10)
        assert allowed.status_code in (200, 204), (url, allowed.status_code)
        assert allowed.headers["Access-Control-Allow-Origin"] == site
        assert "content-type" in allowed.headers["Access-Control-Allow-Headers"].lower()
        assert method in allowed.headers["Access-Control-Allow-Methods"]
        other = requests.options(
            url, headers={"Origin": "https://evil.example", **asks}, timeout=10
        )
        assert other.status_code in (400, 403), (url, other.status_code)
        assert "Access-Control-Allow-Origin" not in other.headers
    handshake = requests.get(polling, headers={"Origin": site}, timeout=10)
    assert handshake.status_code == 200 and '"sid"' in handshake.text
    assert handshake.headers["Access-Control-Allow-Origin"] == site
    assert (
        requests.get(polling, headers={"Origin": "https://evil.example"}, timeout=10).status_code
        == 400
    )
