"""The web pages that may use Rasa's channels from a browser: the web service's allow-list.

Rasa started without `--cors` answers no cross-origin request, so a widget on the clinic's own
site (rasa-webchat over Socket.IO, or a REST widget) could not talk to it; started with it,
Sanic-CORS answers every route, the token-guarded HTTP API too. Here the channels themselves
hold browsers to BOT_ALLOWED_ORIGINS (and the demo page's BOT_PUBLIC_URL), as the web service's
chat proxy does, and refuse other origins. A request without an Origin header does not come from
a page in a browser, so it is not one to refuse, and neither is one from the server's own origin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot import settings

PREFLIGHT = {
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
}


def allowed() -> frozenset[str]:
    """BOT_ALLOWED_ORIGINS and BOT_PUBLIC_URL, as the web service reads them; never "*"."""
    return frozenset({*settings.allowed_origins(), settings.public_url()} - {"*"})


def may(origin: str, own: str, origins: frozenset[str]) -> bool:
    """Whether a page of `origin` may use a channel served at `own` (scheme://host): an allowed
    origin, or the server's own (same-origin, as clients outside browsers such as python-socketio's
    say)."""
    return origin in origins or origin == own


def socketio_check(origins: frozenset[str]) -> Callable[[str, dict[str, Any]], bool]:
    """Socket.IO's test of an Origin header (engineio's `cors_allowed_origins`)."""

    def check(origin: str, environ: dict[str, Any]) -> bool:
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return may(origin, own, origins)

    return check
