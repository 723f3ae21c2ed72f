"""Rasa's REST channel (`/webhooks/rest/webhook`), checking what it is sent.

Rasa's own channel answers 200 with nothing when `sender` or `message` is not a string (it fails
inside); this one says what is wrong with a 400. It also refuses what would harm others:

- no `sender`: Rasa would put the message into one shared conversation, "default", and answer
  with whatever that conversation holds (another visitor's contact details at the consent step);
- a sender id that is not text (a lone surrogate) or has control characters: Rasa's SQL tracker
  store fails on it, and Rasa then exits (bot/channels/text.py);
- a message that is not text. Control characters are dropped from messages, metadata that is
  not text is dropped, and `input_channel` is always this channel, whatever the request says;
- a browser's request from a page whose origin is not allowed (bot/channels/origins.py): a 403,
  and a preflight only for allowed ones.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels import rest
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse, empty
from sanic.response import json as json_response

from bot.channels import origins
from bot.channels.inbound import guarded
from bot.channels.text import CONTROL, is_text, valid_sender
from bot.web import content_length


class RestInput(rest.RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        body = request.json
        if not isinstance(body, dict):
            raise InvalidUsage("send a JSON object with `sender` and `message`")
        return body

    async def _extract_sender(self, req: Request) -> str:
        sender = self._body(req).get("sender")
        if not valid_sender(sender):
            raise InvalidUsage(
                "`sender` must be a string of 1 to 255 characters, with no control characters"
            )
        assert isinstance(sender, str)
        return sender

    def _extract_message(self, req: Request) -> str | None:
        message = self._body(req).get("message")
        if message is None:
            return None
        if not isinstance(message, str):
            raise InvalidUsage("`message` must be a string")
        if not is_text(message):
            raise InvalidUsage("`message` must be text (it has a lone surrogate)")
        return CONTROL.sub("", message)

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        metadata = self._body(request).get("metadata")
        if not isinstance(metadata, dict):
            return None
        try:
            json.dumps(metadata, ensure_ascii=False).encode("utf-8")
        except (TypeError, ValueError):  # UnicodeEncodeError is a ValueError
            return None
        return metadata

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(guarded(on_new_message))
        content_length.install(webhook)  # for all of Rasa's server: one bad request hung it
        allowed = origins.allowed()

        def refuses(request: Request) -> bool:
            origin = request.headers.get("origin")
            own = f"{request.scheme}://{request.host}"
            return origin is not None and not origins.may(origin, own, allowed)

        def refused() -> HTTPResponse:
            body = {"error": "this origin may not use the chat", "status": 403}
            return json_response(body, status=403, headers={"Vary": "Origin"})

        @webhook.route("/webhook", methods=["OPTIONS"])
        async def preflight(request: Request) -> HTTPResponse:
            origin = request.headers.get("origin")
            if origin is None or refuses(request):
                return refused()
            return empty(
                status=204,
                headers={
                    "Access-Control-Allow-Origin": origin,
                    "Vary": "Origin",
                    **origins.PREFLIGHT,
                },
            )

        @webhook.middleware("request")
        async def only_allowed_origins(request: Request) -> HTTPResponse | None:
            return refused() if refuses(request) else None

        @webhook.middleware("response")
        async def allow_origin(request: Request, response: HTTPResponse) -> None:
            origin = request.headers.get("origin")
            if origin is not None and not refuses(request):
                response.headers["Access-Control-Allow-Origin"] = origin
                response.headers["Vary"] = "Origin"

        return webhook
