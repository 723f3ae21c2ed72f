"""Reading Rasa's SQL tracker store (table `events`) directly, read-only."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from bot.settings import tracker_db_url
from bot.storage.data_keys import DataKeyError, Keyring, key_file, keyring
from bot.storage.sealing import is_sealed, unseal

_ENV = re.compile(r"\$\{([^}]+)\}")


class ReportError(Exception):
    """The report cannot be made; the message says why."""


@dataclass(frozen=True)
class Event:
    sender: str
    type: str
    timestamp: float
    intent: str | None
    action: str | None
    data: dict[str, Any]


# Rasa's own SQL store and ours (bot/storage/tracker_store.py), which keeps the same table.
SQL_STORES = {"SQL", "BOT.STORAGE.TRACKER_STORE.DURABLESQLTRACKERSTORE"}


def _expand(value: Any) -> Any:
    if isinstance(value, str):
        return _ENV.sub(lambda m: os.environ.get(m.group(1), ""), value)
    return value


def url_from_endpoints(root: Path) -> str:
    """The tracker store endpoints.yml configures, as an SQLAlchemy URL (SQLite paths are
    relative to the project, where Rasa runs)."""
    path = root / "endpoints.yml"
    config = (yaml.safe_load(path.read_text()) if path.exists() else None) or {}
    store = {k: _expand(v) for k, v in (config.get("tracker_store") or {}).items()}
    if str(store.get("type", "")).upper() not in SQL_STORES:
        raise ReportError(
            f"{path} configures no SQL tracker store; give --tracker-db or BOT_TRACKER_DB_URL"
        )
    dialect = str(store.get("dialect") or "sqlite")
    db = str(store.get("db") or "rasa.db")
    if dialect.startswith("sqlite"):
        file = Path(db) if Path(db).is_absolute() else root / db
        return f"sqlite:///{file}"
    host = store.get("url")
    if host and "://" in str(host):
        return str(host)
    url = sa.engine.URL.create(
        dialect,
        username=store.get("username"),
        password=store.get("password"),
        host=host,
        port=int(store["port"]) if store.get("port") else None,
        database=db,
    )
    return url.render_as_string(hide_password=False)


def resolve_url(root: Path, option: str | None = None) -> str:
    return option or tracker_db_url() or url_from_endpoints(root)


def _engine(url: str) -> sa.engine.Engine:
    if url.startswith("sqlite:///"):
        file = Path(url.removeprefix("sqlite:///"))
        if not file.exists():
            raise ReportError(f"no conversations yet: {file} does not exist")
        url = f"sqlite:///file:{file}?mode=ro&uri=true"  # read-only: never create or change it
    return sa.create_engine(url)


EVENTS = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("timestamp", sa.Float),
    sa.column("intent_name", sa.String),
    sa.column("action_name", sa.String),
    sa.column("data", sa.Text),
)


def opened(data: str, ring: Keyring | None) -> str:
    """An event's JSON, opened with the tracker store's key (never made here: a report must
    not leave a new key file beside a database it only reads)."""
    if is_sealed(data) and ring is None:
        raise DataKeyError(
            "the tracker store is encrypted and its key file is missing; set BOT_DATA_KEY "
            "or BOT_DATA_KEY_FILE"
        )
    return unseal(data, ring) if ring else data


def read_events(url: str, since: float) -> Iterator[Event]:
    """Every event of the conversations with a visitor message since `since` (a Unix time),
    earlier events included (they say whether a form was open), in order per conversation."""
    engine = _engine(url)
    ring = keyring(key_file(url), create=False)
    active = (
        sa.select(EVENTS.c.sender_id)
        .where(EVENTS.c.type_name == "user", EVENTS.c.timestamp >= since)
        .distinct()
    )
    query = (
        sa.select(
            EVENTS.c.sender_id,
            EVENTS.c.type_name,
            EVENTS.c.timestamp,
            EVENTS.c.intent_name,
            EVENTS.c.action_name,
            EVENTS.c.data,
        )
        .where(EVENTS.c.sender_id.in_(active))
        .order_by(EVENTS.c.sender_id, EVENTS.c.id)
    )
    try:
        with engine.connect() as connection:
            for row in connection.execute(query):
                try:
                    data = json.loads(opened(row.data, ring)) if row.data else {}
                except ValueError:
                    data = {}
                yield Event(
                    row.sender_id,
                    row.type_name,
                    float(row.timestamp or 0.0),
                    row.intent_name,
                    row.action_name,
                    data if isinstance(data, dict) else {},
                )
    except sa.exc.SQLAlchemyError as error:
        raise ReportError(f"cannot read the tracker store ({error.__class__.__name__})") from None
    except DataKeyError as error:
        raise ReportError(str(error)) from None
    finally:
        engine.dispose()
