"""The web service's app factory: one Sanic app, a blueprint per feature, resources on app.ctx."""

from __future__ import annotations

import uuid

from sanic import Sanic

from bot.delivery import scheduler
from bot.handoffs.store import HandoffStore
from bot.settings import Settings
from bot.web import chat_proxy, errors, health, widget
from bot.web.staff import bp as staff_bp


def create_app(settings: Settings | None = None, name: str | None = None) -> Sanic:
    settings = settings or Settings.from_env()
    # Sanic keeps a registry of app names; tests build many apps in one process.
    app = Sanic(name or f"aluma_{uuid.uuid4().hex[:8]}")
    app.config.KEEP_ALIVE_TIMEOUT = 15
    app.ctx.settings = settings
    app.blueprint(health.bp)
    app.blueprint(widget.bp)
    app.blueprint(chat_proxy.bp)
    app.blueprint(staff_bp)
    app.error_handler.add(Exception, errors.handle)

    async def open_resources(app: Sanic, _: object) -> None:
        app.ctx.store = HandoffStore.from_url(settings.db_url)

    async def close_resources(app: Sanic, _: object) -> None:
        app.ctx.store.engine.dispose()

    app.register_listener(open_resources, "before_server_start")
    app.register_listener(close_resources, "after_server_stop")
    # Staff delivery (outbox, reminders) and the retention purge run inside this process.
    app.register_listener(scheduler.start, "after_server_start")
    app.register_listener(scheduler.stop, "before_server_stop")
    return app
