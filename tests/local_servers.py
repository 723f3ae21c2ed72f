"""Real local servers for the staff tests: an SMTP server (aiosmtpd) and a webhook receiver
(http.server) on 127.0.0.1 that keep everything they receive, and the web service as a process."""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

from aiosmtpd.controller import Controller

from bot import services
from bot.settings import PROJECT_ROOT
from testkit.servers import free_port

T = TypeVar("T")


def wait_until(check: Callable[[], T], timeout: float = 20, what: str = "condition") -> T:
    """Poll `check` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not met within {timeout:.0f} s")
        time.sleep(0.1)


class SmtpSink:
    """aiosmtpd on a port of its own; `messages` are the parsed emails, oldest first."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(parsed)
        return "250 Message accepted for delivery"

    def start(self) -> SmtpSink:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count: int, timeout: float = 20) -> list[EmailMessage]:
        wait_until(lambda: len(self.messages) >= count, timeout, f"{count} email(s)")
        return self.messages

    @property
    def settings(self) -> dict[str, str]:
        """The environment that points the service at this server."""
        return {
            "BOT_SMTP_HOST": "127.0.0.1",
            "BOT_SMTP_PORT": str(self.port),
            "BOT_SMTP_STARTTLS": "false",
            "BOT_FROM_EMAIL": "Aluma Aesthetics <assistant@aluma.test>",
            "BOT_STAFF_EMAIL": "frontdesk@aluma.test",
        }


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return str(part.get_content())


class WebhookSink:
    """An HTTP server that records each POST; answers `statuses` in turn, then 200. The body is
    "ok", or what `answer` makes of the request's JSON after `delay` seconds (a slow Rasa)."""

    def __init__(
        self,
        statuses: list[int] | None = None,
        answer: Callable[[Any], Any] | None = None,
        delay: float = 0.0,
    ) -> None:
        self.port = free_port()
        self.requests: list[tuple[dict[str, str], Any]] = []
        self.statuses = list(statuses or [])
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                payload = json.loads(self.rfile.read(length) or b"null")
                sink.requests.append((dict(self.headers), payload))
                time.sleep(delay)
                body = b"ok" if answer is None else json.dumps(answer(payload)).encode()
                status = sink.statuses.pop(0) if sink.statuses else 200
                self.send_response(status)
                if answer is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/staff"

    @property
    def payloads(self) -> list[Any]:
        return [payload for _, payload in self.requests]

    def start(self) -> WebhookSink:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class WebProcess:
    """`python -m bot.web` as `make run` starts it, with its output kept in a log file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.service = services.Service(
            "web",
            services.web_command(),
            f"{self.url}/health",
            env={**env, "BOT_WEB_PORT": str(self.port)},
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WebProcess:
        with self.log_path.open("ab") as log:
            self.service.process = subprocess.Popen(
                self.service.command,
                cwd=PROJECT_ROOT,
                env={**os.environ, **self.service.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        services.wait_healthy(self.service.health_url, 60, self.service.process)
        return self

    def stop(self) -> None:
        services.stop(self.service)

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
