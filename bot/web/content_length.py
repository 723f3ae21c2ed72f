"""Refuse a request whose Content-Length is not one whole number, before Sanic reads its body.

Sanic 21.12 (the version Rasa 3.6 pins) takes `Content-Length: -1` as it is: reading the body it
then returns empty chunks forever without awaiting, so the event loop never runs again and one
request hangs the whole server, every visitor's chat with it. The fuzz tests found it. This
handler of Sanic's `http.lifecycle.request` signal runs after the headers are parsed and before
the body is read, and turns such a request (or one with two different lengths, a request
smuggling trick) into a 400. The web service installs it, and so does our REST channel in Rasa.
"""

from __future__ import annotations

import re

from sanic import Blueprint, Sanic
from sanic.exceptions import InvalidUsage
from sanic.request import Request

EVENT = "http.lifecycle.request"
_LENGTH = re.compile(r"[0-9]{1,18}")


async def check(request: Request) -> None:
    lengths = {value.strip() for value in request.headers.getall("content-length", [])}
    if not lengths:
        return
    if len(lengths) > 1 or not _LENGTH.fullmatch(next(iter(lengths))):
        raise InvalidUsage("Content-Length must be one whole number of bytes")


def install(app: Sanic | Blueprint) -> None:
    """On an app, or on a blueprint (whose signals Sanic applies to every request of its app)."""
    app.signal(EVENT)(check)
