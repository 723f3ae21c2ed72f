"""`bot keys rotate`: a new data key, every stored value re-encrypted under it, the old key gone.

It runs beside the assistant. The new key goes first into the key file and the old one stays
for reading; once every process has picked the file up again (data_keys.REFRESH_SECONDS), rows
are re-encrypted in small batches, each its own short transaction, so the assistant's own
writes wait milliseconds at most. Values written before encryption existed are sealed on the
way. Passes repeat until none is left under another key; only then is the old key dropped.
Stopped half-way, nothing is lost: the file still holds both keys, and a new run finishes.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.storage import data_keys
from bot.storage.data_keys import DataKeyError, Keyring
from bot.storage.encrypted_columns import EncryptedJSON, encrypted_columns
from bot.storage.sealing import bind_key_file, is_sealed, key_id_of, seal, unseal

BATCH = 200
PAUSE_SECONDS = 0.01  # between batches: the assistant's writes go first
MAX_PASSES = 5


@dataclass(frozen=True)
class Target:
    """One encrypted column of one table, walked in order of its (single) primary key."""

    table: str
    key: str
    column: str
    json: bool = False

    def raw(self) -> sa.TableClause:
        kind: Any = sa.JSON if self.json else sa.Text
        return sa.table(self.table, sa.column(self.key), sa.column(self.column, kind))


TRACKER_EVENTS = Target("events", "id", "data")


def targets(metadata: sa.MetaData) -> list[Target]:
    """The encrypted columns (bot/storage/encrypted_columns.py) of `metadata`'s tables."""
    found = []
    for column in encrypted_columns(metadata):
        [key] = column.table.primary_key.columns
        assert isinstance(column.table, sa.Table)
        found.append(
            Target(column.table.name, key.name, column.name, isinstance(column.type, EncryptedJSON))
        )
    return found


def resealed(value: Any, ring: Keyring, is_json: bool) -> Any | None:
    """The value sealed under the ring's current key, or None when it already is."""
    if value is None:
        return None
    if isinstance(value, str) and is_sealed(value):
        if key_id_of(value) == ring.current:
            return None
        return seal(unseal(value, ring), ring)
    if is_json:  # written before encryption: the data itself
        return seal(json.dumps(value), ring)
    return seal(str(value), ring)


def _retrying(engine: Engine, work: Callable[[], int]) -> int:
    # SQLite refuses a write at once (no waiting) when the assistant committed since this
    # batch's read began; the batch is simply done again.
    for attempt in range(200):
        try:
            return work()
        except sa.exc.OperationalError:
            if engine.dialect.name != "sqlite" or attempt == 199:
                raise
            time.sleep(0.02)
    raise AssertionError("unreachable")


def reencrypt(
    engine: Engine, target: Target, ring: Keyring, batch: int = BATCH, pause: float = PAUSE_SECONDS
) -> int:
    """One pass over a column; returns how many values it re-encrypted."""
    if not sa.inspect(engine).has_table(target.table):
        return 0
    raw = target.raw()
    key, column = raw.c[target.key], raw.c[target.column]
    last: list[Any] = []
    changed = 0

    def one_batch() -> int:
        nonlocal changed
        query = sa.select(key, column).order_by(key).limit(batch)
        if last:
            query = query.where(key > last[0])
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":  # overwrite what an update frees, as the purge
                conn.exec_driver_sql("PRAGMA secure_delete = ON")
            rows = conn.execute(query.with_for_update()).all()
            done = 0
            for row_key, value in rows:
                new = resealed(value, ring, target.json)
                if new is not None:
                    conn.execute(sa.update(raw).where(key == row_key).values({target.column: new}))
                    done += 1
        changed += done
        if rows:
            last[:] = [rows[-1][0]]
        return len(rows)

    while _retrying(engine, one_batch):
        time.sleep(pause)
    if changed and engine.dialect.name == "sqlite":
        with engine.connect() as conn:  # and the old values out of the write-ahead log
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return changed


def key_ids(engine: Engine, target: Target) -> Iterator[str]:
    """The key id of every stored value of a column ("plain" for one not encrypted yet)."""
    if not sa.inspect(engine).has_table(target.table):
        return
    raw = target.raw()
    with engine.connect() as conn:
        for (value,) in conn.execute(sa.select(raw.c[target.column])):
            if value is not None:
                kid = key_id_of(value) if isinstance(value, str) else None
                yield kid or "plain"


def count_by_key(stores: list[tuple[Engine, list[Target]]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for engine, columns in stores:
        for target in columns:
            for kid in key_ids(engine, target):
                counts[kid] = counts.get(kid, 0) + 1
    return counts


@dataclass
class Rotation:
    old_keys: list[str]
    new_key: str
    source: str  # the key file, or BOT_DATA_KEY
    changed: dict[str, int] = field(default_factory=dict)  # by table

    @property
    def total(self) -> int:
        return sum(self.changed.values())


def _encoded(ring: Keyring) -> list[str]:
    return [base64.urlsafe_b64encode(key).decode() for key in ring.keys.values()]


def rotate(
    stores: list[tuple[Engine, list[Target]]],
    settle_seconds: float = 3 * data_keys.REFRESH_SECONDS,
    batch: int = BATCH,
    pause: float = PAUSE_SECONDS,
) -> list[Rotation]:
    """Re-encrypt every target under a new key, per key file (the handoff database and the
    tracker store share one when they share a directory). Keys from BOT_DATA_KEY are not
    written: the operator puts the new key first, restarts, then runs this."""
    groups: dict[Path, list[tuple[Engine, list[Target]]]] = {}
    for engine, columns in stores:
        groups.setdefault(bind_key_file(engine), []).append((engine, columns))
    return [_rotate(path, group, settle_seconds, batch, pause) for path, group in groups.items()]


def _rotate(
    path: Path,
    stores: list[tuple[Engine, list[Target]]],
    settle_seconds: float,
    batch: int,
    pause: float,
) -> Rotation:
    ring = data_keys.keyring(path, create=True, force=True)
    assert ring is not None
    old = list(ring.keys)
    if ring.path is not None:
        data_keys.write_key_file(path, [data_keys.new_key(), *_encoded(ring)])
        ring = data_keys.keyring(path, force=True) or ring
        time.sleep(settle_seconds)  # every running process now seals under the new key
    rotation = Rotation([kid for kid in old if kid != ring.current], ring.current, ring.source)
    for _ in range(MAX_PASSES):
        for engine, columns in stores:
            for target in columns:
                done = reencrypt(engine, target, ring, batch, pause)
                rotation.changed[target.table] = rotation.changed.get(target.table, 0) + done
        left = {k: n for k, n in count_by_key(stores).items() if k != ring.current}
        if not left:
            break
    else:
        raise DataKeyError(f"values remain under other keys after {MAX_PASSES} passes: {left}")
    if ring.path is not None:  # only now: until here, a value under the old key may be read
        data_keys.write_key_file(path, _encoded(ring)[:1])
        data_keys.keyring(path, force=True)
    return rotation
