"""A message the widget sends again (after a 503 or 504) reaches Rasa once: bot/web/sendings.py
on its own, and the real web service in front of a Rasa that answers slowly."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.web.sendings import Answer, Sendings
from tests.local_servers import WebhookSink, WebProcess


class Calls:
    """A sending that counts how often it ran and answers what it is told to, when released."""

    def __init__(self, answer: Answer = (200, b"[]"), error: Exception | None = None) -> None:
        self.count, self.answer, self.error = 0, answer, error
        self.release = asyncio.Event()

    async def __call__(self) -> Answer:
        self.count += 1
        await self.release.wait()
        if self.error is not None:
            raise self.error
        return self.answer


def test_a_retry_joins_the_sending_under_way_and_then_gets_its_answer() -> None:
    async def scenario() -> None:
        sendings, calls = Sendings(), Calls((200, b'[{"text": "hi"}]'))
        first = sendings.send(("s", "m1"), calls)
        with pytest.raises(asyncio.TimeoutError):  # the visitor stops waiting; Rasa does not
            await asyncio.wait_for(asyncio.shield(first), 0.01)
        joined = sendings.send(("s", "m1"), calls)
        calls.release.set()
        assert await joined == (200, b'[{"text": "hi"}]')
        assert await sendings.send(("s", "m1"), calls) == (200, b'[{"text": "hi"}]')
        assert calls.count == 1
        # Another message, or the same id from another conversation, is sent on its own.
        await sendings.send(("s", "m2"), calls)
        await sendings.send(("other", "m1"), calls)
        assert calls.count == 3

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "calls",
    [Calls(error=ConnectionError("refused")), Calls((502, b"")), Calls((500, b""))],
    ids=["unreachable", "502", "500"],
)
def test_a_failed_sending_is_forgotten_so_the_retry_sends_again(calls: Calls) -> None:
    async def scenario() -> None:
        sendings = Sendings()
        calls.release.set()
        first = sendings.send(("s", "m1"), calls)
        await asyncio.gather(first, return_exceptions=True)
        again = sendings.send(("s", "m1"), calls)
        assert again is not first
        await asyncio.gather(again, return_exceptions=True)
        assert calls.count == 2

    asyncio.run(scenario())


def test_answers_are_kept_for_a_while_and_in_bounded_number() -> None:
    async def scenario() -> None:
        now = [0.0]
        sendings, calls = Sendings(keep=60, most=3, clock=lambda: now[0]), Calls()
        calls.release.set()
        await sendings.send(("s", "m1"), calls)
        now[0] = 59
        await sendings.send(("s", "m1"), calls)
        assert calls.count == 1
        now[0] = 61
        await sendings.send(("s", "m1"), calls)
        assert calls.count == 2
        for n in range(5):
            await sendings.send(("s", f"n{n}"), calls)
        assert len(sendings) == 3
        # Without an id nothing is kept: each sending is its own.
        await sendings.send(None, calls)
        await sendings.send(None, calls)
        assert calls.count == 9 and len(sendings) == 3

    asyncio.run(scenario())


def echo(message: dict[str, Any]) -> list[dict[str, str]]:
    """Rasa's REST answer, repeating the visitor's message."""
    return [{"recipient_id": message["sender"], "text": message["message"]}]


def test_the_web_service_sends_a_retried_message_to_a_slow_rasa_once(tmp_path: Path) -> None:
    # It answers later than the proxy waits, sooner than two waits.
    rasa = WebhookSink(answer=echo, delay=1.0).start()
    env = {
        "BOT_DB_URL": f"sqlite:///{tmp_path / 'web.db'}",
        "BOT_RASA_URL": f"http://127.0.0.1:{rasa.port}",
        "BOT_RASA_ANSWER_SECONDS": "0.6",
        "BOT_CHAT_RATE_PER_MINUTE": "0",
    }
    web = WebProcess(env, tmp_path / "web.log").start()
    try:
        sender = requests.post(f"{web.url}/chat/session", timeout=10).json()["sender"]

        def say(text: str, message_id: str | None) -> requests.Response:
            body = {"sender": sender, "message": text}
            if message_id is not None:
                body["message_id"] = message_id
            return requests.post(f"{web.url}/webhooks/rest/webhook", json=body, timeout=10)

        late = say("how long does it last", "a1b2c3d4e5f6")
        assert late.status_code == 504 and "did not answer in time" in late.json()["error"]
        retried = say("how long does it last", "a1b2c3d4e5f6")  # joins the sending under way
        assert retried.status_code == 200
        assert retried.json() == [{"recipient_id": sender, "text": "how long does it last"}]
        assert say("how long does it last", "a1b2c3d4e5f6").json() == retried.json()
        assert [m["message"] for m in rasa.payloads] == ["how long does it last"]
        assert "message_id" not in rasa.payloads[0]  # only what Rasa's REST channel reads

        assert say("who is a candidate", "f6e5d4c3b2a1").status_code == 504  # a new message
        assert len(rasa.payloads) == 2

        refused = say("hi", "not an id!")
        assert refused.status_code == 400 and "message_id" in refused.json()["error"]
        assert len(rasa.payloads) == 2
    finally:
        web.stop()
        rasa.stop()
