"""Database work waits out a server that is briefly away, and fails fast on real errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.storage import retry

POSTGRES = sa.create_engine("postgresql://nobody@127.0.0.1:1/none")  # never connected
SQLITE = sa.create_engine("sqlite://")


def flaky(failures: int, error: Exception) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def work() -> str:
        calls.append(1)
        if len(calls) <= failures:
            raise error
        return "done"

    return calls, work


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry.time, "sleep", lambda _: None)


GONE = OperationalError("SELECT 1", {}, Exception("connection refused"))


def test_a_server_that_comes_back_is_waited_for() -> None:
    calls, work = flaky(3, GONE)
    assert retry.retrying(POSTGRES, work) == "done"
    assert len(calls) == 4


def test_a_server_that_stays_away_fails_in_the_end() -> None:
    calls, work = flaky(10_000, GONE)
    with pytest.raises(OperationalError):
        retry.retrying(POSTGRES, work, seconds=5)
    assert 3 < len(calls) < 100


def test_real_errors_are_not_retried() -> None:
    calls, work = flaky(1, IntegrityError("INSERT", {}, Exception("duplicate")))
    with pytest.raises(IntegrityError):
        retry.retrying(POSTGRES, work)
    calls, work = flaky(1, GONE)  # SQLite's "no such table" is an OperationalError too
    with pytest.raises(OperationalError):
        retry.retrying(SQLITE, work)
    assert len(calls) == 1


async def test_the_async_form_waits_too(monkeypatch: pytest.MonkeyPatch) -> None:
    async def instant(_: float) -> None:
        return None

    monkeypatch.setattr(retry.asyncio, "sleep", instant)
    calls: list[int] = []

    async def work() -> int:
        calls.append(1)
        if len(calls) < 3:
            raise GONE
        return 7

    assert await retry.retrying_async(POSTGRES, work) == 7
    assert len(calls) == 3
