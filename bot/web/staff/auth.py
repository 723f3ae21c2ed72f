"""Logging in and out of the staff inbox."""

from __future__ import annotations

import asyncio
import hmac

from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.staff import audit, sessions
from bot.staff.accounts import LOCKOUT, Login, authenticate, normalize_email
from bot.staff.times import duration, utcnow
from bot.web.ratelimit import client_of, retry_after
from bot.web.staff.guard import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    bp,
    clear_cookie,
    forbidden,
    safe_next,
    set_cookie,
    staff_only,
)
from bot.web.staff.render import page

LOGIN_FORM_SECONDS = 3600


def _form(request: Request, token: str, status: int = 200, **context: str) -> HTTPResponse:
    context.setdefault("email", "")
    context.setdefault("error", "")
    return page(request, "login.html", status=status, csrf=token, **context)


@bp.get("/login")
async def login_form(request: Request) -> HTTPResponse:
    engine = request.app.ctx.store.engine
    target = safe_next(request.args.get("next"))
    if sessions.find(engine, request.cookies.get(SESSION_COOKIE), utcnow()):
        return redirect(target)
    token = sessions.new_token()
    response = _form(request, token, next=target)
    set_cookie(response, request.app.ctx.settings, LOGIN_COOKIE, token, LOGIN_FORM_SECONDS)
    return response


def _too_many(request: Request, wait: float) -> HTTPResponse:
    """The login form again, with a 429: this client tried too often (BOT_LOGIN_RATE_PER_MINUTE)."""
    seconds = retry_after(wait)
    token = request.cookies.get(LOGIN_COOKIE) or sessions.new_token()
    error = (
        "Too many login attempts from your network. "
        f"Wait {seconds} second{'s' if seconds != 1 else ''}, then try again."
    )
    email = normalize_email(request.form.get("email") or "")[:254]
    target = safe_next(request.form.get("next"))
    response = _form(request, token, status=429, email=email, error=error, next=target)
    response.headers["Retry-After"] = str(seconds)
    set_cookie(response, request.app.ctx.settings, LOGIN_COOKIE, token, LOGIN_FORM_SECONDS)
    return response


def same(expected: str, sent: str) -> bool:
    """A constant-time comparison that also takes what no browser would send (non-ASCII)."""
    return bool(expected) and hmac.compare_digest(
        expected.encode("utf-8", "surrogatepass"), sent.encode("utf-8", "surrogatepass")
    )


@bp.post("/login")
async def login(request: Request) -> HTTPResponse:
    settings = request.app.ctx.settings
    engine = request.app.ctx.store.engine
    client = client_of(request)
    wait = request.app.ctx.login_limiter.hit(client)
    if wait is not None:
        return _too_many(request, wait)
    token = request.cookies.get(LOGIN_COOKIE) or ""
    sent = request.form.get("csrf_token") or ""
    if not same(token, sent):
        return forbidden(request, "The login form has expired. Reload the page and try again.")
    email = normalize_email(request.form.get("email") or "")[:254]
    password = (request.form.get("password") or "")[:1024]
    target = safe_next(request.form.get("next"))
    now = utcnow()
    outcome = await asyncio.to_thread(authenticate, engine, email, password, now, client)
    if outcome is Login.LOCKED:
        with engine.begin() as conn:
            audit.record(conn, email, "locked_out", now)
        error = f"Too many failed attempts. Try again in {duration(LOCKOUT)}."
        return _form(request, token, status=429, email=email, error=error, next=target)
    if outcome is Login.WRONG:
        error = "Wrong email or password."
        return _form(request, token, status=401, email=email, error=error, next=target)
    session_token, session = sessions.start(engine, email, now)
    with engine.begin() as conn:
        audit.record(conn, email, "logged_in", now)
    response = redirect(target, status=303)
    age = int((session.expires_at - now).total_seconds())
    set_cookie(response, settings, SESSION_COOKIE, session_token, age)
    clear_cookie(response, settings, LOGIN_COOKIE)
    return response


@bp.post("/logout")
@staff_only
async def logout(request: Request) -> HTTPResponse:
    engine = request.app.ctx.store.engine
    sessions.end(engine, request.ctx.session_token)
    with engine.begin() as conn:
        audit.record(conn, request.ctx.staff.email, "logged_out", utcnow())
    response = redirect("/staff/login", status=303)
    clear_cookie(response, request.app.ctx.settings, SESSION_COOKIE)
    return response
