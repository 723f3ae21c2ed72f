"""Column types that keep what visitors wrote or gave encrypted at rest (bot/storage/sealing.py).

Declare a new column that holds visitor text with one of these and nothing else is needed: the
value is sealed on the way in and opened on the way out, `bot keys rotate` finds the column by
its type and re-encrypts it, and the tests' marker scan covers it:

    Column("body", EncryptedText, nullable=False)
    Column("attachments", EncryptedJSON)

The key is the one of the engine's database (sealing.bind_key_file; HandoffStore binds its
engine). The database column stays TEXT (or JSON, holding a JSON string), so no migration is needed.
Such a column cannot be searched or sorted by its content: look rows up by reference, id or time.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, Column, MetaData, Text
from sqlalchemy.types import TypeDecorator

from bot.storage.sealing import is_sealed, ring_for, seal, unseal


class EncryptedText(TypeDecorator[str]):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else seal(value, ring_for(dialect))

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else unseal(value, ring_for(dialect))


class EncryptedJSON(TypeDecorator[Any]):
    """JSON data, stored as the JSON string of its sealed serialization."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return None if value is None else seal(json.dumps(value), ring_for(dialect))

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, str) and is_sealed(value):
            return json.loads(unseal(value, ring_for(dialect)))
        return value  # written before encryption: already the data


ENCRYPTED_TYPES = (EncryptedText, EncryptedJSON)


def encrypted_columns(metadata: MetaData) -> list[Column[Any]]:
    """Every encrypted column of the tables in `metadata`, for `bot keys rotate`."""
    return [
        column
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, ENCRYPTED_TYPES)
    ]
