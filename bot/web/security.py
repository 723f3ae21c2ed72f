"""Security headers on every response of the web service, from one response middleware.

Whatever a response is (a page, a JSON error, a 404, /health, a static file, the chat proxy's
answer), it leaves with DEFAULTS: no MIME sniffing, no referrer beyond the origin, no framing,
and a Content-Security-Policy that lets a non-HTML response load and run nothing. A handler or
blueprint that needs its own policy (the demo page, the staff inbox) sets it with `apply`, and
the middleware fills in only what is still missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from sanic import Sanic
from sanic.request import Request
from sanic.response import BaseHTTPResponse

R = TypeVar("R", bound=BaseHTTPResponse)

# JSON, JavaScript, CSS and errors need nothing from a CSP; if one were ever rendered as a
# document, it could load nothing, run nothing and be framed by no one.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

DEFAULTS: Mapping[str, str] = {
    "Content-Security-Policy": API_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def csp(*directives: str) -> str:
    """A Content-Security-Policy from its directives, always with frame-ancestors 'none'."""
    if not any(d.startswith("frame-ancestors ") for d in directives):
        directives = (*directives, "frame-ancestors 'none'")
    return "; ".join(directives)


def apply(response: R, headers: Mapping[str, str]) -> R:
    """Sets `headers` on the response, replacing the defaults where they differ."""
    for name, value in headers.items():
        response.headers[name] = value
    return response


async def add_defaults(request: Request, response: BaseHTTPResponse) -> None:
    for name, value in DEFAULTS.items():
        response.headers.setdefault(name, value)


def install(app: Sanic) -> None:
    """Every response of `app`, error responses included, gets the default headers."""
    app.register_middleware(add_defaults, "response")
