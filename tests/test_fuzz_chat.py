"""Fuzzing the chat with hypothesis, against the real servers (Rasa, the action server and the web
service, as `make run` starts them): our chat proxy and Rasa's REST channel itself get empty,
~1 MB, binary and broken-UTF-8 bodies, malformed JSON and JSON of the wrong shape, right-to-left
and emoji text, `/intent{...}` shortcuts, HTML and script payloads and SQL-looking text, and raw
HTTP no client library would send. No input may get a 5xx, and every server must still be up
and answering afterwards.

Each request comes from a client address of its own (X-Forwarded-For, which the web service
takes from 127.0.0.1, its trusted proxy) so that the rate limit, tested in test_rate_limit.py,
lets the inputs through to be checked. What each target was sent and answered is written to
tests/artifacts/fuzz-chat.json.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

import pytest
import requests
from hypothesis import example, given, settings
from hypothesis import strategies as st

from testkit.servers import Stack, texts
from tests.hostile import (
    BIG,
    FUZZ,
    PAYLOADS,
    Tally,
    hostile_text,
    raw_bodies,
    raw_http,
    raw_requests,
)

pytestmark = [pytest.mark.model, pytest.mark.servers]

WEBHOOK = "/webhooks/rest/webhook"
SIGNED = "<signed-sender>"  # replaced by an id the web service handed out
tally = Tally("chat")
_clients = itertools.count(1)


def client() -> str:
    n = next(_clients)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


@pytest.fixture(scope="module", autouse=True)
def record() -> Iterator[None]:
    yield
    tally.write()


@pytest.fixture(scope="module")
def senders(stack: Stack) -> list[str]:
    def new() -> str:
        response = requests.post(
            f"{stack.web_url}/chat/session", headers={"X-Forwarded-For": client()}, timeout=10
        )
        assert response.status_code == 200
        return str(response.json()["sender"])

    return [new() for _ in range(4)]


bodies = raw_bodies(st.sampled_from([SIGNED, SIGNED, SIGNED, "visitor-1"]))
# Mostly no Origin (not a browser) or the service's own page; sometimes one that is refused.
origins = st.sampled_from([None, None, "self", "self", "https://evil.example", "null"])


def check_answer(response: requests.Response) -> None:
    """Not a server error, and a JSON answer the widget can read."""
    assert response.status_code < 500, (response.status_code, response.text[:300])
    if response.status_code == 200:
        assert isinstance(response.json(), list)
    else:
        answer = response.json()
        assert isinstance(answer["error"], str) and answer["error"]
        assert answer["status"] == response.status_code


@settings(FUZZ, max_examples=150)
@given(body=bodies, origin=origins, sender=st.integers(min_value=0, max_value=3))
@example(body=b"", origin=None, sender=0)
@example(body=b"x" * BIG, origin=None, sender=0)
@example(body=json.dumps({"sender": SIGNED, "message": "a" * BIG}).encode(), origin=None, sender=0)
def test_the_chat_proxy_answers_every_request_without_a_server_error(
    stack: Stack, senders: list[str], body: bytes, origin: str | None, sender: int
) -> None:
    headers = {"Content-Type": "application/json", "X-Forwarded-For": client()}
    if origin:
        headers["Origin"] = stack.web_url if origin == "self" else origin  # BOT_PUBLIC_URL
    body = body.replace(SIGNED.encode(), senders[sender].encode())
    response = requests.post(f"{stack.web_url}{WEBHOOK}", data=body, headers=headers, timeout=90)
    tally.count("proxy", response.status_code)
    check_answer(response)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@settings(FUZZ, max_examples=150)
@given(body=bodies)
@example(body=b"")
@example(body=b"x" * BIG)
@example(body=json.dumps({"sender": "big", "message": "a" * BIG}).encode())
@example(body=json.dumps({"sender": "\ud800", "message": "hi"}).encode())
@example(body=json.dumps({"sender": "s", "message": "\ud800 hi"}).encode())
def test_rasas_rest_channel_answers_every_request_without_a_server_error(
    stack: Stack, body: bytes
) -> None:
    # Straight to Rasa: any sender id is one to Rasa, so made-up ones reach the dialogue too.
    body = body.replace(SIGNED.encode(), f"fuzz-{next(_clients)}".encode())
    response = requests.post(
        f"{stack.url}{WEBHOOK}",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=90,
    )
    tally.count("rasa", response.status_code)
    assert response.status_code < 500, (response.status_code, body[:300], response.text[:300])
    if response.status_code == 200:
        assert isinstance(response.json(), list)


@settings(FUZZ, max_examples=60)
@given(sender=st.integers(min_value=0, max_value=3), texts_=st.lists(hostile_text, max_size=4))
def test_a_conversation_of_hostile_messages_is_answered_turn_by_turn(
    stack: Stack, senders: list[str], sender: int, texts_: list[str]
) -> None:
    # The way the widget sends them: well-formed, one message after another.
    for text in [*texts_, "how long does it last?"]:
        response = requests.post(
            f"{stack.web_url}{WEBHOOK}",
            json={"sender": senders[sender], "message": text, "metadata": {"page_url": text}},
            headers={"X-Forwarded-For": client()},
            timeout=90,
        )
        tally.count("proxy-conversation", response.status_code)
        check_answer(response)
        if text.strip() and response.status_code == 400:
            assert "empty" in response.json()["error"], response.text  # only control characters


@settings(FUZZ, max_examples=60)
@given(request=raw_requests)
@example(request=b"")
@example(request=b"POST /webhooks/rest/webhook HTTP/1.1\r\nContent-Length: 1000000\r\n\r\nabc")
@example(request=b"POST /health HTTP/1.1\r\nContent-Length: -1\r\n\r\nabcdef")
def test_raw_http_never_gets_a_server_error(stack: Stack, request: bytes) -> None:
    for target, port in (("web-raw", stack.web_port), ("rasa-raw", stack.rasa_port)):
        status = raw_http(port, request)
        tally.count(target, status)
        assert status is None or status < 500, (target, status, request[:200])


@pytest.mark.parametrize(
    "length", ["-1", "-1000000", "1e3", "0x10", "5, 6", "99999999999999999999999"]
)
def test_a_content_length_sanic_would_misread_is_refused_and_hangs_nothing(
    stack: Stack, length: str
) -> None:
    # Sanic 21.12 took "-1" as it is and then spun without awaiting: one request hung a server.
    request = (
        f"POST {WEBHOOK} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode() + b'{"sender": "s", "message": "hi"}'
    for target, port, health in (
        ("web-length", stack.web_port, f"{stack.web_url}/health"),
        ("rasa-length", stack.rasa_port, f"{stack.url}/"),
    ):
        status = raw_http(port, request)
        tally.count(target, status)
        assert status in (400, 413), (target, length, status)
        assert requests.get(health, timeout=10).status_code == 200, target


@pytest.mark.parametrize("text", PAYLOADS)
def test_every_payload_is_answered_through_the_proxy(
    stack: Stack, senders: list[str], text: str
) -> None:
    response = requests.post(
        f"{stack.web_url}{WEBHOOK}",
        json={"sender": senders[0], "message": text},
        headers={"X-Forwarded-For": client()},
        timeout=90,
    )
    tally.count("proxy-payloads", response.status_code)
    check_answer(response)
    assert response.status_code == 200, response.text  # each is a message, however odd


def test_socketio_session_ids_rasa_cannot_keep_are_replaced_not_fatal(stack: Stack) -> None:
    # A lone surrogate as a sender id made Rasa's tracker store fail, and Rasa then exited.
    from tests.test_e2e_socketio import Widget

    widget = Widget(stack.url)
    try:
        for hostile in ["\ud800", "a\x00b", "x" * 300, "", 7, None, ["s"], {"x": 1}]:
            session = widget.session({"session_id": hostile})
            tally.count("socketio", 200)
            assert isinstance(session, str) and len(session) == 32, session
            # A message that names it anyway is ignored; one with its own session is answered.
            widget.client.emit("user_uttered", {"message": "hi", "session_id": hostile})
            reply = widget.say(session, "how long \ud800 does it last?\x00", {"x": "\udfff"})
            assert reply.get("text"), reply
    finally:
        widget.close()
    assert stack.rasa.process is not None and stack.rasa.process.poll() is None


def test_the_servers_are_up_and_answering_after_the_fuzzing(
    stack: Stack, senders: list[str]
) -> None:
    for service in (stack.rasa, stack.actions, stack.web):
        assert service.process is not None and service.process.poll() is None, service.name
    assert requests.get(f"{stack.url}/", timeout=10).status_code == 200
    assert requests.get(f"{stack.web_url}/health", timeout=10).json()["status"] == "ok"
    reply = requests.post(
        f"{stack.web_url}{WEBHOOK}",
        json={"sender": senders[1], "message": "how long do the results last?"},
        headers={"X-Forwarded-For": client()},
        timeout=60,
    )
    assert reply.status_code == 200 and "three months" in texts(reply.json())
    for target in tally.sent:
        assert tally.server_errors(target) == 0, (target, tally.statuses[target])
    for target in ("proxy", "rasa"):
        if tally.sent[target]:  # (when the fuzz tests ran before this one)
            assert tally.sent[target] >= 100, tally.sent
            # Not all turned away at the door: many inputs reached Rasa and were answered.
            assert tally.statuses[target]["200"] >= 10, tally.statuses[target]
