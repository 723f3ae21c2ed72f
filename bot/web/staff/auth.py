"""Signing in to the staff inbox in two steps, the password and then the second factor (a code
from an authenticator app, enrolled with a QR code at the first sign-in, or a recovery code),
and signing out.

Only the second step starts a session; between the two the browser holds a pending sign-in
(bot/staff/sign_ins.py) that opens nothing else. Wrong codes count towards the same lock-out as
wrong passwords, and each is in the audit log.
"""

from __future__ import annotations

import asyncio
import hmac

import segno
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.staff import accounts, audit, second_factor, sessions, sign_ins, totp
from bot.staff.accounts import LOCKOUT, Login, authenticate, normalize_email
from bot.staff.times import duration, utcnow
from bot.web.ratelimit import client_of, retry_after
from bot.web.staff.guard import (
    HOME,
    LOGIN_COOKIE,
    PENDING_COOKIE,
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
CODE_PAGE = "/staff/login/code"
ENROL_PAGE = "/staff/login/enroll"


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
    outcome = await asyncio.to_thread(
        authenticate, engine, email, password, now, client, clear_failures=False
    )
    if outcome is Login.LOCKED:
        with engine.begin() as conn:
            audit.record(conn, email, "locked_out", now)
        error = f"Too many failed attempts. Try again in {duration(LOCKOUT)}."
        return _form(request, token, status=429, email=email, error=error, next=target)
    if outcome is Login.WRONG:
        error = "Wrong email or password."
        return _form(request, token, status=401, email=email, error=error, next=target)
    pending_token, _ = sign_ins.start(engine, email, target, now)
    enrolled = second_factor.is_enrolled(engine, email)
    response = redirect(CODE_PAGE if enrolled else ENROL_PAGE, status=303)
    age = int(sign_ins.PENDING_LIFETIME.total_seconds())
    set_cookie(response, settings, PENDING_COOKIE, pending_token, age)
    clear_cookie(response, settings, LOGIN_COOKIE)
    return response


def _pending(request: Request) -> tuple[str, sign_ins.Pending] | None:
    token = request.cookies.get(PENDING_COOKIE) or ""
    found = sign_ins.find(request.app.ctx.store.engine, token, utcnow())
    return (token, found) if found else None


def _start_again() -> HTTPResponse:
    return redirect(f"/staff/login?next={HOME}")


def _refused_step(request: Request) -> HTTPResponse | None:
    """Why this POST to a second-factor page cannot go on, if it cannot: no pending sign-in, a
    form not from it, too many tries from this client."""
    wait = request.app.ctx.login_limiter.hit(client_of(request))
    pending = _pending(request)
    if pending is None:
        return forbidden(request, "Your sign-in has expired. Log in again.")
    if not same(pending[1].csrf_token, request.form.get("csrf_token") or ""):
        return forbidden(request, "This form has expired. Log in again.")
    if wait is not None:
        return forbidden(request, f"Too many attempts. Wait {retry_after(wait)} seconds.")
    return None


def _failed(request: Request, pending: tuple[str, sign_ins.Pending], why: str) -> Login:
    """Record a failed second factor; a lock-out ends the pending sign-in."""
    engine = request.app.ctx.store.engine
    token, found = pending
    now = utcnow()
    with engine.begin() as conn:
        audit.record(conn, found.email, "second_factor_failed", now, detail=why)
    outcome = accounts.record_failure(engine, found.email, client_of(request), now)
    if outcome is Login.LOCKED:
        sign_ins.end(engine, token)
        with engine.begin() as conn:
            audit.record(conn, found.email, "locked_out", now)
    return outcome


def _locked_out(request: Request, pending: tuple[str, sign_ins.Pending]) -> HTTPResponse | None:
    """The login form with a 429 if this client is locked out of the account (ending the
    pending sign-in), else None."""
    engine = request.app.ctx.store.engine
    if not accounts.locked(engine, pending[1].email, client_of(request), utcnow()):
        return None
    sign_ins.end(engine, pending[0])
    return _start_again_locked(request, pending[1].email)


def _signed_in(request: Request, pending: tuple[str, sign_ins.Pending], how: str) -> HTTPResponse:
    settings = request.app.ctx.settings
    engine = request.app.ctx.store.engine
    token, found = pending
    now = utcnow()
    sign_ins.end(engine, token)
    accounts.clear_failures(engine, found.email, client_of(request))
    session_token, session = sessions.start(engine, found.email, now)
    with engine.begin() as conn:
        audit.record(conn, found.email, "logged_in", now, detail=how)
    response = redirect(safe_next(found.target), status=303)
    age = int((session.expires_at - now).total_seconds())
    set_cookie(response, settings, SESSION_COOKIE, session_token, age)
    clear_cookie(response, settings, PENDING_COOKIE)
    return response


@bp.get("/login/code")
async def code_form(request: Request) -> HTTPResponse:
    pending = _pending(request)
    if pending is None:
        return _start_again()
    if not second_factor.is_enrolled(request.app.ctx.store.engine, pending[1].email):
        return redirect(ENROL_PAGE)
    return page(request, "code.html", csrf=pending[1].csrf_token, error="")


@bp.post("/login/code")
async def code(request: Request) -> HTTPResponse:
    refused = _refused_step(request)
    if refused is not None:
        return refused
    pending = _pending(request)
    assert pending is not None
    locked = _locked_out(request, pending)
    if locked is not None:
        return locked
    engine = request.app.ctx.store.engine
    sent = (request.form.get("code") or "")[:64]
    outcome = await asyncio.to_thread(second_factor.check, engine, pending[1].email, sent, utcnow())
    if outcome.ok:
        how = outcome.check.value
        if outcome.check is second_factor.Check.RECOVERY:
            how = f"{how}, {outcome.recovery_left} left"
        return _signed_in(request, pending, how)
    if _failed(request, pending, outcome.check.value) is Login.LOCKED:
        return _start_again_locked(request, pending[1].email)
    error = {
        second_factor.Check.MISSING: "Enter the code from your authenticator app.",
        second_factor.Check.REPLAYED: "That code was used already. Wait for the next one.",
        second_factor.Check.RECOVERY_USED: "That recovery code was used already.",
    }.get(outcome.check, "That code is not right. Check the app and try again.")
    return page(request, "code.html", status=401, csrf=pending[1].csrf_token, error=error)


def _start_again_locked(request: Request, email: str) -> HTTPResponse:
    token = sessions.new_token()
    error = f"Too many failed attempts. Try again in {duration(LOCKOUT)}."
    response = _form(request, token, status=429, email=email, error=error, next=HOME)
    set_cookie(response, request.app.ctx.settings, LOGIN_COOKIE, token, LOGIN_FORM_SECONDS)
    clear_cookie(response, request.app.ctx.settings, PENDING_COOKIE)
    return response


def _enrol_page(
    request: Request, pending: tuple[str, sign_ins.Pending], status: int = 200, error: str = ""
) -> HTTPResponse:
    """A new secret and new recovery codes, shown this once; only their digests are kept."""
    token, found = pending
    secret = totp.new_secret()
    codes = second_factor.new_recovery_codes()
    hashes = [second_factor.code_hash(c) for c in codes]
    sign_ins.offer_enrolment(request.app.ctx.store.engine, token, secret, hashes)
    qr = segno.make(totp.provisioning_uri(secret, found.email), error="m")
    return page(
        request,
        "enroll.html",
        status=status,
        csrf=found.csrf_token,
        qr=qr.svg_inline(scale=5, title="QR code for your authenticator app"),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        codes=codes,
        error=error,
    )


@bp.get("/login/enroll")
async def enrol_form(request: Request) -> HTTPResponse:
    pending = _pending(request)
    if pending is None:
        return _start_again()
    if second_factor.is_enrolled(request.app.ctx.store.engine, pending[1].email):
        return redirect(CODE_PAGE)
    return _enrol_page(request, pending)


@bp.post("/login/enroll")
async def enrol(request: Request) -> HTTPResponse:
    refused = _refused_step(request)
    if refused is not None:
        return refused
    pending = _pending(request)
    assert pending is not None
    engine = request.app.ctx.store.engine
    found = pending[1]
    if second_factor.is_enrolled(engine, found.email):
        return redirect(CODE_PAGE, status=303)
    if found.enrol_secret is None:
        return redirect(ENROL_PAGE, status=303)
    locked = _locked_out(request, pending)
    if locked is not None:
        return locked
    now = utcnow()
    step = totp.matching_step(found.enrol_secret, request.form.get("code") or "", now)
    if step is None:
        if _failed(request, pending, "wrong code at enrolment") is Login.LOCKED:
            return _start_again_locked(request, found.email)
        error = (
            "That code did not match. Here is a new QR code and new recovery codes: remove the "
            "entry you just added from your app, scan this one, and enter its code."
        )
        return _enrol_page(request, pending, status=401, error=error)
    with engine.begin() as conn:
        second_factor.enroll(
            conn, found.email, found.enrol_secret, step, found.enrol_code_hashes, now
        )
        audit.record(conn, found.email, "second_factor_enrolled", now)
    # A new second factor: any session opened with the old one (or without one) ends.
    sessions.end_all(engine, found.email, "second factor enrolled", now)
    return _signed_in(request, pending, "first sign-in, second factor enrolled")


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
