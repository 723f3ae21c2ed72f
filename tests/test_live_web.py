"""The live chat routes' refusals, through the web service's app factory (sanic-testing): only a
signed sender may listen or type, a client opening streams too fast is told to wait, and the
staff side is behind the inbox's login."""

from __future__ import annotations

from pathlib import Path

from bot.live.config import LiveConfig
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.senders import SenderIds

ORIGIN = "http://localhost:8000"


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(db_url=f"sqlite:///{tmp_path / 'web.db'}", secret_key="k" * 32, **values)  # type: ignore[arg-type]


def test_only_a_signed_sender_may_listen_or_type(tmp_path: Path) -> None:
    app = create_app(settings(tmp_path), live=LiveConfig())
    forged = "0" * 32 + "-" + "0" * 32
    _, response = app.test_client.get(f"/live/events?sender={forged}", headers={"Origin": ORIGIN})
    assert response.status == 403 and response.json["code"] == "unknown_sender"
    _, response = app.test_client.post(
        "/live/typing", json={"sender": forged}, headers={"Origin": ORIGIN}
    )
    assert response.status == 403
    _, response = app.test_client.get(
        f"/live/events?sender={SenderIds('k' * 32).new()}", headers={"Origin": "https://evil.test"}
    )
    assert response.status == 403 and "origin" in response.json["error"]


def test_opening_streams_too_fast_is_told_to_wait(tmp_path: Path) -> None:
    app = create_app(settings(tmp_path, chat_rate_per_minute=1.0, chat_burst=1), live=LiveConfig())
    forged = "0" * 32 + "-" + "0" * 32
    statuses = []
    for _ in range(3):
        _, response = app.test_client.get(
            f"/live/events?sender={forged}", headers={"Origin": ORIGIN}
        )
        statuses.append(response.status)
    assert statuses[0] == 403 and 429 in statuses[1:]


def test_the_staff_side_needs_a_login(tmp_path: Path) -> None:
    app = create_app(settings(tmp_path), live=LiveConfig())
    for path in ("/staff/live", "/staff/live/events", "/staff/live/inbox.js"):
        _, response = app.test_client.get(path, allow_redirects=False)
        assert response.status == 302 and "/staff/login" in response.headers["location"], path
    _, response = app.test_client.post("/staff/live/" + "a" * 32 + "/send", data={"text": "hi"})
    assert response.status == 403
