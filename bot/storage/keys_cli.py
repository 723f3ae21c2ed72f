"""`bot keys rotate`, `bot keys status`, `bot keys new`: the data key that encrypts visitors'
data at rest in the handoff database (BOT_DB_URL) and Rasa's tracker store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from bot.db.schema import metadata  # every table we own, so every encrypted column
from bot.handoffs.store import HandoffStore, create_db_engine
from bot.reports.store import resolve_url
from bot.settings import PROJECT_ROOT, db_url
from bot.staff import audit
from bot.staff.times import utcnow
from bot.storage import data_keys, key_rotation
from bot.storage.data_keys import DataKeyError
from bot.storage.key_check import TRACKER_SAMPLES, check_engine
from bot.storage.key_rotation import TRACKER_EVENTS, Target
from bot.storage.sealing import bind_key_file


def _tracker(args: argparse.Namespace) -> Engine | None:
    url = resolve_url(Path(args.project).resolve(), args.tracker_db)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None  # no conversation yet
    engine = create_db_engine(url)
    check_engine(engine, "the tracker store", TRACKER_SAMPLES)
    return engine


def _stores(args: argparse.Namespace) -> tuple[Engine, list[tuple[Engine, list[Target]]]]:
    handoffs = HandoffStore.from_url(db_url()).engine  # checks the key against its data
    stores = [(handoffs, key_rotation.targets(metadata))]
    tracker = _tracker(args)
    if tracker is not None:
        stores.append((tracker, [TRACKER_EVENTS]))
    return handoffs, stores


def _rotate(args: argparse.Namespace) -> int:
    handoffs, stores = _stores(args)
    for rotation in key_rotation.rotate(stores, batch=args.batch):
        retired = ", ".join(rotation.old_keys) or "none"
        detail = f"now {rotation.new_key}; retired {retired}; {rotation.total} values re-encrypted"
        with handoffs.begin() as conn:
            audit.record(conn, audit.operator(), "data_key_rotated", utcnow(), detail=detail[:200])
        tables = ", ".join(f"{table} {n}" for table, n in rotation.changed.items())
        print(
            f"Data key is now {rotation.new_key}: {rotation.total} values re-encrypted ({tables})."
        )
        if rotation.source == "BOT_DATA_KEY":
            print(
                f"Remove the retired key ({retired}) from BOT_DATA_KEY and restart the assistant."
            )
        else:
            print(f"Retired key {retired} removed from {rotation.source}.")
    print("Keep a backup of the key apart from the database's backups.")
    return 0


def _status(args: argparse.Namespace) -> int:
    _, stores = _stores(args)
    for engine, columns in stores:
        ring = data_keys.keyring(bind_key_file(engine), create=False)
        assert ring is not None  # checked
        print(f"{engine.url.render_as_string()}: keys in {ring.source}: {', '.join(ring.keys)}")
        for kid, count in sorted(key_rotation.count_by_key([(engine, columns)]).items()):
            print(f"  {count} values under {'no key (plain text)' if kid == 'plain' else kid}")
    return 0


def _new(_: argparse.Namespace) -> int:
    print(data_keys.new_key())
    return 0


def _guarded(handler: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return int(handler(args))
        except DataKeyError as error:
            print(f"bot keys: {error}", file=sys.stderr)
            return 2

    return run


def register(commands: Any) -> None:
    """Add the `keys` command group to the `bot` command's subparsers."""
    group = commands.add_parser("keys", help="the key that encrypts visitors' data at rest")
    actions = group.add_subparsers(dest="keys_command", required=True)
    rotate = actions.add_parser(
        "rotate", help="a new key; re-encrypt everything under it while the assistant runs"
    )
    status = actions.add_parser("status", help="how many stored values are under which key")
    for parser in (rotate, status):
        parser.add_argument("--tracker-db", help="Rasa's tracker store URL (else endpoints.yml)")
        parser.add_argument("--project", default=str(PROJECT_ROOT), help=argparse.SUPPRESS)
    rotate.add_argument("--batch", type=int, default=key_rotation.BATCH, help="rows a transaction")
    rotate.set_defaults(handler=_guarded(_rotate))
    status.set_defaults(handler=_guarded(_status))
    new = actions.add_parser("new", help="print a fresh key (for BOT_DATA_KEY)")
    new.set_defaults(handler=_new)
