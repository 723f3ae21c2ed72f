"""Retrying database work while the server is briefly away (a restart, a fail-over).

A PostgreSQL restart takes a second or two; without this, every request in that window fails
and, in Rasa's tracker store, falls back to memory and loses the turn. Only errors that mean
"the server is not there" are retried: a missing table or a constraint is a real error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

logger = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_SECONDS = 20.0
FIRST_DELAY = 0.1
MAX_DELAY = 2.0


def is_transient(error: BaseException, engine: Engine) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    # SQLite reports "no such table" as an OperationalError too, and it has no server to wait for.
    return isinstance(error, OperationalError) and engine.dialect.name != "sqlite"


def _delays(seconds: float) -> list[float]:
    delays, delay, total = [], FIRST_DELAY, 0.0
    while total < seconds:
        delays.append(delay)
        total += delay
        delay = min(delay * 2, MAX_DELAY)
    return delays


def retrying(engine: Engine, work: Callable[[], T], seconds: float = RETRY_SECONDS) -> T:
    for delay in _delays(seconds):
        try:
            return work()
        except Exception as error:
            if not is_transient(error, engine):
                raise
            logger.warning("database unavailable (%s); retrying", type(error).__name__)
            time.sleep(delay)
    return work()


async def retrying_async(
    engine: Engine, work: Callable[[], Awaitable[T]], seconds: float = RETRY_SECONDS
) -> T:
    for delay in _delays(seconds):
        try:
            return await work()
        except Exception as error:
            if not is_transient(error, engine):
                raise
            logger.warning("database unavailable (%s); retrying", type(error).__name__)
            await asyncio.sleep(delay)
    return await work()
