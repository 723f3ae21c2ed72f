"""`bot db`: upgrade the database to the newest schema, see where it is, write a new revision."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from bot.db import migrate
from bot.handoffs.store import create_db_engine
from bot.settings import db_url

RUFF = str(Path(sys.executable).with_name("ruff"))


def _upgrade(args: argparse.Namespace) -> int:
    before = migrate.upgrade_url(args.url, args.revision)
    print(
        f"database at {migrate.head() if args.revision == 'head' else args.revision}"
        f" (was {before or 'empty'})"
    )
    return 0


def _current(args: argparse.Namespace) -> int:
    engine = create_db_engine(args.url)
    with engine.connect() as connection:
        print(f"{migrate.current(connection) or 'none'} (newest: {migrate.head()})")
    engine.dispose()
    return 0


def _revision(args: argparse.Namespace) -> int:
    """Compare the tables in code with a scratch database at the newest revision and write
    what differs as the next numbered revision, to be read and edited before committing."""
    scripts = ScriptDirectory.from_config(migrate.config())
    number = f"{len(list(scripts.walk_revisions())) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{Path(scratch) / 'head.db'}", future=True)
        migrate.upgrade(engine)
        with engine.begin() as connection:
            cfg = migrate.config(connection)
            # Written in the project's style, so that `make lint` passes as generated.
            cfg.set_section_option("post_write_hooks", "hooks", "ruff")
            cfg.set_section_option("post_write_hooks", "ruff.type", "exec")
            cfg.set_section_option("post_write_hooks", "ruff.executable", RUFF)
            cfg.set_section_option(
                "post_write_hooks", "ruff.options", "format REVISION_SCRIPT_FILENAME"
            )
            command.revision(cfg, args.message, autogenerate=True, rev_id=number)
        engine.dispose()
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = commands.add_parser("db", help="our tables' migrations (docs/migrations.md)")
    db.add_argument("--url", default=db_url(), help="database URL (default: BOT_DB_URL)")
    actions = db.add_subparsers(dest="db_command", required=True)
    upgrade = actions.add_parser("upgrade", help="bring the database to the newest schema")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(handler=_upgrade)
    current = actions.add_parser("current", help="the revision the database is at")
    current.set_defaults(handler=_current)
    revision = actions.add_parser("revision", help="write the next revision from the tables' code")
    revision.add_argument("-m", "--message", required=True)
    revision.set_defaults(handler=_revision)
