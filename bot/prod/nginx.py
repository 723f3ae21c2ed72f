"""nginx in front of the web service and the Rasa replicas, from a template we render."""

from __future__ import annotations

import os
from pathlib import Path

from bot.prod.packages import binary
from bot.services import Service

TEMPLATE = Path(__file__).with_name("templates") / "nginx.conf"


def render(
    root: Path, public_listen: str, internal_port: int, web_port: int, rasa_ports: list[int]
) -> Path:
    """nginx.conf under root; public_listen is "host:port" for visitors."""
    root.mkdir(parents=True, exist_ok=True)
    for folder in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (root / folder).mkdir(exist_ok=True)
    conf = root / "nginx.conf"
    conf.write_text(
        TEMPLATE.read_text().format(
            root=root,
            user_line="user root;" if os.geteuid() == 0 else "",
            public_listen=public_listen,
            internal_port=internal_port,
            web_port=web_port,
            rasa_servers="\n        ".join(
                f"server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in rasa_ports
            ),
        )
    )
    return conf


def nginx_service(conf: Path, public_port: int) -> Service:
    return Service(
        "nginx",
        [binary("nginx"), "-c", str(conf), "-p", str(conf.parent)],
        health_url=f"http://127.0.0.1:{public_port}/health",
    )
