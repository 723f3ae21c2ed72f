"""At start, before any value is written: is the data key the one the database was written with?

Without this, a lost key file would be silently replaced by a new key, and the old data found
unreadable only when someone opened it; a wrong BOT_DATA_KEY would fail turn by turn.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.storage import data_keys
from bot.storage.data_keys import DataKeyError, Keyring
from bot.storage.sealing import bind_key_file, key_id_of

SAMPLE = 20  # values from each end of each table
TRACKER_SAMPLES = {"events": ("id", ("data",))}  # Rasa's table, by its growing id


def stored_key_ids(
    engine: Engine, table: str, order_column: str, columns: Iterable[str]
) -> set[str]:
    """The key ids of a sample of stored values: the first and last rows of `table` by
    `order_column` (the oldest and newest when it is a time or a growing id)."""
    if not sa.inspect(engine).has_table(table):
        return set()
    raw = sa.table(table, sa.column(order_column), *(sa.column(c, sa.Text) for c in columns))
    order = raw.c[order_column]
    found: set[str] = set()
    with engine.connect() as conn:
        for ordered in (order.asc(), order.desc()):
            query = sa.select(*(raw.c[c] for c in columns)).order_by(ordered).limit(SAMPLE)
            for row in conn.execute(query):
                for value in row:
                    kid = key_id_of(str(value).strip('"')) if value is not None else None
                    if kid:
                        found.add(kid)
    return found


def checked_keyring(found: set[str], what: str, path: Path) -> Keyring:
    """The keyring of key file `path` (or BOT_DATA_KEY), made now if the database holds nothing
    encrypted yet; DataKeyError when the key is missing or is not the one `found` values were
    sealed with."""
    configured = os.environ.get("BOT_DATA_KEY", "").strip() or path.exists()
    ring = data_keys.keyring(path, force=True) if configured else None
    if ring is None:  # a key this process still holds from a deleted file does not count
        if found:
            raise DataKeyError(
                f"{what} holds data encrypted under key {', '.join(sorted(found))} but the key "
                f"file {path} is missing and BOT_DATA_KEY is not set: restore "
                "the key file from your key backup (a new key cannot read this data)"
            )
        ring = data_keys.keyring(path, create=True)
        assert ring is not None
        return ring
    unknown = sorted(found - ring.keys.keys())
    if unknown:
        raise DataKeyError(
            f"{what} holds data encrypted under key {', '.join(unknown)}, but {ring.source} "
            f"holds key {', '.join(ring.keys)}: this is the wrong key; restore the right key "
            "file or set BOT_DATA_KEY to the key (or keys) the data was written with"
        )
    return ring


def check_engine(
    engine: Engine, what: str, samples: Mapping[str, tuple[str, tuple[str, ...]]]
) -> Keyring:
    """Bind the engine to its key file and check the key against `samples`
    ({table: (order column, encrypted columns)}) of its data."""
    path = bind_key_file(engine)
    found: set[str] = set()
    for table, (order, columns) in samples.items():
        found |= stored_key_ids(engine, table, order, columns)
    return checked_keyring(found, f"{what} ({engine.url.render_as_string()})", path)
