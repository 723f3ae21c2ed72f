"""The file lock store: one message of a conversation at a time across processes, in order
within one, never stuck on a dead holder, and accepted by Rasa for several workers."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from rasa.core.lock_store import LockError, LockStore
from rasa.core.utils import number_of_sanic_workers
from rasa.utils.endpoints import EndpointConfig

from bot.storage.lock_store import FileLockStore

FORK = multiprocessing.get_context("fork")


def hold(directory: str, conversation: str, held: Any, seconds: float) -> None:
    async def run() -> None:
        async with FileLockStore(directory=directory).lock(conversation):
            held.set()
            await asyncio.sleep(seconds)

    asyncio.run(run())


def holder(tmp_path: Path, conversation: str, seconds: float) -> Any:
    held = FORK.Event()
    process = FORK.Process(target=hold, args=(str(tmp_path), conversation, held, seconds))
    process.start()
    assert held.wait(10), "the other process never got the lock"
    return process


async def time_to_lock(store: FileLockStore, conversation: str, lifetime: float = 10) -> float:
    started = time.monotonic()
    async with store.lock(conversation, lock_lifetime=lifetime):
        return time.monotonic() - started


def test_another_process_waits_for_the_conversation(tmp_path: Path) -> None:
    other = holder(tmp_path, "visitor-1", seconds=0.6)
    waited = asyncio.run(time_to_lock(FileLockStore(directory=tmp_path), "visitor-1"))
    other.join()
    assert waited >= 0.3


def test_other_conversations_do_not_wait(tmp_path: Path) -> None:
    store = FileLockStore(directory=tmp_path)
    other_id = next(
        f"visitor-{n}"
        for n in range(2, 100)
        if store.path(f"visitor-{n}") != store.path("visitor-1")
    )
    other = holder(tmp_path, "visitor-1", seconds=2)
    try:
        assert asyncio.run(time_to_lock(store, other_id)) < 0.5
    finally:
        other.join()


def test_a_dead_holder_holds_nothing(tmp_path: Path) -> None:
    other = holder(tmp_path, "visitor-1", seconds=60)
    assert other.pid is not None
    os.kill(other.pid, signal.SIGKILL)
    other.join()
    assert asyncio.run(time_to_lock(FileLockStore(directory=tmp_path), "visitor-1")) < 0.5


def test_messages_of_one_conversation_take_turns_in_arrival_order(tmp_path: Path) -> None:
    store = FileLockStore(directory=tmp_path)
    inside: list[int] = []
    order: list[int] = []

    async def message(number: int) -> None:
        async with store.lock("visitor-1"):
            inside.append(number)
            assert inside == [number]  # nobody else is in
            await asyncio.sleep(0.01)
            order.append(number)
            inside.remove(number)

    async def arrive() -> None:
        tasks = []
        for number in range(6):
            tasks.append(asyncio.create_task(message(number)))
            await asyncio.sleep(0)  # each arrives after the one before
        await asyncio.gather(*tasks)

    asyncio.run(arrive())
    assert order == list(range(6))
    assert store._queues == {}  # nothing kept once every message is through


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_waiting_longer_than_the_lifetime_fails_and_leaks_nothing(tmp_path: Path) -> None:
    other = holder(tmp_path, "visitor-1", seconds=3)
    store = FileLockStore(directory=tmp_path)
    before = open_descriptors()
    try:
        with pytest.raises(LockError):
            asyncio.run(time_to_lock(store, "visitor-1", lifetime=0.3))
    finally:
        other.join()
    assert open_descriptors() == before
    assert asyncio.run(time_to_lock(store, "visitor-1")) < 0.5


def test_a_cancelled_wait_leaks_nothing(tmp_path: Path) -> None:
    other = holder(tmp_path, "visitor-1", seconds=2)
    store = FileLockStore(directory=tmp_path)
    before = open_descriptors()

    async def give_up() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(time_to_lock(store, "visitor-1"), timeout=0.3)

    try:
        asyncio.run(give_up())
    finally:
        other.join()
    assert open_descriptors() == before
    assert store._queues == {}


def test_rasa_builds_it_from_endpoints_and_allows_several_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = EndpointConfig(
        type="bot.storage.lock_store.FileLockStore", directory=str(tmp_path / "locks"), stripes=8
    )
    store = LockStore.create(config)
    assert isinstance(store, FileLockStore)
    assert store.stripes == 8 and store.directory == tmp_path / "locks"
    monkeypatch.setenv("SANIC_WORKERS", "2")
    assert number_of_sanic_workers(config) == 2
    assert number_of_sanic_workers(EndpointConfig(type="in_memory")) == 1
