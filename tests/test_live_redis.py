"""Live chat across web service processes: typing indicators and wake-ups through a real Redis
server (Debian's redis-server, installed when missing, as `make run-prod` does)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import services
from bot.live.hub import Hub, chat_channel
from bot.prod import packages
from bot.prod.redis import redis_service

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    packages.ensure_installed()
    port = services.free_port()
    server = redis_service(Path(tmp_path_factory.mktemp("redis")), port)
    services.start(server, timeout=30)
    yield f"redis://127.0.0.1:{port}/0"
    services.stop(server)


async def until(check: object, what: str, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} never happened")
        await asyncio.sleep(0.02)


async def test_typing_reaches_the_other_process_before_its_wake_up(redis_url: str) -> None:
    visitor_side, staff_side = Hub(), Hub()  # two web service processes
    await visitor_side.connect(redis_url)
    await staff_side.connect(redis_url)
    try:
        await asyncio.sleep(0.3)  # both subscribed
        with staff_side.listen(chat_channel("visitor-1")) as waiter:
            await visitor_side.set_typing("chat-1", "visitor")
            await visitor_side.publish(chat_channel("visitor-1"))
            await until(waiter.is_set, "the staff side's wake-up")
            # Woken, the staff stream reads the indicator: it is there already.
            assert staff_side.typing["chat-1"][0] == "visitor"
        mine = visitor_side.typing["chat-1"]
        await staff_side.set_typing("chat-1", "Maria")
        await until(lambda: visitor_side.typing["chat-1"][0] == "Maria", "Maria typing")
        # A process's own indicator coming back through Redis is not taken as a new one.
        await visitor_side.set_typing("chat-2", "visitor")
        own = visitor_side.typing["chat-2"]
        await asyncio.sleep(0.3)
        assert visitor_side.typing["chat-2"] == own and mine[1] < own[1]
    finally:
        await visitor_side.close()
        await staff_side.close()
