"""rasa-webchat, the third-party Socket.IO widget, on a clinic's page of another origin.

The widget is rasa-webchat 1.0.1 from the npm registry, installed once into build/ (not
committed); its `lib/index.js` is served by a small site of its own, one port reached as two
origins: http://127.0.0.1:<port> (allowed) and http://localhost:<port> (not on the list). The
page's `?server=` names the chat server, so one site serves the tests of every stack.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Request, expect

from bot.settings import PROJECT_ROOT

VERSION = "1.0.1"
PACKAGE = PROJECT_ROOT / "build" / "npm" / f"rasa-webchat-{VERSION}"
SCRIPT = PACKAGE / "node_modules" / "rasa-webchat" / "lib" / "index.js"
# What the README tells a clinic to paste, with the script from this site instead of a CDN.
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A clinic's page</title></head>
<body><main><h1>Botox for rosacea</h1><p>The clinic's own article.</p></main>
<script src="/rasa-webchat.js"></script>
<script>
  WebChat.default({{
    socketUrl: "{server}",
    socketPath: "/socket.io/",
    initPayload: "/greet",
    title: "Aluma Aesthetics",
    subtitle: "Questions about Botox for rosacea",
    params: {{ storage: "local" }}
  }}, null);
</script>
</body></html>"""


def script() -> bytes:
    """rasa-webchat's bundle, installed from the npm registry on first use (by one test process
    at a time: the other waits for it)."""
    PACKAGE.mkdir(parents=True, exist_ok=True)
    with (PACKAGE.parent / f"{PACKAGE.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not SCRIPT.exists():
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError("npm is needed to install rasa-webchat for the Socket.IO tests")
            subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts",
                 "--prefix", str(PACKAGE), f"rasa-webchat@{VERSION}"],
                check=True, capture_output=True, timeout=600,
            )  # fmt: skip
    return SCRIPT.read_bytes()


class ClinicSite:
    """The clinic's site: the page with rasa-webchat talking to `?server=`, and its script."""

    def __init__(self, port: int = 0) -> None:
        bundle = script()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                if url.path == "/rasa-webchat.js":
                    body, kind = bundle, "application/javascript"
                else:
                    server = urllib.parse.parse_qs(url.query).get("server", [""])[0]
                    body, kind = PAGE.format(server=server).encode(), "text/html"
                self.send_response(200)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.httpd.server_address[1]
        self.allowed = f"http://127.0.0.1:{self.port}"
        self.refused = f"http://localhost:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def page(self, origin: str, server: str) -> str:
        """The page's address on `origin` (allowed or refused), talking to `server`."""
        return f"{origin}/?{urllib.parse.urlencode({'server': server})}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Webchat:
    """rasa-webchat on a page, as a visitor uses it."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.launcher = page.locator(".rw-launcher")
        self.input = page.locator(".rw-new-message")
        self.errors: list[str] = []  # the page's exceptions and CORS refusals
        self.failed: list[str] = []  # the page's Socket.IO requests that got no answer it may read
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._on_console)
        page.on("requestfailed", self._on_failed)

    def _on_console(self, message: ConsoleMessage) -> None:
        if "CORS" in message.text:
            self.errors.append(message.text)

    def _on_failed(self, request: Request) -> None:
        if "/socket.io/" in request.url:
            self.failed.append(request.url)

    def open(self) -> None:
        expect(self.launcher).to_be_visible(timeout=20_000)  # shown once the socket is connected
        self.launcher.click()
        expect(self.input).to_be_visible()

    def bot_messages(self) -> Locator:
        return self.page.locator(".rw-response .rw-message-text")

    def say(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def bot_says(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            said = "\n".join(self.bot_messages().all_inner_texts())
            if text in said:
                return said
            if time.monotonic() > deadline:
                raise AssertionError(f"rasa-webchat never showed {text!r}; it showed {said!r}")
            self.page.wait_for_timeout(200)

    def visitor_messages_shown(self) -> list[str]:
        return [
            t.strip() for t in self.page.locator(".rw-client .rw-message-text").all_inner_texts()
        ]

    def session_id(self) -> str:
        """The session id rasa-webchat keeps in localStorage (its "chat_session")."""
        value = self.page.evaluate(
            "JSON.parse(localStorage.getItem('chat_session') || '{}').session_id || ''"
        )
        return str(value)


def converse_on_the_clinics_site(browser: Browser, site: ClinicSite, server: str) -> list[str]:
    """rasa-webchat on an allowed page of the clinic: the launcher opens, the greeting and an FAQ
    answer come, and after a reload the conversation is still there and goes on. Returns the
    session id and what the visitor said, for the caller to find in Rasa's tracker store."""
    page = browser.new_context().new_page()
    chat = Webchat(page)
    page.goto(site.page(site.allowed, server))
    chat.open()
    chat.bot_says("24 hours")  # the greeting, for rasa-webchat's initPayload "/greet"
    chat.say("how many units are used?")
    chat.bot_says("10-20 units")
    session = chat.session_id()
    assert len(session) == 32, session

    page.reload()
    expect(chat.input).to_be_visible(timeout=20_000)  # the panel stays open, as it was
    assert chat.visitor_messages_shown() == ["how many units are used?"]
    assert "10-20 units" in "\n".join(chat.bot_messages().all_inner_texts())
    chat.say("is it covered by insurance?")
    chat.bot_says("insurance")
    assert chat.session_id() == session
    assert not chat.errors, chat.errors
    page.context.close()
    return [session, "/greet", "how many units are used?", "is it covered by insurance?"]


def refused_on_a_site_not_allowed(browser: Browser, site: ClinicSite, server: str) -> None:
    """The same page on an origin not on the list: Socket.IO refuses it, no connection."""
    page = browser.new_context().new_page()
    chat = Webchat(page)
    page.goto(site.page(site.refused, server))
    deadline = time.monotonic() + 15
    while len(chat.failed) < 2 and time.monotonic() < deadline:  # it tries again, and again
        page.wait_for_timeout(200)
    assert len(chat.failed) >= 2, chat.failed
    assert any("Access-Control-Allow-Origin" in error for error in chat.errors), chat.errors
    assert page.locator(".rw-launcher").count() == 0  # rasa-webchat shows it once connected
    page.context.close()
