"""Run the web service: `python -m bot.web` (BOT_WEB_HOST, BOT_WEB_PORT)."""

from __future__ import annotations

import logging
import sys

from bot.handoffs.store import HandoffStore
from bot.settings import Settings
from bot.storage.data_keys import DataKeyError
from bot.web.app import create_app


def _log_to_stderr() -> None:
    """Our own modules' INFO messages (outbox, purge); Sanic configures only its own loggers."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s] [%(levelname)s] %(name)s: %(message)s"))
    logger = logging.getLogger("bot")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def main() -> None:
    _log_to_stderr()
    settings = Settings.from_env()
    try:  # here, once, so a wrong or lost data key stops the service with the reason
        HandoffStore.from_url(settings.db_url).engine.dispose()
    except DataKeyError as error:
        sys.exit(f"web: {error}")
    app = create_app(settings, name="aluma")
    app.run(host=settings.host, port=settings.port, access_log=False)


if __name__ == "__main__":
    main()
