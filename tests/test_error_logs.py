"""Unhandled errors are logged by type and place, never with the values they carry."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sanic.request import Request

from bot.error_logs import described
from bot.settings import Settings
from bot.web.app import create_app

SECRET = "Visitor Vq9 at vq9@example.com"


def fail() -> None:
    try:
        empty: dict[str, str] = {}
        empty["missing"]
    except KeyError as error:
        raise ValueError(f"cannot store {SECRET}") from error


def test_an_error_is_described_by_type_and_place_without_its_message() -> None:
    with pytest.raises(ValueError) as caught:
        fail()
    text = described(caught.value)
    assert text.startswith("ValueError at test_error_logs.py:")
    assert "in fail" in text and "from KeyError" in text
    assert "Vq9" not in text and "vq9" not in text and "missing" not in text


def test_the_web_service_logs_an_unhandled_error_without_what_the_request_held(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'web.db'}"))

    @app.post("/boom")
    async def boom(request: Request) -> None:
        raise ValueError(f"bad body: {request.body.decode()}")

    with caplog.at_level(logging.INFO):
        _, response = app.test_client.post("/boom", content=SECRET)
    assert response.status == 500 and "something went wrong" in response.text
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert "unhandled error on POST /boom: ValueError at" in logged
    assert "Vq9" not in logged and "vq9" not in logged
