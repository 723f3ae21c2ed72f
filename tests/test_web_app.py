"""The web service's app factory and health check."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings
from bot.web.app import create_app


def test_health_reports_the_database(tmp_path: Path) -> None:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'web.db'}"))
    _, response = app.test_client.get("/health")
    assert response.status == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_unknown_paths_get_a_json_404(tmp_path: Path) -> None:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'web.db'}"))
    _, response = app.test_client.get("/no-such-page")
    assert response.status == 404
    assert response.json["status"] == 404


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_WEB_PORT", "8100")
    monkeypatch.setenv(
        "BOT_ALLOWED_ORIGINS", "https://alumaaesthetics.com, https://www.alumaaesthetics.com"
    )
    settings = Settings.from_env()
    assert settings.port == 8100
    assert settings.allowed_origins == (
        "https://alumaaesthetics.com",
        "https://www.alumaaesthetics.com",
    )
