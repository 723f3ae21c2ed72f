"""Rasa's Socket.IO channel, corrected for python-socketio 5.10+ and guarded.

Rasa 3.6 calls `AsyncServer.enter_room` without `await` (RasaHQ/rasa #13027). Since
python-socketio 5.10 that is a coroutine, so with `session_persistence` on the visitor's socket
never joins its session room and widgets such as rasa-webchat receive no reply at all. This
channel registers its own `session_request` and message handlers that await it, neutralise typed
`/intent` shortcuts, and ignore malformed metadata instead of failing on it.

Rasa turns Socket.IO's own CORS handling off (`cors_allowed_origins=[]`), which leaves browsers
on other origins with no Access-Control-Allow-Origin header; here Socket.IO checks every request,
polling and WebSocket alike, against the chat's allow-list (bot/channels/origins.py) and answers
the preflight, and refuses other origins with a 400.
"""

from __future__ import annotations

import inspect
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels import socketio
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint

from bot.channels import origins
from bot.channels.inbound import guarded
from bot.channels.text import clean, valid_sender

logger = logging.getLogger(__name__)
paths: set[str] = set()  # where Socket.IO is served, for the workers' relay (rasa_server/)


def _metadata(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    if not isinstance(raw, dict):
        return {}
    try:
        json.dumps(raw, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError):  # not JSON, or not text (a lone surrogate)
        return {}
    return raw


class SocketIOInput(socketio.SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        handle_new_message = guarded(on_new_message)
        webhook = super().blueprint(handle_new_message)
        sio = self.sio
        assert sio is not None
        sio.eio.cors_allowed_origins = origins.socketio_check(origins.allowed())
        paths.add("/" + self.socketio_path.strip("/") + "/")

        async def session_request(sid: str, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            if not valid_sender(session_id):  # also what Rasa's tracker store cannot keep
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                entered = sio.enter_room(sid, session_id)
                if inspect.isawaitable(entered):  # python-socketio >= 5.10
                    await entered
            await sio.emit("session_confirm", session_id, room=sid)

        async def handle_message(sid: str, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            if self.session_persistence:
                sender_id = data.get("session_id")
                if not valid_sender(sender_id):
                    logger.warning("socket.io message without a valid session_id ignored")
                    return
            else:
                sender_id = sid
            text = data.get("message")
            message = UserMessage(
                clean(text) if isinstance(text, str) else "",
                socketio.SocketIOOutput(sio, self.bot_message_evt),
                sender_id,
                input_channel=self.name(),
                metadata=_metadata(data.get(self.metadata_key)),
            )
            await handle_new_message(message)

        # Registering again for the same event replaces Rasa's handlers.
        sio.on("session_request", namespace=self.namespace)(session_request)
        sio.on(self.user_message_evt, namespace=self.namespace)(handle_message)
        return webhook
