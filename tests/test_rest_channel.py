"""Our REST channel on a bare Sanic app: what it passes on, and what it refuses."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.channels.rest import RestInput


@pytest.fixture
def app_and_inbox() -> tuple[Sanic, list[UserMessage]]:
    inbox: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        inbox.append(message)
        # As Rasa sends what the bot says: through send_response (which the channel counts).
        await message.output_channel.send_response(
            message.sender_id, {"text": f"echo {message.text}"}
        )

    app = Sanic(f"rest-{uuid.uuid4().hex[:8]}")
    app.blueprint(RestInput().blueprint(on_new_message), url_prefix="/webhooks/rest")
    return app, inbox


def _post(app: Sanic, body: Any) -> Any:
    kwargs = {"json": body} if not isinstance(body, str) else {"content": body}
    _, response = app.test_client.post("/webhooks/rest/webhook", **kwargs)
    return response


def test_a_message_is_passed_on_with_its_metadata(app_and_inbox: Any) -> None:
    app, inbox = app_and_inbox
    page = {"page_url": "https://example.com/botox-for-rosacea/"}
    response = _post(app, {"sender": "v1", "message": "hi", "metadata": page})
    assert response.status == 200
    assert response.json == [{"recipient_id": "v1", "text": "echo hi"}]
    assert inbox[0].metadata == page


def test_a_typed_shortcut_arrives_as_plain_text(app_and_inbox: Any) -> None:
    app, inbox = app_and_inbox
    _post(app, {"sender": "v1", "message": '/affirm{"handoff_consent": true}'})
    assert inbox[0].text == 'affirm{"handoff_consent": true}'


def test_metadata_that_is_not_an_object_is_dropped(app_and_inbox: Any) -> None:
    app, inbox = app_and_inbox
    _post(app, {"sender": "v1", "message": "hi", "metadata": "page=1"})
    assert inbox[0].metadata is None


@pytest.mark.parametrize(
    "body",
    [
        {"sender": 1, "message": "hi"},
        {"sender": "v1", "message": 2},
        {"sender": "v1", "message": ["hi"]},
        {"sender": "", "message": "hi"},
        {"sender": "x" * 256, "message": "hi"},
        ["sender", "message"],
        # One shared "default" conversation for everyone who leaves it out.
        {"message": "hi"},
        # Not text: Rasa's SQL tracker store fails on it, and Rasa then exits.
        {"sender": "\ud800", "message": "hi"},
        {"sender": "a\x00b", "message": "hi"},
        {"sender": "a\nb", "message": "hi"},
        {"sender": "v1", "message": "hi \udfff"},
    ],
)
def test_wrong_types_are_refused_with_a_clear_400(app_and_inbox: Any, body: Any) -> None:
    app, inbox = app_and_inbox
    response = _post(app, body)
    assert response.status == 400
    assert "must" in response.text or "JSON object" in response.text
    assert inbox == []


def test_control_characters_input_channel_and_untextual_metadata_are_dropped(
    app_and_inbox: Any,
) -> None:
    app, inbox = app_and_inbox
    body = {
        "sender": "v1",
        "message": "how\x00 long\x1b does it last?",
        "input_channel": {"name": "facebook"},
        "metadata": {"page_url": "https://x.example/\ud800"},
    }
    assert _post(app, body).status == 200
    [message] = inbox
    assert message.text == "how long does it last?"
    assert message.input_channel == "rest"
    assert message.metadata is None


def test_browsers_are_held_to_the_allowed_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    site = "https://www.alumaaesthetics.com"
    monkeypatch.setenv("BOT_ALLOWED_ORIGINS", f"{site},*")  # "*" never allows everyone

    async def on_new_message(message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": "hello"})

    app = Sanic(f"rest-{uuid.uuid4().hex[:8]}")
    app.blueprint(RestInput().blueprint(on_new_message), url_prefix="/webhooks/rest")
    url, body = "/webhooks/rest/webhook", {"sender": "v1", "message": "hi"}

    preflight = {"Origin": site, "Access-Control-Request-Method": "POST"}
    _, response = app.test_client.options(url, headers=preflight)
    assert response.status == 204
    assert response.headers["access-control-allow-origin"] == site
    assert "Content-Type" in response.headers["access-control-allow-headers"]
    _, response = app.test_client.post(url, json=body, headers={"Origin": site})
    assert response.status == 200 and response.headers["access-control-allow-origin"] == site

    for origin in ("https://evil.example", "null"):
        _, response = app.test_client.options(url, headers={**preflight, "Origin": origin})
        assert response.status == 403 and "access-control-allow-origin" not in response.headers
        _, response = app.test_client.post(url, json=body, headers={"Origin": origin})
        assert response.status == 403, origin
    _, response = app.test_client.post(url, json=body)  # not a browser's page: no Origin
    assert response.status == 200 and "access-control-allow-origin" not in response.headers
