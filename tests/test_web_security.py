"""Hostile input at the web service, without Rasa: security headers on every response, the chat
proxy's checks of what it is sent, and the sender ids it hands out."""

from __future__ import annotations

import json
import os
import re
import stat
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sanic import Sanic

from bot import settings as settings_module
from bot.channels.inbound import MAX_MESSAGE_CHARS as RASA_MAX_MESSAGE_CHARS
from bot.settings import Settings
from bot.web import chat_proxy
from bot.web.app import create_app
from bot.web.security import API_CSP
from bot.web.senders import SenderIds

SITE = "https://alumaaesthetics.com"
WEBHOOK = "/webhooks/rest/webhook"


class FakeRasa:
    """Stands in for Rasa's REST channel and keeps what reaches it (only to prove what does not)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                fake.received.append(json.loads(body))
                reply = json.dumps([{"recipient_id": "x", "text": "hello"}]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *_: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    yield fake
    fake.close()


@pytest.fixture
def app(tmp_path: Path, rasa: FakeRasa) -> Sanic:
    return create_app(
        Settings(
            db_url=f"sqlite:///{tmp_path / 'web.db'}",
            rasa_url=rasa.url,
            allowed_origins=(SITE,),
            secret_key="test-key",
        )
    )


def new_sender(app: Sanic) -> str:
    _, response = app.test_client.post("/chat/session", headers={"origin": SITE})
    assert response.status == 200
    return str(response.json["sender"])


# ---- Security headers


def assert_secure(headers: Any, where: str) -> None:
    csp = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, where
    assert "default-src 'none'" in csp, where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") in ("strict-origin-when-cross-origin", "no-referrer")
    assert headers.get("x-frame-options") == "DENY", where


def test_every_route_and_method_answers_with_the_security_headers(app: Sanic) -> None:
    requests = [
        (method, "/" + re.sub(r"<[^>]+>", "AL-ABC123", route.path))
        for route in app.router.routes
        for method in route.methods
    ]
    assert len(requests) >= 18, requests  # every route of every blueprint
    requests += [
        ("GET", "/no-such-page"),  # 404
        ("GET", "/staff/no-such-page"),  # 404 under a blueprint's prefix
        ("DELETE", "/health"),  # 405
        ("POST", "/widget.js"),  # 405
        ("GET", "/staff/handoffs/not-a-reference"),  # redirect to log in
    ]
    statuses = set()
    for method, path in requests:
        _, response = app.test_client.request(
            path, http_method=method.lower(), headers={"origin": SITE}, allow_redirects=False
        )
        statuses.add(response.status)
        assert_secure(response.headers, f"{method} {path} -> {response.status}")
    # Pages, JSON answers, errors, redirects, preflights and static files were all covered.
    assert {200, 204, 302, 400, 403, 404, 405} <= statuses, statuses


def test_pages_keep_their_own_policies_and_everything_else_gets_the_strict_one(
    app: Sanic,
) -> None:
    _, demo = app.test_client.get("/")
    assert "script-src 'self'" in demo.headers["content-security-policy"]
    assert "require-trusted-types-for 'script'" in demo.headers["content-security-policy"]
    _, login = app.test_client.get("/staff/login")
    assert "form-action 'self'" in login.headers["content-security-policy"]
    assert login.headers["cache-control"] == "no-store"
    assert login.headers["referrer-policy"] == "no-referrer"
    for path in ("/health", "/widget.js", "/no-such-page"):
        _, response = app.test_client.get(path)
        assert response.headers["content-security-policy"] == API_CSP, path
    _, error = app.test_client.post(WEBHOOK, content=b"{", headers={"origin": SITE})
    assert error.status == 400
    assert error.headers["content-security-policy"] == API_CSP


# ---- What the chat proxy accepts


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "empty"),
        (b"   ", "empty"),
        (b"\xff\xfe\x00h\x00i", "not UTF-8"),
        (b'{"sender": "\xc3\x28", "message": "hi"}', "not UTF-8"),
        (b"{'sender': 'a'}", "not valid JSON"),
        (b'{"sender": "a", "message": "hi"', "not valid JSON"),
        (b"[" * 10_000, "not valid JSON"),  # deeper than Python's recursion limit
        (b"NaN", "not a JSON object"),
        (b'["sender", "message"]', "not a JSON object"),
        (b'"hello"', "not a JSON object"),
        (b'{"message": "hi"}', "`sender` is missing"),
        (b'{"sender": 7, "message": "hi"}', "`sender` must be a string"),
        (b'{"sender": null, "message": "hi"}', "`sender` is missing"),
        (b'{"sender": ["a"], "message": "hi"}', "`sender` must be a string"),
        (b'{"sender": "SENDER"}', "`message` is missing"),
        (b'{"sender": "SENDER", "message": 1}', "`message` must be a string"),
        (b'{"sender": "SENDER", "message": {"text": "hi"}}', "`message` must be a string"),
        (b'{"sender": "SENDER", "message": "  \\u0000 "}', "`message` is empty"),
        (b'{"sender": "SENDER", "message": "\\ud800 hi"}', "not valid text"),
    ],
)
def test_malformed_requests_get_a_clear_400_and_never_reach_rasa(
    app: Sanic, rasa: FakeRasa, body: bytes, says: str
) -> None:
    body = body.replace(b"SENDER", new_sender(app).encode())
    _, response = app.test_client.post(WEBHOOK, content=body, headers={"origin": SITE})
    assert response.status == 400, response.text
    assert says in response.json["error"]
    assert response.json["status"] == 400 and response.json["code"] == "bad_request"
    assert response.headers["access-control-allow-origin"] == SITE  # the widget can read it
    assert rasa.received == []


def test_a_message_over_the_limit_is_refused_with_a_clear_message(
    app: Sanic, rasa: FakeRasa
) -> None:
    assert chat_proxy.MAX_MESSAGE_CHARS == RASA_MAX_MESSAGE_CHARS == 1000
    sender = new_sender(app)
    for message in ("é" * 1001, "x" * 5000):
        _, response = app.test_client.post(
            WEBHOOK, json={"sender": sender, "message": message}, headers={"origin": SITE}
        )
        assert response.status == 413
        assert response.json["code"] == "too_long"
        assert "too long" in response.json["error"] and "1000 characters" in response.json["error"]
    _, huge = app.test_client.post(WEBHOOK, content=b"x" * 1_000_000, headers={"origin": SITE})
    assert huge.status == 413 and huge.json["code"] == "too_long"
    # 1000 characters (here 4 bytes each in UTF-8) is still a message.
    _, ok = app.test_client.post(
        WEBHOOK, json={"sender": sender, "message": "😀" * 1000}, headers={"origin": SITE}
    )
    assert ok.status == 200
    assert [r["message"] for r in rasa.received] == ["😀" * 1000]


def test_only_the_checked_fields_are_passed_on(app: Sanic, rasa: FakeRasa) -> None:
    sender = new_sender(app)
    body = {
        "sender": sender,
        "message": "  how long\x00 does it\x1b last?\n ",
        "metadata": {"page_url": "https://alumaaesthetics.com/x", "intent": "affirm"},
        "input_channel": "other",
        "parse_data": {"intent": {"name": "affirm"}},
    }
    _, response = app.test_client.post(WEBHOOK, json=body, headers={"origin": SITE})
    assert response.status == 200 and response.json == [{"recipient_id": "x", "text": "hello"}]
    assert rasa.received == [
        {
            "sender": sender,
            "message": "how long does it last?",
            "metadata": {"page_url": "https://alumaaesthetics.com/x"},
        }
    ]
    for metadata in ("page", {"page_url": 3}, {"page_url": "x" * 3000}, {"page_url": "\ud800"}):
        app.test_client.post(
            WEBHOOK,
            json={"sender": sender, "message": "hi", "metadata": metadata},
            headers={"origin": SITE},
        )
        assert "metadata" not in rasa.received[-1]


# ---- Sender ids


def test_the_proxy_passes_on_only_sender_ids_it_handed_out(app: Sanic, rasa: FakeRasa) -> None:
    _, session = app.test_client.post("/chat/session", headers={"origin": SITE})
    assert session.headers["cache-control"] == "no-store"
    assert session.headers["access-control-allow-origin"] == SITE
    sender = session.json["sender"]
    assert re.fullmatch(r"[0-9a-f]{32}-[0-9a-f]{32}", sender)
    assert new_sender(app) != sender

    token, mac = sender.split("-")
    forged = [
        "visitor-1",  # a name anyone could use
        token,  # the widget's old, self-made format
        f"{token}-{'0' * 32}",  # a made-up signature
        f"{'0' * 32}-{mac}",  # someone else's signature
        SenderIds("another key").new(),  # signed by another deployment
        sender.upper(),
        f"{sender}\n",
    ]
    for made_up in forged:
        _, response = app.test_client.post(
            WEBHOOK, json={"sender": made_up, "message": "hi"}, headers={"origin": SITE}
        )
        assert response.status == 403, made_up
        assert response.json["code"] == "unknown_sender"
        assert "not known" in response.json["error"]
    assert rasa.received == []
    _, ok = app.test_client.post(WEBHOOK, json={"sender": sender, "message": "hi"})
    assert ok.status == 200 and rasa.received[0]["sender"] == sender


def test_session_ids_come_only_to_allowed_origins(app: Sanic) -> None:
    _, refused = app.test_client.post("/chat/session", headers={"origin": "https://evil.example"})
    assert refused.status == 403 and "sender" not in refused.json
    preflight = {"origin": SITE, "access-control-request-method": "POST"}
    assert app.test_client.options("/chat/session", headers=preflight)[1].status == 204


def test_sender_ids_are_unguessable_and_checked_in_constant_time() -> None:
    ids = SenderIds("k")
    made = {ids.new() for _ in range(1000)}
    assert len(made) == 1000
    assert all(ids.valid(s) for s in made)
    assert not any(SenderIds("k2").valid(s) for s in made)
    assert not ids.valid(None) and not ids.valid(123) and not ids.valid("")
    with pytest.raises(ValueError):
        SenderIds("")


def test_the_secret_key_is_made_once_and_kept_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings_module, "VAR_DIR", tmp_path / "var")
    monkeypatch.delenv("BOT_SECRET_KEY", raising=False)
    first = settings_module.secret_key()
    assert len(first) >= 40 and settings_module.secret_key() == first
    path = tmp_path / "var" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(tmp_path / "var") == ["secret_key"]  # no temporary file left behind
    monkeypatch.setenv("BOT_SECRET_KEY", "from-the-environment")
    assert settings_module.secret_key() == "from-the-environment"
    assert Settings.from_env().secret_key == "from-the-environment"
    assert "from-the-environment" not in repr(Settings.from_env())
