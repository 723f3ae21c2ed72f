"""Per-client rate limits on the public chat (messages and new sessions) and on staff login: a
429 with Retry-After and a clear message, other clients unaffected, and recovery once the
client waits (a clock the test moves, no sleeping)."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest
from sanic import Sanic

from bot.settings import Settings
from bot.web.app import create_app
from bot.web.ratelimit import RateLimiter, client_address, networks, retry_after
from testkit.servers import free_port

SITE = "https://alumaaesthetics.com"
WEBHOOK = "/webhooks/rest/webhook"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_app(tmp_path: Path, clock: Clock, **overrides: object) -> Sanic:
    fields: dict[str, object] = {
        "chat_rate_per_minute": 6,  # one every 10 s
        "chat_burst": 3,
        "login_rate_per_minute": 4,  # bursts of 4, then one every 15 s
        **overrides,
    }
    settings = Settings(
        db_url=f"sqlite:///{tmp_path / 'web.db'}",
        rasa_url=f"http://127.0.0.1:{free_port()}",  # Rasa is never reached here
        allowed_origins=(SITE,),
        **fields,  # type: ignore[arg-type]
    )
    return create_app(settings, clock=clock)


# ---- The limiter and the client address


def test_a_bucket_allows_its_burst_then_its_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=30, burst=5, clock=clock)
    assert [limiter.hit("a") for _ in range(5)] == [None] * 5
    wait = limiter.hit("a")
    assert wait == pytest.approx(2.0)  # 30 a minute: one every 2 s
    assert limiter.hit("b") is None  # another client has its own bucket
    clock.now += 2.0
    assert limiter.hit("a") is None
    assert limiter.hit("a") is not None
    clock.now += 3600
    assert [limiter.hit("a") for _ in range(6)][:5] == [None] * 5  # refilled to the burst only


def test_memory_is_bounded_and_a_limit_of_zero_is_off() -> None:
    limiter = RateLimiter(per_minute=60, burst=1, clock=Clock(), max_clients=100)
    for i in range(1000):
        limiter.hit(f"10.0.{i // 250}.{i % 250}")
    assert len(limiter) == 100
    off = RateLimiter(per_minute=0, burst=1)
    assert all(off.hit("a") is None for _ in range(1000)) and len(off) == 0
    assert retry_after(0.01) == 1 and retry_after(14.2) == 15


TRUSTED = networks(["127.0.0.1", "::1", "10.1.0.0/16"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.9", None, "203.0.113.9"),
        # Not from our proxy: whatever it claims to be forwarding for is ignored.
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("::1", "2001:db8::1", "2001:db8::1"),
        # A client's own X-Forwarded-For is kept by proxies that append: the last hop counts.
        ("127.0.0.1", "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        ("127.0.0.1", "1.2.3.4, 198.51.100.1, 10.1.2.3", "198.51.100.1"),
        ("127.0.0.1", "198.51.100.1:5123", "198.51.100.1"),
        ("127.0.0.1", "[2001:db8::2]:443", "2001:db8::2"),
        ("127.0.0.1", "::ffff:198.51.100.7", "198.51.100.7"),
        ("127.0.0.1", "10.1.0.5, 127.0.0.1", "10.1.0.5"),  # every hop is ours
        ("127.0.0.1", "1.2.3.4, unknown", "unknown"),
        ("127.0.0.1", " , ", "127.0.0.1"),
    ],
)
def test_the_client_is_the_peer_or_the_hop_before_our_proxies(
    peer: str, forwarded: str | None, client: str
) -> None:
    assert client_address(peer, forwarded, TRUSTED) == client


def test_trusted_proxies_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings.from_env().trusted_proxies == ("127.0.0.1", "::1")
    monkeypatch.setenv("BOT_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1")
    monkeypatch.setenv("BOT_CHAT_RATE_PER_MINUTE", "12")
    monkeypatch.setenv("BOT_CHAT_BURST", "4")
    monkeypatch.setenv("BOT_LOGIN_RATE_PER_MINUTE", "0")
    settings = Settings.from_env()
    assert networks(settings.trusted_proxies) == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("192.0.2.1/32"),
    )
    assert (settings.chat_rate_per_minute, settings.chat_burst) == (12, 4)
    assert settings.login_rate_per_minute == 0
    monkeypatch.setenv("BOT_CHAT_RATE_PER_MINUTE", "-1")
    with pytest.raises(ValueError, match="BOT_CHAT_RATE_PER_MINUTE"):
        Settings.from_env()


# ---- Over HTTP


def chat(app: Sanic, client: str, **kwargs: object) -> tuple[int, dict[str, object], dict]:
    headers = {"origin": SITE, "x-forwarded-for": client}
    _, response = app.test_client.post(
        WEBHOOK, json={"sender": "x", "message": "hi"}, headers=headers, **kwargs
    )
    return response.status, response.json, dict(response.headers)


def test_a_client_over_the_chat_limit_is_told_to_wait(tmp_path: Path, clock: Clock) -> None:
    app = make_app(tmp_path, clock)
    # The burst goes through (a 403: the made-up sender is refused after the limit is checked).
    assert [chat(app, "198.51.100.1")[0] for _ in range(3)] == [403, 403, 403]
    status, body, headers = chat(app, "198.51.100.1")
    assert status == 429
    assert body["code"] == "rate_limited" and body["status"] == 429
    assert body["error"] == (
        "You're sending messages faster than we can answer. "
        "Please wait 10 seconds before sending another."
    )
    assert headers["retry-after"] == "10"
    # The widget on another site may read the answer and its Retry-After.
    assert headers["access-control-allow-origin"] == SITE
    assert headers["access-control-expose-headers"] == "Retry-After"

    # Someone else is not affected, and new sessions count against the same budget.
    assert chat(app, "198.51.100.2")[0] == 403
    _, session = app.test_client.post(
        "/chat/session", headers={"origin": SITE, "x-forwarded-for": "198.51.100.1"}
    )
    assert session.status == 429 and "sender" not in session.json

    clock.now += 9.5
    assert chat(app, "198.51.100.1")[0] == 429
    assert chat(app, "198.51.100.1")[2]["retry-after"] == "1"
    clock.now += 0.5
    assert chat(app, "198.51.100.1")[0] == 403  # recovered: one more
    assert chat(app, "198.51.100.1")[0] == 429
    clock.now += 60
    assert [chat(app, "198.51.100.1")[0] for _ in range(4)] == [403, 403, 403, 429]


def test_sessions_are_limited_per_client_too(tmp_path: Path, clock: Clock) -> None:
    app = make_app(tmp_path, clock)
    client = {"x-forwarded-for": "198.51.100.3"}
    responses = [app.test_client.post("/chat/session", headers=client)[1] for _ in range(4)]
    assert [r.status for r in responses] == [200, 200, 200, 429]


def test_forwarded_for_counts_only_from_a_trusted_proxy(tmp_path: Path, clock: Clock) -> None:
    # The test client connects from 127.0.0.1; here that is not one of our proxies, so every
    # "client" below is the same one, however it labels itself.
    app = make_app(tmp_path, clock, trusted_proxies=())
    statuses = [chat(app, f"198.51.100.{i}")[0] for i in range(4)]
    assert statuses == [403, 403, 403, 429]


def test_the_limits_can_be_turned_off(tmp_path: Path, clock: Clock) -> None:
    app = make_app(tmp_path, clock, chat_rate_per_minute=0)
    assert {chat(app, "198.51.100.1")[0] for _ in range(10)} == {403}


def test_a_client_over_the_login_limit_gets_the_form_back_with_a_429(
    tmp_path: Path, clock: Clock
) -> None:
    app = make_app(tmp_path, clock)

    def attempt(client: str, email: str = "nurse@aluma.test") -> tuple[int, str, dict]:
        _, form = app.test_client.get("/staff/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token
        _, response = app.test_client.post(
            "/staff/login",
            data={"csrf_token": token.group(1), "email": email, "password": "guess"},
            headers={"x-forwarded-for": client},
            cookies={"aluma_staff_login": token.group(1)},
        )
        return response.status, response.text, dict(response.headers)

    assert [attempt("198.51.100.1", f"n{i}@aluma.test")[0] for i in range(4)] == [401] * 4
    status, page, headers = attempt("198.51.100.1", "nurse@aluma.test")
    assert status == 429
    assert headers["retry-after"] == "15"
    assert "Too many login attempts from your network. Wait 15 seconds, then try again." in page
    assert 'name="csrf_token"' in page and 'value="nurse@aluma.test"' in page  # the form again
    assert headers["cache-control"] == "no-store"

    assert attempt("198.51.100.2")[0] == 401  # another client still may
    clock.now += 15
    assert attempt("198.51.100.1")[0] == 401
    assert attempt("198.51.100.1")[0] == 429
    # Without the form's token, too: the limit comes first, so it cannot be used to probe.
    _, bare = app.test_client.post(
        "/staff/login", data={"email": "a@b.c"}, headers={"x-forwarded-for": "198.51.100.1"}
    )
    assert bare.status == 429
