"""The website widget: GET /widget.js and /widget.css (what the one script tag loads), and the
demo article page at / with a strict Content-Security-Policy.

The static files are read and gzipped once; they are served compressed to browsers that accept
it, with an ETag so that revalidation costs a 304.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, empty, raw

from bot.web import security
from bot.widget import page

bp = Blueprint("widget")

STATIC = Path(page.__file__).with_name("static")
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

# The demo page runs nothing but /widget.js and connects nowhere but here; any HTML that reached
# it could neither run nor be assigned through innerHTML (Trusted Types). Every other response
# gets bot/web/security.py's headers and its stricter default policy.
PAGE_CSP = security.csp(
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
)


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    etag: str
    content_type: str


@cache
def asset(name: str) -> Asset:
    path = STATIC / name
    body = path.read_bytes()
    return Asset(
        body=body,
        gzipped=gzip.compress(body, compresslevel=9, mtime=0),
        etag=f'"{hashlib.sha256(body).hexdigest()[:16]}"',
        content_type=TYPES[path.suffix],
    )


def serve(request: Request, name: str) -> HTTPResponse:
    item = asset(name)
    headers = {
        "ETag": item.etag,
        "Cache-Control": "public, max-age=300",
        "Vary": "Accept-Encoding",
        # Pages of other sites load these files (the widget is embedded there).
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if request.headers.get("if-none-match") == item.etag:
        return empty(status=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return raw(item.gzipped, headers=headers, content_type=item.content_type)
    return raw(item.body, headers=headers, content_type=item.content_type)


@bp.get("/widget.js")
async def widget_js(request: Request) -> HTTPResponse:
    return serve(request, "widget.js")


@bp.get("/widget.css")
async def widget_css(request: Request) -> HTTPResponse:
    return serve(request, "widget.css")


@bp.get("/demo.css")
async def demo_css(request: Request) -> HTTPResponse:
    return serve(request, "demo.css")


@bp.get("/")
async def demo(request: Request) -> HTTPResponse:
    body = page.demo_page().encode()
    response = raw(body, content_type="text/html; charset=utf-8")
    return security.apply(response, {"Content-Security-Policy": PAGE_CSP})
