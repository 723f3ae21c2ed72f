"""A PostgreSQL cluster of our own: its own data folder and port, started with pg_ctl."""

from __future__ import annotations

import os
import pwd
import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
from psycopg2 import sql

from bot.prod.packages import binary

DATABASES = ("rasa", "aluma")  # Rasa's tracker store, and our handoff store


@dataclass
class LocalPostgres:
    root: Path  # holds data/, the socket and the log
    port: int = 5433
    user: str = "aluma"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str) -> None:
        # initdb and the server refuse to run as root: as root, run them as `postgres`.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, *command], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-800:]}")

    def _owned(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(path, owner.pw_uid, owner.pw_gid)

    def init(self) -> None:
        """Create the cluster once: password logins over TCP, trust on its private socket."""
        if os.geteuid() == 0:
            # `postgres` must be able to walk down to its folders (temporary folders are 0700).
            for parent in self.root.parents:
                if parent.stat().st_uid == 0 and not parent.stat().st_mode & 0o001:
                    parent.chmod(parent.stat().st_mode | 0o111)
                if parent == Path("/tmp") or parent == Path("/"):
                    break
        for folder in (self.root, self.socket_dir):
            self._owned(folder)
        if (self.data / "PG_VERSION").exists():
            return
        self._owned(self.data)
        self._run(
            binary("initdb"),
            "-D",
            str(self.data),
            "--username=postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
        )

    def start(self) -> None:
        self._run(
            binary("pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "postgres.log"),
            "-w",
            "-t",
            "60",
            "start",
            "-o",
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c max_connections=200 -c synchronous_commit=on",
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(binary("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        # Not `pg_ctl restart`: the server it starts would inherit our output pipe, not the log.
        self.stop()
        self.start()

    def provision(self) -> None:
        """The application role and its databases (idempotent; resets the role's password)."""
        conn = psycopg2.connect(
            host=str(self.socket_dir), port=self.port, user="postgres", dbname="postgres"
        )
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (self.user,))
            verb = "ALTER" if cur.fetchone() else "CREATE"
            cur.execute(
                sql.SQL(verb + " ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(self.user)),
                (self.password,),
            )
            for database in DATABASES:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
                if not cur.fetchone():
                    cur.execute(
                        sql.SQL("CREATE DATABASE {} OWNER {}").format(
                            sql.Identifier(database), sql.Identifier(self.user)
                        )
                    )
        conn.close()
