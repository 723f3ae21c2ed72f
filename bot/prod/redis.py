"""A Redis server of our own for Rasa's lock store: loopback only, no persistence needed
(locks live for seconds; a restart simply frees them)."""

from __future__ import annotations

from pathlib import Path

import redis as redis_client  # type: ignore[import-untyped, unused-ignore]

from bot.prod.packages import binary
from bot.services import Service


def redis_service(root: Path, port: int) -> Service:
    root.mkdir(parents=True, exist_ok=True)
    return Service(
        "redis",
        [
            binary("redis-server"),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(root),
            "--protected-mode",
            "yes",
        ],
        health_url="",
        ready=lambda: bool(redis_client.Redis(port=port, socket_timeout=1).ping()),
    )
