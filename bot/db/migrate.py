"""Bring a database to the newest schema with Alembic, safely from several processes at once.

A database made before migrations existed (by `create_all`) has our tables but no
`alembic_version`: it is adopted at the baseline, which only adds the tables it lacks, and then
upgraded like any other.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"
# Any fixed number: PostgreSQL advisory locks are keyed by integers chosen by the application.
_PG_LOCK_KEY = 0x616C756D61  # "aluma"


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def head() -> str:
    heads = ScriptDirectory.from_config(config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads, expected one: {heads}")
    return str(heads[0])


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _is_legacy(connection: Connection) -> bool:
    """Our tables are there but no revision is recorded: `create_all` made them."""
    from bot.db.schema import metadata

    names = set(inspect(connection).get_table_names())
    return "alembic_version" not in names and bool(names & set(metadata.tables))


@contextlib.contextmanager
def _exclusive(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that no other process's upgrade runs beside: the web service
    and the action server may both start on a fresh database."""
    database = engine.url.database
    with contextlib.ExitStack() as stack:
        if engine.dialect.name == "sqlite" and database and database != ":memory:":
            # Held until the transaction below has committed, so the next one sees its work.
            lock = stack.enter_context(open(f"{database}.migrate-lock", "a"))
            fcntl.flock(lock, fcntl.LOCK_EX)
        connection = stack.enter_context(engine.begin())
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        yield connection


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Upgrade to `revision`; returns the revision the database was at before (None: empty)."""
    target = head() if revision == "head" else revision
    with engine.connect() as connection:
        if current(connection) == target:
            return target  # every start after the first: no lock, no Alembic run
    with _exclusive(engine) as connection:
        before = current(connection)
        if before is None and _is_legacy(connection):
            logger.info("database made by create_all: adopting it at the baseline %s", BASELINE)
        command.upgrade(config(connection), revision)
        return before


def upgrade_url(url: str, revision: str = "head") -> str | None:
    from bot.handoffs.store import create_db_engine

    engine = create_db_engine(url)
    try:
        return upgrade(engine, revision)
    finally:
        engine.dispose()
