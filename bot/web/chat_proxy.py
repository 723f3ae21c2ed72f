"""POST /webhooks/rest/webhook: the widget's way to Rasa's REST channel, for allowed origins.

The widget speaks Rasa's REST protocol to this service, which passes the request on to Rasa
(BOT_RASA_URL) unchanged and its answer back. Here, and only here, browsers are held to the
allow-list BOT_ALLOWED_ORIGINS (CORS, with its preflight). A request without an Origin header
does not come from a page in a browser, so it is not an origin to refuse.

When Rasa cannot be reached the answer is a JSON 503 (504 when it does not answer in time, 502
when it fails), which the widget shows and retries.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, empty, json, raw

logger = logging.getLogger(__name__)

bp = Blueprint("chat_proxy")

WEBHOOK = "/webhooks/rest/webhook"
MAX_BODY_BYTES = 16 * 1024  # a message is at most 1000 characters (bot/channels/inbound.py)
TIMEOUT = aiohttp.ClientTimeout(total=30, connect=5)
PREFLIGHT = {
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
}


@bp.listener("before_server_start")
async def open_client(app: Sanic, _: object) -> None:
    app.ctx.rasa_http = aiohttp.ClientSession(timeout=TIMEOUT)


@bp.listener("after_server_stop")
async def close_client(app: Sanic, _: object) -> None:
    await app.ctx.rasa_http.close()


def cors_headers(request: Request) -> dict[str, str] | None:
    """The CORS headers for this request's origin, or None when the origin is not allowed.

    The service's own pages (BOT_PUBLIC_URL, where the demo page is) are always allowed.
    """
    origin = request.headers.get("origin")
    if origin is None:
        return {}
    settings = request.app.ctx.settings
    if origin in settings.allowed_origins or origin == settings.public_url:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return None


def error(message: str, status: int, headers: dict[str, str] | None = None) -> HTTPResponse:
    return json({"error": message, "status": status}, status=status, headers=headers)


def refused(request: Request) -> HTTPResponse:
    logger.info("refused %s from origin %r", request.method, request.headers.get("origin"))
    return error("this origin may not use the chat", 403, {"Vary": "Origin"})


@bp.options(WEBHOOK)
async def preflight(request: Request) -> HTTPResponse:
    headers = cors_headers(request)
    if headers is None:
        return refused(request)
    return empty(status=204, headers={**headers, **PREFLIGHT})


@bp.post(WEBHOOK)
async def webhook(request: Request) -> HTTPResponse:
    headers = cors_headers(request)
    if headers is None:
        return refused(request)
    if len(request.body) > MAX_BODY_BYTES:
        return error("the message is too long", 413, headers)
    url = f"{request.app.ctx.settings.rasa_url}{WEBHOOK}"
    try:
        async with request.app.ctx.rasa_http.post(
            url, data=request.body, headers={"Content-Type": "application/json"}
        ) as response:
            status, body = response.status, await response.read()
    except aiohttp.ClientConnectionError as exc:
        logger.warning("Rasa unreachable at %s: %s", url, exc)
        return error("the assistant can't be reached right now; try again shortly", 503, headers)
    except asyncio.TimeoutError:
        logger.warning("Rasa did not answer within %s s", TIMEOUT.total)
        return error("the assistant did not answer in time; try again shortly", 504, headers)
    if status >= 500:
        logger.warning("Rasa answered %s", status)
        return error("the assistant failed to answer; try again shortly", 502, headers)
    return raw(body, status=status, headers=headers, content_type="application/json")
