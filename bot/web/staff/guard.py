"""The gate in front of /staff: a session cookie for every page, a CSRF token for every form, and
headers that keep staff pages out of caches, frames and referrers."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any
from urllib.parse import quote

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.settings import Settings
from bot.staff import sessions
from bot.staff.times import utcnow
from bot.web import security
from bot.web.staff.render import page

bp = Blueprint("staff", url_prefix="/staff")

SESSION_COOKIE = "aluma_staff"
LOGIN_COOKIE = "aluma_staff_login"  # the login form's CSRF token, before there is a session
PENDING_COOKIE = "aluma_staff_pending"  # password right, second factor to come
HOME = "/staff/handoffs"
_SAFE_NEXT = re.compile(r"^/staff/[A-Za-z0-9/_-]*$")

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]

# On top of the app-wide headers (bot/web/security.py): staff pages are never cached, send no
# referrer, and may submit their forms and use their inline styles.
STAFF_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": security.csp(
        "default-src 'none'", "style-src 'unsafe-inline'", "form-action 'self'", "base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
}


@bp.middleware("response")
async def _security_headers(request: Request, response: HTTPResponse) -> None:
    security.apply(response, STAFF_HEADERS)


def safe_next(target: str | None) -> str:
    """Where to go after logging in: only a page of the inbox, never another site."""
    return target if target and _SAFE_NEXT.match(target) else HOME


def set_cookie(response: HTTPResponse, settings: Settings, name: str, value: str, age: int) -> None:
    response.cookies[name] = value
    cookie = response.cookies[name]
    cookie["path"] = "/staff"
    cookie["httponly"] = True
    # Lax: the session comes along when staff follow the inbox link in an email, never on a
    # cross-site POST. Forms carry a CSRF token as well.
    cookie["samesite"] = "Lax"
    cookie["max-age"] = age
    if settings.public_url.startswith("https://"):
        cookie["secure"] = True


def clear_cookie(response: HTTPResponse, settings: Settings, name: str) -> None:
    set_cookie(response, settings, name, "", 0)


def forbidden(request: Request, message: str) -> HTTPResponse:
    return page(request, "forbidden.html", status=403, message=message)


def staff_only(handler: Handler) -> Handler:
    """Log-in required; a POST must also carry the session's CSRF token."""

    @wraps(handler)
    async def gate(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        token = request.cookies.get(SESSION_COOKIE)
        engine = request.app.ctx.store.engine
        now = utcnow()
        session = sessions.find(engine, token, now)
        if session is None:
            if token:
                sessions.end_idle(engine, now, token)  # audited as an idle sign-out, if it was
            if request.method == "GET":
                return redirect(f"/staff/login?next={quote(request.path)}")
            return forbidden(
                request, "You are not logged in (or your session ended). Log in again."
            )
        request.ctx.staff = session
        request.ctx.session_token = token
        if request.method == "POST" and not session.csrf_ok(request.form.get("csrf_token")):
            return forbidden(
                request, "This form has expired or did not come from the inbox. Reload and retry."
            )
        return await handler(request, *args, **kwargs)

    return gate
