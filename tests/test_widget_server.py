"""The web service's side of the widget, without Rasa: the demo page and its headers, the
widget's files, and the REST proxy's origin checks and errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sanic import Sanic

from bot.settings import Settings
from bot.web.app import create_app
from bot.widget import page
from bot.widget.page import parse, render
from testkit.servers import free_port

STATIC = Path(page.__file__).with_name("static")
SITE = "https://alumaaesthetics.com"
WEBHOOK = "/webhooks/rest/webhook"


@pytest.fixture
def app(tmp_path: Path) -> Sanic:
    # Rasa is "at" a port nothing listens on.
    return create_app(
        Settings(
            db_url=f"sqlite:///{tmp_path / 'web.db'}",
            rasa_url=f"http://127.0.0.1:{free_port()}",
            allowed_origins=(SITE,),
        )
    )


def test_demo_page_is_the_article_with_the_widget_under_a_strict_policy(app: Sanic) -> None:
    _, response = app.test_client.get("/")
    assert response.status == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    csp = {
        d.split()[0]: d.split()[1:] for d in response.headers["content-security-policy"].split("; ")
    }
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"] and csp["default-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["require-trusted-types-for"] == ["'script'"]
    assert response.headers["x-content-type-options"] == "nosniff"

    body = response.text
    assert "<h1>Botox for Rosacea</h1>" in body
    for heading in ("The Cause of Rosacea", "Can Botox Help Rosacea", "What to Expect"):
        assert f"<h2>{heading}" in body or f": {heading}</h2>" in body
    assert '<script src="/widget.js" defer' in body
    assert '<a href="tel:+15036889235">503-688-9235</a>' in body
    assert "<script>" not in body and "style=" not in body  # nothing inline for the CSP to block
    assert "WpChatPlugins" not in body  # the old plugin's lines are gone


def test_article_text_is_escaped_on_the_page() -> None:
    article = (
        "Title <b>bold</b>\n\nIntro <script>alert(1)</script> & more.\n\n"
        "Sources: x\n\nContact Us\n\nOffice: 503-688-9235\n\nCopyright <i>me</i>\n\nPlugin"
    )
    html = render(parse(article))
    assert "<title>Title &lt;b&gt;bold&lt;/b&gt; | Aluma Aesthetics</title>" in html
    assert "<p>Intro &lt;script&gt;alert(1)&lt;/script&gt; &amp; more.</p>" in html
    assert "Copyright &lt;i&gt;me&lt;/i&gt;" in html and "Plugin" not in html


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/widget.js", "text/javascript"), ("/widget.css", "text/css"), ("/demo.css", "text/css")],
)
def test_widget_files_are_served_gzipped_and_revalidated(
    app: Sanic, path: str, content_type: str
) -> None:
    source = (STATIC / path.lstrip("/")).read_bytes()
    _, response = app.test_client.get(path, headers={"accept-encoding": "gzip"})
    assert response.status == 200
    assert response.headers["content-type"].startswith(content_type)
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content == source  # the client decompressed it
    etag = response.headers["etag"]

    _, plain = app.test_client.get(path, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == source
    _, again = app.test_client.get(path, headers={"if-none-match": etag})
    assert again.status == 304


def test_served_bytes_are_what_the_size_benchmark_measures(app: Sanic) -> None:
    from bench.widget_size import measure

    files = measure()["files"]
    assert isinstance(files, dict)
    for name in ("widget.js", "widget.css"):
        _, response = app.test_client.get(f"/{name}", headers={"accept-encoding": "gzip"})
        # What travels is the compressed body: its length is in content-length.
        assert int(response.headers["content-length"]) == files[name]["gzip_bytes"]


def test_preflight_is_answered_for_allowed_origins_only(app: Sanic) -> None:
    preflight = {"access-control-request-method": "POST"}
    _, ok = app.test_client.options(WEBHOOK, headers={**preflight, "origin": SITE})
    assert ok.status == 204
    assert ok.headers["access-control-allow-origin"] == SITE
    assert "POST" in ok.headers["access-control-allow-methods"]
    assert ok.headers["access-control-allow-headers"].lower() == "content-type"
    assert ok.headers["vary"] == "Origin"

    # The service's own pages may always use it, listed or not.
    own = {**preflight, "origin": "http://localhost:8000"}  # Settings.public_url
    assert app.test_client.options(WEBHOOK, headers=own)[1].status == 204

    _, refused = app.test_client.options(
        WEBHOOK, headers={**preflight, "origin": "https://evil.example"}
    )
    assert refused.status == 403
    assert "access-control-allow-origin" not in refused.headers


def test_a_message_from_another_origin_never_reaches_rasa(app: Sanic) -> None:
    # Rasa is unreachable here: a 403 (not a 503) shows the proxy did not even try.
    _, response = app.test_client.post(
        WEBHOOK,
        json={"sender": "s1", "message": "hi"},
        headers={"origin": "https://evil.example"},
    )
    assert response.status == 403
    assert response.json == {"error": "this origin may not use the chat", "status": 403}
    assert "access-control-allow-origin" not in response.headers


def test_unreachable_rasa_is_a_readable_503_the_widget_may_read(app: Sanic) -> None:
    _, session = app.test_client.post("/chat/session", headers={"origin": SITE})
    sender = session.json["sender"]
    _, response = app.test_client.post(
        WEBHOOK, json={"sender": sender, "message": "hi"}, headers={"origin": SITE}
    )
    assert response.status == 503
    assert response.json["status"] == 503 and "can't be reached" in response.json["error"]
    assert response.headers["access-control-allow-origin"] == SITE


def test_oversized_requests_are_refused(app: Sanic) -> None:
    _, response = app.test_client.post(
        WEBHOOK, json={"sender": "s1", "message": "x" * 20_000}, headers={"origin": SITE}
    )
    assert response.status == 413
