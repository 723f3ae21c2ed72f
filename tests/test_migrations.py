"""Our tables' migrations (bot/db/): a fresh database, one made by create_all, and the check that
the revisions build exactly the tables the code declares."""

from __future__ import annotations

import multiprocessing
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from bot.db import migrate, schema
from bot.handoffs.store import HandoffStore, create_db_engine, handoffs
from bot.prod.postgres import LocalPostgres
from bot.services import free_port
from bot.storage import data_keys
from tests.conftest import ROOT

OURS = set(schema.metadata.tables)


def differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, schema.metadata))


def tables(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return migrate.current(connection)


@pytest.fixture(autouse=True)
def data_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows written straight through an engine are sealed too: a key from the environment."""
    monkeypatch.setenv("BOT_DATA_KEY", data_keys.new_key())
    monkeypatch.delenv("BOT_DATA_KEY_FILE", raising=False)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'aluma.db'}")
    yield engine
    engine.dispose()


def a_handoff(engine: Engine) -> str:
    """A handoff written as the code before migrations wrote it (not through the store, which
    would upgrade the database first)."""
    with engine.begin() as connection:
        connection.execute(
            handoffs.insert().values(
                id="h1",
                reference="AL-ABCDEF",
                submission_key="key-1",
                sender_id="visitor",
                created_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
                reply_by=datetime(2026, 1, 2, tzinfo=timezone.utc),
                name="Ana",
                contact="ana@example.com",
                contact_kind="email",
                question="How much does it cost?",
                consent=True,
                transcript=[],
                status="open",
            )
        )
    return "AL-ABCDEF"


def test_a_fresh_database_gets_exactly_the_declared_tables(engine: Engine) -> None:
    assert migrate.upgrade(engine) is None  # it was empty
    assert tables(engine) == OURS | {"alembic_version"}
    assert revision(engine) == migrate.head()
    # A table or column added in code without a revision shows up here and fails `make test`:
    # write one with `bot db revision -m "..."` (docs/migrations.md).
    assert differences(engine) == []


def test_a_database_made_by_create_all_is_adopted_and_keeps_its_rows(engine: Engine) -> None:
    schema.metadata.create_all(engine)
    reference = a_handoff(engine)
    assert migrate.upgrade(engine) is None  # no revision was recorded
    assert revision(engine) == migrate.head()
    assert differences(engine) == []
    assert HandoffStore(engine).get(reference) is not None


def test_an_older_create_all_database_gets_the_tables_it_lacks(engine: Engine) -> None:
    # Before the staff inbox: only the handoffs table; create_all added the others later.
    schema.metadata.tables["handoffs"].create(engine)
    reference = a_handoff(engine)
    migrate.upgrade(engine)
    assert tables(engine) == OURS | {"alembic_version"}
    assert differences(engine) == []
    assert HandoffStore(engine).get(reference) is not None


def test_upgrading_again_changes_nothing(engine: Engine) -> None:
    migrate.upgrade(engine)
    reference = a_handoff(engine)
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    assert migrate.upgrade(engine) == migrate.head()
    assert migrate.upgrade(engine) == migrate.head()
    assert not [s for s in statements if not s.lstrip().upper().startswith(("SELECT", "PRAGMA"))]
    assert revision(engine) == migrate.head()
    assert HandoffStore(engine).get(reference) is not None


def test_the_store_upgrades_the_database_it_opens(engine: Engine) -> None:
    HandoffStore(engine)
    assert revision(engine) == migrate.head()


def _upgrade_in_child(url: str) -> None:
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    engine.dispose()


def test_processes_starting_together_on_a_fresh_database_upgrade_it_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'aluma.db'}"
    context = multiprocessing.get_context("fork")
    children = [context.Process(target=_upgrade_in_child, args=(url,)) for _ in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
    assert [child.exitcode for child in children] == [0, 0, 0, 0]
    engine = create_db_engine(url)
    with engine.connect() as connection:
        versions = connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    assert [v for (v,) in versions] == [migrate.head()]
    assert differences(engine) == []


def test_every_table_in_the_code_is_in_the_migrations_schema() -> None:
    # A module with new tables that bot/db/schema.py does not import would escape the check above.
    declared = set()
    for path in (ROOT / "bot").rglob("*.py"):
        declared |= set(re.findall(r'Table\(\s*"(\w+)",\s*metadata\b', path.read_text()))
    assert declared == OURS


def test_the_revisions_form_one_line() -> None:
    assert migrate.head() == "0002"  # update with each new revision's number


@pytest.fixture(scope="module")
def postgres() -> Iterator[LocalPostgres]:
    if shutil.which("pg_ctl") is None and not Path("/usr/lib/postgresql").exists():
        pytest.skip("PostgreSQL is not installed")
    # Not under pytest's basetemp: each pytest run resets that to 0700, locking `postgres` out.
    root = Path(tempfile.mkdtemp(prefix="aluma-migrations-"))
    server = LocalPostgres(root, free_port())
    try:
        server.init()
        server.start()
        server.provision()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.servers
def test_postgresql_fresh_then_create_all_databases(postgres: LocalPostgres) -> None:
    engine = create_db_engine(postgres.url("aluma"))
    try:
        assert migrate.upgrade(engine) is None
        assert migrate.upgrade(engine) == migrate.head()
        assert differences(engine) == []
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE alembic_version"))
            for table in reversed(schema.metadata.sorted_tables):
                table.drop(connection)
        schema.metadata.create_all(engine)
        reference = a_handoff(engine)
        assert migrate.upgrade(engine) is None
        assert revision(engine) == migrate.head()
        assert differences(engine) == []
        assert HandoffStore(engine).get(reference) is not None
    finally:
        engine.dispose()
