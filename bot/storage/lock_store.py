"""Conversation locks that the Rasa worker processes of one machine share, without a server.

Rasa handles one message of a conversation at a time: its lock store hands out the turn. The
in-memory store works inside one process only, so Rasa refuses several Sanic workers with it,
and its Redis store adds a server and, per message, five synchronous round trips that block
the worker's event loop. Here the processes share advisory file locks (flock) instead:

- a conversation maps to one of `stripes` lock files; a message holds that file's exclusive
  lock while it is handled. Two conversations on one stripe only wait for each other briefly;
- within a process, messages of one conversation queue on an asyncio lock first, in arrival
  order, so a worker does not poll against itself;
- the kernel drops a lock when its process dies, so a crashed worker never leaves a
  conversation locked (Rasa's stores need a lifetime for that);
- a message that cannot get its turn within `lock_lifetime` seconds fails with Rasa's
  LockError rather than running beside the one that holds it.

endpoints.yml: `lock_store: {type: bot.storage.lock_store.FileLockStore, directory: var/locks}`.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

DEFAULT_DIRECTORY = "var/locks"
DEFAULT_STRIPES = 1024
FIRST_POLL = 0.002  # seconds; doubles while another process holds the stripe
LAST_POLL = 0.05


@dataclass
class _Queue:
    """This process's messages for one conversation: the lock they queue on, and how many."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class FileLockStore(LockStore):
    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        directory: str | os.PathLike[str] | None = None,
        stripes: int | None = None,
    ) -> None:
        settings: dict[str, Any] = dict(endpoint_config.kwargs) if endpoint_config else {}
        self.directory = Path(directory or settings.get("directory") or DEFAULT_DIRECTORY)
        self.stripes = int(stripes or settings.get("stripes") or DEFAULT_STRIPES)
        if self.stripes < 1:
            raise ValueError("a FileLockStore needs at least one stripe")
        self.directory.mkdir(parents=True, exist_ok=True)
        self._queues: dict[str, _Queue] = {}
        super().__init__()

    def path(self, conversation_id: str) -> Path:
        digest = hashlib.blake2b(conversation_id.encode("utf-8", "surrogatepass"), digest_size=8)
        return self.directory / f"{int.from_bytes(digest.digest(), 'big') % self.stripes}.lock"

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        deadline = time.monotonic() + lock_lifetime
        queue = self._queues.setdefault(conversation_id, _Queue())
        queue.users += 1
        try:
            try:
                await asyncio.wait_for(queue.lock.acquire(), timeout=lock_lifetime)
            except asyncio.TimeoutError:
                raise LockError(
                    f"Could not acquire lock for conversation_id '{conversation_id}'."
                ) from None
            try:
                descriptor = await self._hold(conversation_id, deadline)
                try:
                    yield TicketLock(conversation_id)
                finally:
                    os.close(descriptor)  # closing the file releases its lock
            finally:
                queue.lock.release()
        finally:
            queue.users -= 1
            if not queue.users:
                del self._queues[conversation_id]

    async def _hold(self, conversation_id: str, deadline: float) -> int:
        # A descriptor of its own per message: flock excludes other open files of the same
        # path, in this process too, so two conversations on one stripe here stay apart.
        descriptor = os.open(self.path(conversation_id), os.O_RDWR | os.O_CREAT, 0o600)
        pause = FIRST_POLL
        try:
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return descriptor
                except BlockingIOError:
                    pass  # another process (or conversation) holds the stripe
                if time.monotonic() >= deadline:
                    raise LockError(
                        f"Could not acquire lock for conversation_id '{conversation_id}'."
                    )
                await asyncio.sleep(pause)
                pause = min(pause * 2, LAST_POLL)
        except BaseException:  # LockError, or the request cancelled while waiting
            os.close(descriptor)
            raise

    # Rasa's ticket bookkeeping is not used: `lock` above replaces it.
    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return None

    def delete_lock(self, conversation_id: str) -> None:
        return None

    def save_lock(self, lock: TicketLock) -> None:
        return None
