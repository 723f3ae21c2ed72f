"""The scaled-out assistant on one machine, as `make run-prod` starts it:

    nginx :8080 ──> web service :8000 ──> nginx (loopback) :8081 ──> Rasa replicas :5005, :5006
                 └─ /socket.io/ (sticky) ─────────────────────────────┘      │
    Rasa replicas: tracker store PostgreSQL :5433 (db rasa), lock store Redis :6380
    action server :5055 and web service: handoff store PostgreSQL (db aluma)

Every process is our own: data and logs under var/prod/, servers on loopback only.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bot import services
from bot.db import migrate
from bot.prod import packages
from bot.prod.nginx import nginx_service, render
from bot.prod.postgres import LocalPostgres
from bot.prod.redis import redis_service
from bot.services import Service
from bot.settings import PROJECT_ROOT, VAR_DIR, rasa_token


@dataclass
class Ports:
    postgres: int = 5433
    redis: int = 6380
    rasa: tuple[int, ...] = (5005, 5006)
    actions: int = 5055
    web: int = 8000
    public: int = 8080
    internal: int = 8081

    @classmethod
    def free(cls) -> Ports:
        """Ports nothing listens on now: a topology beside a running one (tests, benchmarks)."""
        port = services.free_port
        return cls(port(), port(), (port(), port()), port(), port(), port(), port())


@dataclass
class Topology:
    model: Path
    root: Path = VAR_DIR / "prod"
    ports: Ports = field(default_factory=Ports)
    env: dict[str, str] = field(default_factory=dict)  # extra settings (SMTP...) for all
    token: str = field(default_factory=rasa_token)
    public_host: str = "127.0.0.1"  # the address nginx listens on for visitors

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.postgres = LocalPostgres(self.root / "postgres", self.ports.postgres)
        self.endpoints = self._write_endpoints()
        self.built = False

    def _build(self) -> None:
        """The processes, once the packages they run on are installed."""
        self.redis = redis_service(self.root / "redis", self.ports.redis)
        self.redis.log = self.root / "redis.log"
        app_env = {
            "BOT_DB_URL": self.postgres.url("aluma"),
            "BOT_RASA_URL": f"http://127.0.0.1:{self.ports.internal}",
            "BOT_WEB_PORT": str(self.ports.web),
            "BOT_PUBLIC_URL": f"http://localhost:{self.ports.public}",
            "BOT_TRACKER_DB_URL": self.postgres.url("rasa"),
            # Live chat: Rasa's API through the internal nginx, wake-ups through Redis.
            "RASA_TOKEN": self.token,
            "BOT_REDIS_URL": f"redis://127.0.0.1:{self.ports.redis}/2",
            **self.env,
        }
        self.actions = Service(
            "actions",
            services.actions_command(self.ports.actions),
            f"http://127.0.0.1:{self.ports.actions}/health",
            env=app_env,
            log=self.root / "actions.log",
        )
        self.replicas = [
            Service(
                f"rasa-{port}",
                services.rasa_command(
                    self.model, port, self.endpoints, PROJECT_ROOT / "credentials.yml", self.token
                ),
                f"http://127.0.0.1:{port}/",
                # One worker a replica: the replicas are the processes here (2 on 2 cores).
                env={"SANIC_WORKERS": "1", **app_env},
                log=self.root / f"rasa-{port}.log",
            )
            for port in self.ports.rasa
        ]
        self.web = Service(
            "web",
            services.web_command(),
            f"http://127.0.0.1:{self.ports.web}/health",
            env=app_env,
            log=self.root / "web.log",
        )
        conf = render(
            self.root / "nginx",
            f"{self.public_host}:{self.ports.public}",
            self.ports.internal,
            self.ports.web,
            list(self.ports.rasa),
        )
        self.nginx = nginx_service(conf, self.ports.public)
        self.nginx.log = self.root / "nginx.log"
        self.built = True

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.public}"

    def replica_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports.rasa[index]}"

    def _write_endpoints(self) -> Path:
        path = self.root / "endpoints.yml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds a password
        with os.fdopen(fd, "w") as out:
            out.write(
                f'action_endpoint:\n  url: "http://127.0.0.1:{self.ports.actions}/webhook"\n'
                "tracker_store:\n  type: bot.storage.tracker_store.DurableSQLTrackerStore\n"
                "  dialect: postgresql\n  url: 127.0.0.1\n"
                f"  port: {self.ports.postgres}\n  db: rasa\n  username: {self.postgres.user}\n"
                f'  password: "{self.postgres.password}"\n'
                "lock_store:\n  type: redis\n  url: 127.0.0.1\n"
                f"  port: {self.ports.redis}\n  db: 1\n  key_prefix: aluma\n"
            )
        return path

    def start(self) -> Topology:
        packages.ensure_installed()
        self._build()
        self.postgres.init()
        self.postgres.start()
        self.postgres.provision()
        migrate.upgrade_url(self.postgres.url("aluma"))  # before the processes that use it
        services.start(self.redis)
        services.start(self.actions)
        # The replicas load the model side by side (a Rasa start is mostly model loading).
        with ThreadPoolExecutor(len(self.replicas)) as pool:
            list(pool.map(services.start, self.replicas))
        services.start(self.web)
        services.start(self.nginx)
        return self

    @property
    def services(self) -> list[Service]:
        """The processes we supervise (PostgreSQL runs detached under pg_ctl)."""
        return [self.redis, self.actions, *self.replicas, self.web, self.nginx]

    def stop(self) -> None:
        if self.built:
            for service in reversed(self.services):
                services.stop(service)
        self.postgres.stop()
