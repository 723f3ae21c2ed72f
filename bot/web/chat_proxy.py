"""POST /webhooks/rest/webhook: the widget's way to Rasa's REST channel, for allowed origins;
POST /chat/session: a new sender id for a visitor.

The widget speaks Rasa's REST protocol to this service, which checks the request and passes it on
to Rasa (BOT_RASA_URL), and Rasa's answer back. Here, and only here:

- browsers are held to the allow-list BOT_ALLOWED_ORIGINS (CORS, with its preflight). A request
  without an Origin header does not come from a page in a browser, so it is not one to refuse;
- each client (bot/web/ratelimit.py) may send BOT_CHAT_RATE_PER_MINUTE requests a minute after a
  burst of BOT_CHAT_BURST; more get a 429 with Retry-After and a message for the visitor;
- the request must be a JSON object in UTF-8 with a `sender` and a `message` string; anything
  else is a 400 that says what is wrong, and a message over MAX_MESSAGE_CHARS is a 413 that asks
  for a shorter one. Only `sender`, `message` and `metadata.page_url` are passed on, re-encoded;
- the sender id must be one this service handed out (bot/web/senders.py), or it is a 403.

Every refusal is JSON `{"error": <a sentence for the visitor>, "status": <code>, "code": ...}`
and none reaches Rasa. When Rasa cannot be reached the answer is a JSON 503 (504 when it does not
answer within BOT_RASA_ANSWER_SECONDS, 502 when it fails), which the widget shows and retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import json as jsonlib
import logging
import re
from typing import Any

import aiohttp
from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, empty, json, raw

from bot.channels.text import CONTROL, is_text
from bot.live import proxy_hook
from bot.web.ratelimit import client_of, retry_after
from bot.web.sendings import Answer, Sendings

logger = logging.getLogger(__name__)

bp = Blueprint("chat_proxy")

WEBHOOK = "/webhooks/rest/webhook"
SESSION = "/chat/session"
MAX_BODY_BYTES = 16 * 1024  # a message is at most 1000 characters, in JSON at most 6 bytes each
MAX_MESSAGE_CHARS = 1000  # as bot/channels/inbound.py, which Rasa applies to every channel
MAX_PAGE_URL_CHARS = 2048
TIMEOUT = aiohttp.ClientTimeout(total=300, connect=5)  # how long Rasa may take to answer at all
MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
PREFLIGHT = {
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
}
SHAPE = "Send a JSON object with a `sender` and a `message`."


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400, code: str = "bad_request") -> None:
        super().__init__(message)
        self.message, self.status, self.code = message, status, code


@bp.listener("before_server_start")
async def open_client(app: Sanic, _: object) -> None:
    app.ctx.rasa_http = aiohttp.ClientSession(timeout=TIMEOUT)
    app.ctx.sendings = Sendings()


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


def error(
    message: str, status: int, headers: dict[str, str] | None = None, code: str | None = None
) -> HTTPResponse:
    body: dict[str, Any] = {"error": message, "status": status}
    if code:
        body["code"] = code
    return json(body, status=status, headers=headers)


def refused(request: Request) -> HTTPResponse:
    logger.info("refused %s from origin %r", request.method, request.headers.get("origin"))
    return error("this origin may not use the chat", 403, {"Vary": "Origin"})


def too_fast(request: Request, headers: dict[str, str]) -> HTTPResponse | None:
    """A 429 when this client has sent more than its share, else None (and it is counted)."""
    wait = request.app.ctx.chat_limiter.hit(client_of(request))
    if wait is None:
        return None
    seconds = retry_after(wait)
    logger.info("chat rate limit: a client waits %s s", seconds)
    message = (
        "You're sending messages faster than we can answer. "
        f"Please wait {seconds} second{'s' if seconds != 1 else ''} before sending another."
    )
    expose = {"Access-Control-Expose-Headers": "Retry-After"} if headers else {}
    return error(
        message, 429, {**headers, **expose, "Retry-After": str(seconds)}, code="rate_limited"
    )


def _text(value: str, what: str) -> str:
    """The string without control characters; a lone surrogate (not text) is refused."""
    if not is_text(value):
        raise BadRequest(f"`{what}` is not valid text.")
    return CONTROL.sub("", value)


def checked(body: bytes) -> tuple[dict[str, Any], str | None]:
    """What is passed on to Rasa, and the `message_id` the proxy keeps for itself (None when the
    client sent none), from a request body; BadRequest says what is wrong with it."""
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(too_long(), 413, "too_long")
    if not body.strip():
        raise BadRequest(f"The request is empty. {SHAPE}")
    try:
        data = jsonlib.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRequest(f"The request is not UTF-8 text. {SHAPE}") from None
    except (ValueError, RecursionError):
        raise BadRequest(f"The request is not valid JSON. {SHAPE}") from None
    if not isinstance(data, dict):
        raise BadRequest(f"The request is not a JSON object. {SHAPE}")
    sender, message = data.get("sender"), data.get("message")
    if sender is None:
        raise BadRequest("`sender` is missing: get one from POST /chat/session.")
    if not isinstance(sender, str):
        raise BadRequest("`sender` must be a string: the id from POST /chat/session.")
    if message is None:
        raise BadRequest("`message` is missing.")
    if not isinstance(message, str):
        raise BadRequest("`message` must be a string.")
    message = _text(message, "message").strip()
    if not message:
        raise BadRequest("`message` is empty: type a question.")
    if len(message) > MAX_MESSAGE_CHARS:
        raise BadRequest(too_long(), 413, "too_long")
    checked: dict[str, Any] = {"sender": sender, "message": message}
    message_id = data.get("message_id")
    if message_id is not None and (
        not isinstance(message_id, str) or not MESSAGE_ID.fullmatch(message_id)
    ):
        raise BadRequest("`message_id` must be 8 to 64 letters, digits, `-` or `_`.")
    metadata = data.get("metadata")
    page_url = metadata.get("page_url") if isinstance(metadata, dict) else None
    if isinstance(page_url, str) and len(page_url) <= MAX_PAGE_URL_CHARS:
        # The page is only a courtesy for staff: when it is not text it is left out, not refused.
        with contextlib.suppress(BadRequest):
            checked["metadata"] = {"page_url": _text(page_url, "metadata.page_url")}
    return checked, message_id


def too_long() -> str:
    return (
        f"Your message is too long: please keep it under {MAX_MESSAGE_CHARS} characters, "
        "or split it into shorter messages."
    )


def admitted(request: Request) -> dict[str, str] | HTTPResponse:
    """The CORS headers for a public POST, or the 403/429 that answers it instead."""
    headers = cors_headers(request)
    if headers is None:
        return refused(request)
    limited = too_fast(request, headers)
    return headers if limited is None else limited


def _preflight(request: Request) -> HTTPResponse:
    headers = cors_headers(request)
    if headers is None:
        return refused(request)
    return empty(status=204, headers={**headers, **PREFLIGHT})


@bp.options(WEBHOOK)
async def preflight(request: Request) -> HTTPResponse:
    return _preflight(request)


@bp.options(SESSION)
async def session_preflight(request: Request) -> HTTPResponse:
    return _preflight(request)


@bp.post(SESSION)
async def session(request: Request) -> HTTPResponse:
    """A new sender id, for a visitor's new conversation."""
    headers = admitted(request)
    if isinstance(headers, HTTPResponse):
        return headers
    sender = request.app.ctx.senders.new()
    return json({"sender": sender}, headers={**headers, "Cache-Control": "no-store"})


@bp.post(WEBHOOK)
async def webhook(request: Request) -> HTTPResponse:
    headers = admitted(request)
    if isinstance(headers, HTTPResponse):
        return headers
    try:
        payload, message_id = checked(request.body)
    except BadRequest as bad:
        return error(bad.message, bad.status, headers, bad.code)
    if not request.app.ctx.senders.valid(payload["sender"]):
        logger.info("refused a message for a sender id this service did not hand out")
        message = "This conversation is not known here. Start a new one (POST /chat/session)."
        return error(message, 403, headers, code="unknown_sender")
    key = None if message_id is None else (payload["sender"], message_id)
    app = request.app
    live_chat = proxy_hook.active_chat(app, payload["sender"])
    if live_chat is not None:
        # Rasa is paused: the channel must not take its silence for a failure.
        payload["metadata"] = {**payload.get("metadata", {}), "live_chat": True}
    wait = app.ctx.settings.rasa_answer_seconds
    sending = app.ctx.sendings.send(key, lambda: forward(app, payload))
    try:
        status, body = await asyncio.wait_for(asyncio.shield(sending), wait)
    except aiohttp.ClientConnectionError as exc:
        logger.warning("Rasa unreachable at %s: %s", app.ctx.settings.rasa_url, exc)
        return error("the assistant can't be reached right now; try again shortly", 503, headers)
    except asyncio.TimeoutError:
        logger.warning("Rasa did not answer within %s s", wait)
        return error("the assistant did not answer in time; try again shortly", 504, headers)
    except aiohttp.ClientError as exc:
        logger.warning("Rasa's answer was broken: %s", exc)
        return error("the assistant failed to answer; try again shortly", 502, headers)
    if status >= 500:
        logger.warning("Rasa answered %s", status)
        return error("the assistant failed to answer; try again shortly", 502, headers)
    if status == 200:
        body = await proxy_hook.answered(app, payload, live_chat, body)
    return raw(body, status=status, headers=headers, content_type="application/json")


async def forward(app: Sanic, payload: dict[str, Any]) -> Answer:
    """Rasa's status and body for this message; it runs on when the visitor stops waiting."""
    url = f"{app.ctx.settings.rasa_url}{WEBHOOK}"
    async with app.ctx.rasa_http.post(
        url, data=jsonlib.dumps(payload), headers={"Content-Type": "application/json"}
    ) as response:
        return response.status, await response.read()
