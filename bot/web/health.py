"""GET /health: the service is up and its database answers."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json
from sqlalchemy import text

bp = Blueprint("health")


@bp.get("/health")
async def health(request: Request) -> HTTPResponse:
    try:
        with request.app.ctx.store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        return json({"status": "degraded", "database": "unreachable"}, status=503)
    return json({"status": "ok", "database": "ok"})
