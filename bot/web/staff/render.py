"""Staff pages from Jinja templates, autoescaped: whatever a visitor typed is shown as text."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from sanic.request import Request
from sanic.response import HTTPResponse, html

from bot.delivery.messages import ROLES
from bot.staff import times

_templates = Environment(
    loader=PackageLoader("bot.web", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@pass_context
def _local(context: Context, when: datetime | None) -> str:
    return times.local(when, context["tz"]) if when else "–"


@pass_context
def _turn_time(context: Context, at: object) -> str:
    """A transcript turn's ISO time, in the clinic's zone."""
    try:
        return times.local(datetime.fromisoformat(str(at)), context["tz"]) if at else ""
    except ValueError:
        return ""


def _duration(span: timedelta | None) -> str:
    return times.duration(span) if span is not None else "–"


_templates.filters.update(local=_local, turn_time=_turn_time, duration=_duration)


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTTPResponse:
    """Render staff/<name> with the clock, the clinic's zone and the session's CSRF token."""
    now = times.utcnow()
    session = getattr(request.ctx, "staff", None)
    base: dict[str, Any] = {
        "tz": request.app.ctx.settings.clinic_timezone,
        "staff": session.email if session else None,
        "csrf": session.csrf_token if session else "",
        "roles": ROLES,
        "urgency": lambda reply_by: times.urgency(reply_by, now),
        "time_left": lambda reply_by: times.time_left(reply_by, now),
    }
    body = _templates.get_template(f"staff/{name}").render({**base, **context})
    return html(body, status=status)
