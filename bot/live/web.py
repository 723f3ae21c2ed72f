"""Live chat in the web service: its two blueprints, its state on app.ctx.live, and the sweep
that ends waits nobody can answer (office closed, nobody online, BOT_LIVE_WAIT_SECONDS)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sanic import Sanic

from bot.live import staff_api, visitor_api
from bot.live.config import LiveConfig
from bot.live.hub import Hub
from bot.live.takeover import Live
from bot.live.tracker import Tracker
from bot.settings import rasa_token
from bot.staff.times import utcnow

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 1.0


def install(app: Sanic, config: LiveConfig) -> None:
    app.blueprint(visitor_api.bp)
    app.blueprint(staff_api.bp)

    async def open_live(app: Sanic, _: object) -> None:
        # After the chat proxy's listener: it opens the HTTP client to Rasa that this shares.
        hub = Hub()
        await hub.connect(config.redis_url)
        token = config.rasa_token or rasa_token()
        tracker = Tracker(app.ctx.rasa_http, app.ctx.settings.rasa_url, token)
        app.ctx.live = Live(app.ctx.store.engine, config, hub, tracker)

    async def start_sweep(app: Sanic, _: object) -> None:
        app.ctx.live_sweep = asyncio.create_task(_sweep(app.ctx.live), name="live_sweep")

    async def stop(app: Sanic, _: object) -> None:
        task = getattr(app.ctx, "live_sweep", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await app.ctx.live.hub.close()

    app.register_listener(open_live, "before_server_start")
    app.register_listener(start_sweep, "after_server_start")
    app.register_listener(stop, "before_server_stop")


async def _sweep(live: Live) -> None:
    while True:
        try:
            await live.sweep(utcnow())
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("live chat: the sweep failed")
        await asyncio.sleep(SWEEP_SECONDS)
