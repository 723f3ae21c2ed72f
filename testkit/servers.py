"""Real Rasa and action servers for end-to-end tests, on free ports with their own databases."""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bot import services
from bot.services import free_port
from bot.settings import PROJECT_ROOT
from bot.storage.data_keys import KEY_FILE_NAME, Keyring
from bot.storage.sealing import unseal
from testkit.model_run import trained_model


@dataclass
class Stack:
    """The assistant as `make run` starts it, in a temporary directory."""

    workdir: Path
    model: Path = field(default_factory=trained_model)
    rasa_port: int = field(default_factory=free_port)
    actions_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)  # extra settings for every process
    credentials: Path = PROJECT_ROOT / "credentials.yml"  # Rasa's channels

    def __post_init__(self) -> None:
        self.token = secrets.token_hex(16)  # guards Rasa's HTTP API
        self.db_path = self.workdir / "handoffs.db"
        self.tracker_path = self.workdir / "tracker.db"
        self.endpoints = self.workdir / "endpoints.yml"
        self.endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.actions_port}/webhook"\n'
            "tracker_store:\n  type: bot.storage.tracker_store.DurableSQLTrackerStore\n"
            f"  dialect: sqlite\n  db: {self.tracker_path}\n"
            "lock_store:\n  type: bot.storage.lock_store.FileLockStore\n"
            f"  directory: {self.workdir / 'locks'}\n"
        )
        env = {
            "BOT_DB_URL": f"sqlite:///{self.db_path}",
            "BOT_RASA_URL": f"http://localhost:{self.rasa_port}",
            "BOT_WEB_PORT": str(self.web_port),
            **self.env,
        }
        self.actions = services.Service(
            "actions",
            services.actions_command(self.actions_port),
            f"http://127.0.0.1:{self.actions_port}/health",
            env=env,
        )
        self.rasa = services.Service(
            "rasa",
            services.rasa_command(
                self.model,
                self.rasa_port,
                self.endpoints,
                self.credentials,
                token=self.token,
            ),
            f"http://localhost:{self.rasa_port}/",
            env=env,
        )
        self.web = services.Service(
            "web", services.web_command(), f"http://localhost:{self.web_port}/health", env=env
        )

    @property
    def url(self) -> str:
        return f"http://localhost:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://localhost:{self.web_port}"

    def start(self, web: bool = True) -> Stack:
        try:
            services.start(self.actions)
            services.start(self.rasa)
            if web:
                services.start(self.web)
        except BaseException:
            self.stop()  # one service failing to start leaves none of the others behind
            raise
        return self

    def stop(self) -> None:
        services.stop(self.web)
        services.stop(self.rasa)
        services.stop(self.actions)

    def restart_rasa(self) -> None:
        services.stop(self.rasa)
        services.start(self.rasa)

    def say(
        self, sender: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        payload: dict[str, Any] = {"sender": sender, "message": text}
        if metadata:
            payload["metadata"] = metadata
        response = requests.post(f"{self.url}/webhooks/rest/webhook", json=payload, timeout=60)
        response.raise_for_status()
        return list(response.json())

    def user_events(self, sender: str) -> list[dict[str, Any]]:
        """The visitor's messages as Rasa stored them in its tracker store."""
        with sqlite3.connect(self.tracker_path) as conn:
            rows = conn.execute(
                "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                (sender,),
            ).fetchall()
        # Sealed under the stack's key, made beside its handoff database (bot/storage/data_keys.py).
        ring = Keyring.parse((self.workdir / KEY_FILE_NAME).read_text(), "the stack's key file")
        return [json.loads(unseal(row[0], ring)) for row in rows]


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(str(r.get("text", "")) for r in replies)
