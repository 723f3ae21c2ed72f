"""Each message reaches Rasa once, however often the widget sends it.

The widget gives every message an id and sends it again, with the same id, when it got no answer
(a 503 or 504, a lost connection). Rasa may still be working on the first sending: a slow start
queues it while the model loads. So the first sending is left to finish even after the visitor's
request has given up waiting, and a message with the same sender and id joins that sending, or
gets its answer if it has finished, for `keep` seconds. A sending that failed (Rasa unreachable,
a 5xx) is forgotten at once, so the next try really sends it again.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

Answer = tuple[int, bytes]  # Rasa's status and body
Key = tuple[str, str]  # sender id, message id


class Sendings:
    def __init__(
        self, keep: float = 600.0, most: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.keep, self.most, self.clock = keep, most, clock
        self._sendings: OrderedDict[Key, tuple[asyncio.Future[Answer], float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sendings)

    def send(
        self, key: Key | None, sending: Callable[[], Awaitable[Answer]]
    ) -> asyncio.Future[Answer]:
        """The sending of this message: the one under way or done for its key, else a new one."""
        self._expire()
        if key is not None and key in self._sendings:
            return self._sendings[key][0]
        future = asyncio.ensure_future(sending())
        if key is not None:
            self._sendings[key] = (future, self.clock())
            future.add_done_callback(lambda done: self._settled(key, done))
            while len(self._sendings) > self.most:
                self._sendings.popitem(last=False)  # only the chance to join it is lost
        return future

    def _settled(self, key: Key, future: asyncio.Future[Answer]) -> None:
        # Reading the outcome also keeps asyncio from logging an exception nobody awaited.
        failed = future.cancelled() or future.exception() is not None or future.result()[0] >= 500
        if failed and self._sendings.get(key, (None,))[0] is future:
            del self._sendings[key]

    def _expire(self) -> None:
        oldest = self.clock() - self.keep
        while self._sendings:
            future, started = next(iter(self._sendings.values()))
            if started > oldest or not future.done():
                break
            self._sendings.popitem(last=False)
