"""The tracker store's events table in a SQLite file, read and written through the sqlite3
module itself.

Through SQLAlchemy, even with plain connections and compiled statements, a turn's read and
write spent more time in SQLAlchemy than in SQLite: 13 % of the single-node server's time at 50
back-to-back visitors (bench/profile.py), of which the commit's sync was a third. Here the same
statements (compiled once by SQLAlchemy, so they stay Rasa's) run on one connection per process,
in WAL mode and synced on every commit as before. A connection is never shared across a fork:
a forked worker opens its own, and leaves the one it inherited alone (closing it would
release locks that belong to its parent). Rasa workers' CPU per message at 50 back-to-back
visitors, this and SQLAlchemy's path alternated four times: 11.0-11.6 ms against 11.3-13.8 ms
(medians 11.3 and 12.6).
"""

from __future__ import annotations

import itertools
import os
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",  # WAL's default would skip the sync per commit
    "PRAGMA busy_timeout=5000",
)


def apply_pragmas(connection: Any) -> None:
    cursor = connection.cursor()
    for pragma in PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


class _Query:
    """A SQLAlchemy statement compiled once to SQLite's SQL, with its parameters in order."""

    def __init__(self, statement: sa.sql.Executable, dialect: Any) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        defaults = {name: bind.value for name, bind in compiled.binds.items()}
        self.parameters: list[tuple[str, Any]] = [
            (name, defaults.get(name)) for name in compiled.positiontup or ()
        ]

    def arguments(self, **given: Any) -> tuple[Any, ...]:
        return tuple(given.get(name, default) for name, default in self.parameters)


class SQLiteEvents:
    def __init__(
        self,
        path: str,
        table: sa.Table,
        columns: Iterable[str],
        session_events: sa.sql.Select,
        session_count: sa.sql.Select,
        dialect: Any,
    ) -> None:
        self.path = path
        self.events = _Query(session_events, dialect)
        self.count = _Query(session_count, dialect)
        places = ", ".join("?" for _ in columns)
        self.insert = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({places})"
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        self._inherited: list[sqlite3.Connection] = []  # kept open, never used

    def connection(self) -> sqlite3.Connection:
        if self._connection is None or self._pid != os.getpid():
            if self._connection is not None:
                self._inherited.append(self._connection)
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            apply_pragmas(connection)
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def session_data(self, sender_id: str) -> list[str]:
        """The latest session's events of a conversation, as stored JSON, in order."""
        arguments = self.events.arguments(sender_id=sender_id)
        return [data for (data,) in self.connection().execute(self.events.sql, arguments)]

    def append(
        self,
        sender_id: str,
        stored: int | None,
        events: Iterable[Any],
        values: Callable[[str, Any], tuple[Any, ...]],
    ) -> int:
        """Writes the events after the first `stored` (counted in the transaction when None) in
        one transaction; returns how many the database holds of them now."""
        connection = self.connection()
        connection.execute("BEGIN IMMEDIATE")  # the write lock first: no upgrade that can fail
        try:
            if stored is None:
                arguments = self.count.arguments(sender_id=sender_id)
                stored = int(connection.execute(self.count.sql, arguments).fetchone()[0])
            rows = [values(sender_id, event) for event in itertools.islice(events, stored, None)]
            if rows:
                connection.executemany(self.insert, rows)
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        return stored + len(rows)
