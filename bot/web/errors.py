"""Errors as JSON with the status and a message a person can act on; no stack traces leak."""

from __future__ import annotations

import logging

from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse, json

from bot.error_logs import described

logger = logging.getLogger(__name__)


def handle(request: Request, error: Exception) -> HTTPResponse:
    if isinstance(error, SanicException):
        status = getattr(error, "status_code", 500) or 500
        return json({"error": str(error) or "request failed", "status": status}, status=status)
    # Not logger.exception: the message or a traceback's values could hold what a visitor sent.
    logger.error("unhandled error on %s %s: %s", request.method, request.path, described(error))
    return json({"error": "something went wrong on our side", "status": 500}, status=500)
