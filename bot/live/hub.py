"""Wakes the open event streams when something they show changed.

What changed is always in the database (bot/live/store.py); the hub only says "look again",
so a missed or doubled wake-up can neither lose nor repeat a message. In one process the
wake-ups are in memory; with BOT_REDIS_URL (several web service processes) they also go
through Redis publish/subscribe, and every process wakes its own streams. Typing indicators,
which are never stored, travel the same way, so a visitor and a staff member connected to
different processes still see each other typing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

logger = logging.getLogger(__name__)

QUEUE = "queue"  # the staff inbox's channel: the queue or a chat changed
CHANNEL = "aluma:live"
_TYPING = "typing"  # a Redis message "typing<US>process<US>chat id<US>who"; others are channels
_SEP = "\x1f"


def chat_channel(sender_id: str) -> str:
    return f"chat:{sender_id}"


class Hub:
    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._redis: Any = None
        self._task: asyncio.Task[None] | None = None
        # chat id -> (who is typing: "visitor" or a staff first name, loop time); in memory only,
        # since an indicator matters only to whoever is connected now.
        self.typing: dict[str, tuple[str, float]] = {}
        self._me = uuid.uuid4().hex  # this process's own typing messages come back: skipped

    async def set_typing(self, chat_id: str, who: str) -> None:
        """`who` is typing in the chat, here and, through Redis, in the other processes."""
        self.typing[chat_id] = (who, asyncio.get_running_loop().time())
        if self._redis is not None:
            message = _SEP.join((_TYPING, self._me, chat_id, who))
            try:
                await self._redis.publish(CHANNEL, message)
            except Exception as error:  # only an indicator: the chat goes on without it
                logger.warning("live chat: Redis publish failed: %s", type(error).__name__)

    def _received(self, data: str) -> None:
        if not data.startswith(_TYPING + _SEP):
            self._wake(data)
            return
        parts = data.split(_SEP)
        if len(parts) == 4 and parts[1] != self._me:
            self.typing[parts[2]] = (parts[3], asyncio.get_running_loop().time())

    def _wake(self, channel: str) -> None:
        for waiter in self._waiters.get(channel, ()):
            waiter.set()

    async def publish(self, *channels: str) -> None:
        for channel in channels:
            self._wake(channel)
        if self._redis is not None:
            for channel in channels:
                try:
                    await self._redis.publish(CHANNEL, channel)
                except Exception as error:  # the streams' own polls still find the change
                    logger.warning("live chat: Redis publish failed: %s", type(error).__name__)

    @contextlib.contextmanager
    def listen(self, *channels: str) -> Iterator[asyncio.Event]:
        """An event set whenever one of `channels` is published. Subscribe first, then read
        the database, then wait: a change between the read and the wait is not missed."""
        waiter = asyncio.Event()
        for channel in channels:
            self._waiters[channel].add(waiter)
        try:
            yield waiter
        finally:
            for channel in channels:
                self._waiters[channel].discard(waiter)
                if not self._waiters[channel]:
                    del self._waiters[channel]

    async def connect(self, redis_url: str) -> None:
        if not redis_url:
            return
        import redis.asyncio as aioredis  # type: ignore[import-untyped, unused-ignore]

        self._redis = aioredis.from_url(redis_url)
        self._task = asyncio.create_task(self._subscribe(), name="live_hub")

    async def _subscribe(self) -> None:
        while True:
            try:
                pubsub = self._redis.pubsub()
                await pubsub.subscribe(CHANNEL)
                async for item in pubsub.listen():
                    if item.get("type") == "message":
                        self._received(item["data"].decode())
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.warning("live chat: Redis subscription lost (%s)", type(error).__name__)
                await asyncio.sleep(1)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._redis is not None:
            await self._redis.close()


async def woken(waiter: asyncio.Event, timeout: float) -> None:
    """Waits for `waiter` (then clears it) or `timeout` seconds, whichever comes first."""
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(waiter.wait(), timeout)
    waiter.clear()
