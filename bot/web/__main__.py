"""Run the web service: `python -m bot.web` (BOT_WEB_HOST, BOT_WEB_PORT)."""

from __future__ import annotations

from bot.settings import Settings
from bot.web.app import create_app


def main() -> None:
    settings = Settings.from_env()
    app = create_app(settings, name="aluma")
    app.run(host=settings.host, port=settings.port, access_log=False)


if __name__ == "__main__":
    main()
