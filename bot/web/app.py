"""The web service's app factory: one Sanic app, a blueprint per feature, resources on app.ctx."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable

from sanic import Sanic

from bot.delivery import scheduler
from bot.handoffs.store import HandoffStore
from bot.live import web as live_web
from bot.live.config import LiveConfig
from bot.settings import Settings
from bot.web import chat_proxy, content_length, errors, health, security, widget
from bot.web.ratelimit import RateLimiter, networks
from bot.web.senders import SenderIds
from bot.web.staff import bp as staff_bp


def create_app(
    settings: Settings | None = None,
    name: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    live: LiveConfig | None = None,
) -> Sanic:
    """The web service; `clock` is the rate limiters' (tests pass their own)."""
    settings = settings or Settings.from_env()
    # Sanic keeps a registry of app names; tests build many apps in one process.
    app = Sanic(name or f"aluma_{uuid.uuid4().hex[:8]}")
    app.config.KEEP_ALIVE_TIMEOUT = 15
    app.ctx.settings = settings
    # Hostile input: headers on every response, per-client limits, signed sender ids.
    security.install(app)
    content_length.install(app)
    app.ctx.trusted_proxies = networks(settings.trusted_proxies)
    app.ctx.chat_limiter = RateLimiter(settings.chat_rate_per_minute, settings.chat_burst, clock)
    app.ctx.login_limiter = RateLimiter(
        settings.login_rate_per_minute, int(settings.login_rate_per_minute), clock
    )
    app.ctx.senders = SenderIds(settings.secret_key or secrets.token_bytes(32))
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
    # After open_resources: live chat uses the store's engine and the proxy's client to Rasa.
    live_web.install(app, live or LiveConfig.from_env())
    # Staff delivery (outbox, reminders) and the retention purge run inside this process.
    app.register_listener(scheduler.start, "after_server_start")
    app.register_listener(scheduler.stop, "before_server_stop")
    return app
