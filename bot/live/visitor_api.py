"""The visitor's side of a live chat: GET /live/events, a server-sent event stream of what
staff (and the assistant, when the chat ends) write, and POST /live/typing.

The visitor's own messages go through the chat proxy as always (bot/web/chat_proxy.py), which
hands them to bot/live/relay.py while a live chat is on. Only a sender id this service signed
may listen.
"""

from __future__ import annotations

import asyncio
import logging

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, empty

from bot.live import sse, store
from bot.live.hub import chat_channel, woken
from bot.live.takeover import Live
from bot.web.chat_proxy import cors_headers, error, refused, too_fast

logger = logging.getLogger(__name__)

bp = Blueprint("live_visitor")

EVENTS = "/live/events"
TYPING = "/live/typing"
TYPING_SHOWN_SECONDS = 6.0
# Wake-ups come from this process (or Redis); the poll also finds what another process wrote.
POLL_SECONDS = 2.0


def _sender(request: Request, value: object) -> str | None:
    return value if isinstance(value, str) and request.app.ctx.senders.valid(value) else None


@bp.options(TYPING)
async def typing_preflight(request: Request) -> HTTPResponse:
    headers = cors_headers(request)
    if headers is None:
        return refused(request)
    return empty(
        status=204,
        headers={
            **headers,
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
        },
    )


@bp.post(TYPING)
async def typing(request: Request) -> HTTPResponse:
    headers = cors_headers(request)
    if headers is None:
        return refused(request)
    body = request.json if isinstance(request.json, dict) else {}
    sender = _sender(request, body.get("sender"))
    if sender is None:
        return error("This conversation is not known here.", 403, headers, "unknown_sender")
    live: Live = request.app.ctx.live
    chat = store.active_for(live.engine, sender)
    if chat is not None:
        await live.typing(chat, "visitor")
    return empty(status=204, headers=headers)


@bp.get(EVENTS)
async def events(request: Request) -> HTTPResponse | None:
    headers = cors_headers(request)
    if headers is None:
        return refused(request)
    limited = too_fast(request, headers)  # each (re)connection counts as a chat request
    if limited is not None:
        return limited
    sender = _sender(request, request.args.get("sender"))
    if sender is None:
        return error("This conversation is not known here.", 403, headers, "unknown_sender")
    live: Live = request.app.ctx.live
    after = sse.last_id(request.headers.get("last-event-id"), request.args.get("after"))
    response = await request.respond(
        content_type="text/event-stream; charset=utf-8", headers={**headers, **sse.HEADERS}
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + sse.STREAM_SECONDS
    shown_typing = 0.0
    last_sent = loop.time()
    await response.send("retry: 1000\n\n")
    with live.hub.listen(chat_channel(sender)) as waiter:
        while loop.time() < deadline:
            for message in store.messages_after(live.engine, after, sender_id=sender):
                if message.author in ("visitor", "alert"):
                    after = message.id  # the widget shows its own messages already
                    continue
                await response.send(sse.event("message", message.public(), message.id))
                after = message.id
            chat = store.active_for(live.engine, sender)
            typing_now = live.hub.typing.get(chat.id) if chat else None
            if typing_now and typing_now[0] != "visitor" and typing_now[1] > shown_typing:
                shown_typing = typing_now[1]
                if loop.time() - shown_typing < TYPING_SHOWN_SECONDS:
                    await response.send(sse.event("typing", {"name": typing_now[0]}))
            await woken(waiter, POLL_SECONDS)
            if loop.time() - last_sent > sse.HEARTBEAT_SECONDS:
                await response.send(": ping\n\n")  # keeps proxies from closing a quiet stream
                last_sent = loop.time()
    await response.eof()
    return None
