"""The staff's side of live chat, under /staff/live: the page (with its script), the online
switch, a server-sent event stream of the queue and the open chat, and the moves: take, send,
typing, hand back, close, follow up. Every route is behind the inbox's login (staff_only), and
every POST carries the session's CSRF token."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from sanic import Blueprint
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse, json, raw

from bot.live import sse, store
from bot.live.cases import transcript_with_staff
from bot.live.hub import QUEUE, woken
from bot.live.store import Chat
from bot.live.suggestions import suggest
from bot.live.takeover import Live, queue_entry
from bot.staff.times import utcnow
from bot.web import security
from bot.web.staff.guard import STAFF_HEADERS, staff_only
from bot.web.staff.render import page

bp = Blueprint("live_staff", url_prefix="/staff/live")

SCRIPT = Path(__file__).with_name("inbox.js")
MAX_TEXT = 1000  # as a visitor's message
_CHAT_ID = re.compile(r"^[0-9a-f]{32}$")
QUEUE_POLL_SECONDS = 1.0  # the action server queues visitors from another process
PRESENCE_EVERY_SECONDS = 10.0

# The inbox's policy, plus this page's own script and its event stream.
LIVE_HEADERS = {
    **STAFF_HEADERS,
    "Content-Security-Policy": security.csp(
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "style-src 'unsafe-inline'",
        "form-action 'self'",
        "base-uri 'none'",
    ),
}


@bp.middleware("response")
async def _security_headers(request: Request, response: HTTPResponse) -> None:
    security.apply(response, LIVE_HEADERS)


def _live(request: Request) -> Live:
    live: Live = request.app.ctx.live
    return live


def _chat(request: Request, chat_id: str) -> Chat:
    chat = store.get(_live(request).engine, chat_id) if _CHAT_ID.match(chat_id) else None
    if chat is None:
        raise NotFound("no such live chat")
    return chat


def _refused(message: str, status: int = 409) -> HTTPResponse:
    return json({"error": message, "status": status}, status=status)


def _holder_only(request: Request, chat: Chat) -> HTTPResponse | None:
    if chat.state != store.LIVE:
        return _refused("This chat is not live any more.")
    if chat.taken_by != request.ctx.staff.email:
        return _refused("Another member of staff holds this chat.", 403)
    return None


@bp.get("/")
@staff_only
async def live_page(request: Request) -> HTTPResponse:
    live = _live(request)
    now = utcnow()
    return page(
        request,
        "live.html",
        online=store.is_online(
            live.engine, request.ctx.staff.email, now, live.config.presence_seconds
        ),
        office_open=live.config.hours.is_open(now),
        configured=live.config.hours.configured,
        wait_seconds=int(live.config.wait_seconds),
    )


@bp.get("/inbox.js")
@staff_only  # nothing under /staff is served without a login
async def script(request: Request) -> HTTPResponse:
    return raw(SCRIPT.read_bytes(), content_type="text/javascript; charset=utf-8")


@bp.post("/online")
@staff_only
async def online(request: Request) -> HTTPResponse:
    live = _live(request)
    wanted = request.form.get("online") == "1"
    store.set_online(live.engine, request.ctx.staff.email, wanted, utcnow())
    await live.hub.publish(QUEUE)
    return json({"online": wanted})


@bp.get("/events")
@staff_only
async def events(request: Request) -> HTTPResponse:
    """The queue (a snapshot whenever it changes) and, with ?chat=, that chat's messages after
    Last-Event-ID, and the visitor's typing."""
    live = _live(request)
    email = request.ctx.staff.email
    chat_id = request.args.get("chat", "")
    chat_id = chat_id if _CHAT_ID.match(chat_id) else ""
    after = sse.last_id(request.headers.get("last-event-id"), request.args.get("after"))
    response = await request.respond(
        content_type="text/event-stream; charset=utf-8", headers={**LIVE_HEADERS, **sse.HEADERS}
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + sse.STREAM_SECONDS
    last_queue = ""
    shown_typing = 0.0
    last_presence = 0.0
    await response.send("retry: 1000\n\n")
    with live.hub.listen(QUEUE) as waiter:
        while loop.time() < deadline:
            now = utcnow()
            if loop.time() - last_presence > PRESENCE_EVERY_SECONDS:
                store.seen(live.engine, email, now)  # an open inbox keeps its member online
                last_presence = loop.time()
            entries = []
            for chat in store.active(live.engine):
                entry = queue_entry(chat, now)
                entry["mine"] = chat.taken_by == email
                entries.append(entry)
            snapshot = {
                "queue": entries,
                "online": store.is_online(live.engine, email, now, live.config.presence_seconds),
                "office_open": live.config.hours.is_open(now),
            }
            shown = sse.event("queue", snapshot)
            if shown != last_queue:
                # Wait times tick, so a snapshot goes out each poll while anyone waits.
                await response.send(shown)
                last_queue = shown
            if chat_id:
                for message in store.messages_after(live.engine, after, chat_id=chat_id):
                    await response.send(sse.event("message", message.public(), message.id))
                    after = message.id
                typing_now = live.hub.typing.get(chat_id)
                if typing_now and typing_now[0] == "visitor" and typing_now[1] > shown_typing:
                    shown_typing = typing_now[1]
                    await response.send(sse.event("typing", {"name": "visitor"}))
            await woken(waiter, QUEUE_POLL_SECONDS)
    await response.eof()
    return None  # type: ignore[return-value]  # streamed already: Sanic expects None


@bp.get("/<chat_id>")
@staff_only
async def chat_details(request: Request, chat_id: str) -> HTTPResponse:
    """The page the visitor is on, their language, the bot transcript, suggested answers."""
    live = _live(request)
    chat = _chat(request, chat_id)
    try:
        transcript = transcript_with_staff(await live.tracker.events(chat.sender_id))
    except Exception:
        transcript = []
    written = [t["text"] for t in transcript if t["role"] == "visitor"]
    written += store.visitor_texts(live.engine, chat.id)
    last = written[-1] if written else (chat.question or "")
    return json(
        {
            **queue_entry(chat, utcnow()),
            "mine": chat.taken_by == request.ctx.staff.email,
            "transcript": transcript,
            "suggestions": suggest(f"{chat.question or ''} {last}", chat.language),
        }
    )


@bp.post("/<chat_id>/take")
@staff_only
async def take(request: Request, chat_id: str) -> HTTPResponse:
    chat = _chat(request, chat_id)
    if not await _live(request).take(chat, request.ctx.staff.email, utcnow()):
        return _refused("Someone else took this chat, or the visitor stopped waiting.")
    return json({"taken": True})


@bp.post("/<chat_id>/send")
@staff_only
async def send(request: Request, chat_id: str) -> HTTPResponse:
    chat = _chat(request, chat_id)
    refused = _holder_only(request, chat)
    if refused:
        return refused
    text = (request.form.get("text") or "").strip()
    if not text:
        return _refused("Type a message first.", 400)
    if len(text) > MAX_TEXT:
        return _refused(f"Please keep a message under {MAX_TEXT} characters.", 413)
    message_id = await _live(request).staff_send(chat, request.ctx.staff.email, text, utcnow())
    return json({"id": message_id})


@bp.post("/<chat_id>/typing")
@staff_only
async def typing(request: Request, chat_id: str) -> HTTPResponse:
    chat = _chat(request, chat_id)
    if chat.state == store.LIVE and chat.taken_by == request.ctx.staff.email:
        await _live(request).typing(chat, store.first_name(request.ctx.staff.email))
    return json({})


@bp.post("/<chat_id>/handback")
@staff_only
async def hand_back(request: Request, chat_id: str) -> HTTPResponse:
    chat = _chat(request, chat_id)
    refused = _holder_only(request, chat)
    if refused:
        return refused
    await _live(request).hand_back(chat, request.ctx.staff.email, utcnow())
    return json({"state": "bot"})


@bp.post("/<chat_id>/close")
@staff_only
async def close(request: Request, chat_id: str) -> HTTPResponse:
    chat = _chat(request, chat_id)
    refused = _holder_only(request, chat)
    if refused:
        return refused
    reference = await _live(request).close(chat, request.ctx.staff.email, utcnow())
    return json({"state": "closed", "reference": reference})


@bp.post("/<chat_id>/followup")
@staff_only
async def follow_up(request: Request, chat_id: str) -> HTTPResponse:
    chat = _chat(request, chat_id)
    refused = _holder_only(request, chat)
    if refused:
        return refused
    await _live(request).to_form(chat, "followup", utcnow(), request.ctx.staff.email)
    return json({"state": "form"})
