"""What live chat adds to the chat proxy's answer (bot/web/chat_proxy.py): during a live chat
the visitor's message is relayed to staff (bot/live/relay.py), and the greeting says
whether the team is online now, when the clinic has set office hours."""

from __future__ import annotations

import json
from typing import Any

from sanic import Sanic

from bot.channels.inbound import GREETINGS
from bot.live import store, words
from bot.live.relay import relay
from bot.live.store import Chat
from bot.live.takeover import Live
from bot.staff.times import utcnow


def active_chat(app: Sanic, sender: str) -> Chat | None:
    live: Live | None = getattr(app.ctx, "live", None)
    return store.active_for(live.engine, sender) if live else None


async def answered(app: Sanic, payload: dict[str, Any], chat: Chat | None, body: bytes) -> bytes:
    live: Live | None = getattr(app.ctx, "live", None)
    if live is None:
        return body
    try:
        answer = json.loads(body)
    except ValueError:
        return body
    if not isinstance(answer, list):
        return body
    if chat is not None:
        answer = await relay(live, chat, payload["message"], answer)
    elif payload["message"] in GREETINGS and live.config.hours.configured:
        now = utcnow()
        mode = "online" if live.available(now) else "closed"
        if mode == "closed" and live.config.hours.is_open(now):
            mode = "away"
        language = GREETINGS[payload["message"]]
        answer.append({"recipient_id": payload["sender"], "text": words.say(mode, language)})
    else:
        return body
    return json.dumps(answer).encode()
