"""Start the assistant's processes together and stop them together (`bot run`, `make run`)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.settings import PROJECT_ROOT, rasa_token


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str  # answers 200 once the service is up; "" when `ready` says instead
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    ready: Callable[[], bool] | None = None  # for services that do not speak HTTP
    log: Path | None = None  # where its output goes (default: inherited)


_handed_out: set[int] = set()


def free_port() -> int:
    """A port nothing listens on now and not handed out before in this process (for tests and
    benchmarks that start their own servers). The kernel may offer a port again as soon as the
    probe closes, before the server it was meant for binds it: a CI run once gave a web service
    and the action server of one stack the same port."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def rasa_command(
    model: Path, port: int, endpoints: Path, credentials: Path, token: str | None = None
) -> list[str]:
    """Rasa with its HTTP API on, behind a token (`bot deploy` replaces models through it),
    listening on loopback only unless RASA_INTERFACE says otherwise: visitors come through the
    web service, which hands out the sender ids (or through nginx in `make run-prod`)."""
    interface = os.environ.get("RASA_INTERFACE", "127.0.0.1")
    return [
        *(sys.executable, "-m", "bot.rasa_server", "run", "--model", str(model)),
        *("--port", str(port)),
        *("--interface", interface),
        *("--endpoints", str(endpoints), "--credentials", str(credentials)),
        *("--enable-api", "--auth-token", token or rasa_token()),
    ]


def actions_command(port: int) -> list[str]:
    return [sys.executable, "-m", "bot.action_server", "--port", str(port)]


def web_command() -> list[str]:
    return [sys.executable, "-m", "bot.web"]


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def wait_healthy(
    url: str,
    timeout: float,
    process: subprocess.Popen[bytes] | None = None,
    ready: Callable[[], bool] | None = None,
) -> None:
    check = ready or (lambda: _http_ok(url))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url or 'service'}: process exited with code {process.returncode}")
        try:
            if check():
                return
        except Exception:  # not up yet: a refused connection, a half-started server
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url or 'service'} not healthy after {timeout:.0f} s")


# Rasa reports usage to its vendor, and with it errors to Sentry, unless told not to: nothing
# about the clinic's visitors or servers leaves the machine unless the clinic sets it to true.
NO_TELEMETRY = {"RASA_TELEMETRY_ENABLED": "false"}


def start(service: Service, cwd: Path = PROJECT_ROOT, timeout: float = 180) -> None:
    output = open(service.log, "ab") if service.log else None  # noqa: SIM115 - child keeps it
    try:
        service.process = subprocess.Popen(
            service.command,
            cwd=cwd,
            env={**NO_TELEMETRY, **os.environ, **service.env},
            start_new_session=True,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
        )
    finally:
        if output:
            output.close()
    wait_healthy(service.health_url, timeout, service.process, service.ready)


def stop(service: Service, timeout: float = 20) -> None:
    process = service.process
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def kill(service: Service) -> None:
    """Stop a service the hard way, as a crash would (fault tests)."""
    process = service.process
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def run_all(model: Path) -> int:
    rasa_port = int(os.environ.get("RASA_PORT", "5005"))
    actions_port = int(os.environ.get("ACTIONS_PORT", "5055"))
    web_port = int(os.environ.get("BOT_WEB_PORT", "8000"))
    services = [
        Service(
            "actions", actions_command(actions_port), f"http://127.0.0.1:{actions_port}/health"
        ),
        Service(
            "rasa",
            rasa_command(
                model, rasa_port, PROJECT_ROOT / "endpoints.yml", PROJECT_ROOT / "credentials.yml"
            ),
            f"http://localhost:{rasa_port}/",
        ),
        Service(
            "web",
            web_command(),
            f"http://localhost:{web_port}/health",
            env={"BOT_RASA_URL": os.environ.get("BOT_RASA_URL", f"http://localhost:{rasa_port}")},
        ),
    ]
    try:
        for service in services:
            print(f"starting {service.name} ...", flush=True)
            start(service)
        print(
            f"\nReady. Chat over REST: POST http://localhost:{rasa_port}/webhooks/rest/webhook\n"
            f"Web service: http://localhost:{web_port}/\n"
            "Terminal chat: `make shell` in another terminal. Stop with Ctrl-C.\n",
            flush=True,
        )
        return supervise(services)
    finally:
        for service in reversed(services):
            stop(service)


def supervise(services: list[Service]) -> int:
    """Wait for Ctrl-C or SIGTERM (0), or for a service to exit on its own (1)."""
    stopping = False

    def _stop_all(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop_all)
    signal.signal(signal.SIGTERM, _stop_all)
    while not stopping:
        for service in services:
            if service.process is not None and service.process.poll() is not None:
                print(f"{service.name} exited ({service.process.returncode}); stopping")
                return 1
        time.sleep(1)
    return 0
