"""Rasa's REST channel (`/webhooks/rest/webhook`), checking what it is sent.

Rasa's own channel answers 200 with nothing when `sender` or `message` is not a string (it fails
inside); this one says what is wrong with a 400.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels import rest
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot.channels.inbound import guarded


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

    async def _extract_sender(self, req: Request) -> str | None:
        sender = self._body(req).get("sender")
        if sender is not None and (not isinstance(sender, str) or not 0 < len(sender) <= 255):
            raise InvalidUsage("`sender` must be a string of 1 to 255 characters")
        return sender

    def _extract_message(self, req: Request) -> str | None:
        message = self._body(req).get("message")
        if message is not None and not isinstance(message, str):
            raise InvalidUsage("`message` must be a string")
        return message

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        metadata = self._body(request).get("metadata")
        return metadata if isinstance(metadata, dict) else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return super().blueprint(guarded(on_new_message))
