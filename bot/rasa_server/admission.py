"""How many messages a Rasa worker works on at once, and which goes first.

`admitted` is a copy of Rasa 3.6.21's `Agent.handle_message` (rasa/core/agent.py) with a place
taken around its lock: fixes.py refuses to start a Rasa whose `handle_message` differs.

Rasa handles each message as an asyncio task, and asyncio runs whatever is ready in arrival
order. Under load a worker's loop holds every message its visitors have sent, so when a message
comes back from the action server it queues behind all of them, and a call Rasa sees take
150-270 ms took the action server 4 ms (0.8 ms p50) to answer. The handoff turns, with one to
three calls each, took 2-4 times as long as an FAQ answer (p50 460-800 ms against 210 ms at 50
back-to-back visitors); a tenth of the messages, they were the p95. Here a worker works on at
most RASA_ACTIVE_MESSAGES messages at once (default 4, `0` for Rasa's way); the others wait in
arrival order before they start, which costs them nothing, so a message back from the action
server waits for at most the few being worked on. A call that keeps its place longer than
STEP_ASIDE_AFTER gives it up (a slow or hung action server holds up only the turns that need
it) and takes one again ahead of messages not yet started. The place is taken before the
conversation's lock, so no lock is held by a message that waits its turn (a conversation's lock
file is shared with other conversations: 200 visitors arriving at once had their first turns'
p95 at 2.4 s with the place taken inside the lock). Waiting for the lock counts as waiting on
an endpoint: the place goes after STEP_ASIDE_AFTER. Every holder is running or waiting briefly,
so places always come free.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import heapq
import itertools
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

VARIABLE = "RASA_ACTIVE_MESSAGES"
DEFAULT_SLOTS = 4
STEP_ASIDE_AFTER = 0.25  # seconds an endpoint call may keep its place
RESUMED, NEW = 0, 1  # priorities: lower goes first


class Gate:
    """A semaphore whose waiters go in priority order, then in arrival order."""

    def __init__(self, slots: int) -> None:
        self.free = slots
        self.waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self.order = itertools.count()

    async def enter(self, priority: int) -> None:
        if self.free:  # a free place means nobody is waiting (`leave` hands places on first)
            self.free -= 1
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self.waiting, (priority, next(self.order), future))
        try:
            await future
        except asyncio.CancelledError:
            if not future.cancelled():  # handed a place as it was cancelled: pass it on
                self.leave()
            raise  # a cancelled entry stays in the heap; `leave` skips it

    def leave(self) -> None:
        while self.waiting:
            _, _, future = heapq.heappop(self.waiting)
            if not future.done():
                future.set_result(None)
                return
        self.free += 1


class Place:
    """One message's place at its worker's gate."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self.held = False

    async def take(self, priority: int) -> None:
        await self.gate.enter(priority)
        self.held = True

    def give_up(self) -> None:
        if self.held:
            self.held = False
            self.gate.leave()


_place: contextvars.ContextVar[Place | None] = contextvars.ContextVar("aluma_place", default=None)


def slots(environ: Any = os.environ) -> int:
    """RASA_ACTIVE_MESSAGES; a value that is not a whole number >= 0 stops the server at start
    rather than failing every message."""
    value = str(environ.get(VARIABLE, "")).strip() or str(DEFAULT_SLOTS)
    if not value.isdigit():
        raise ValueError(f"{VARIABLE} must be a whole number >= 0 (0: no limit), not {value!r}")
    return int(value)


@contextlib.asynccontextmanager
async def aside_if_slow(place: Place | None) -> AsyncIterator[None]:
    """Waiting inside, a message keeps its place for STEP_ASIDE_AFTER, then gives it up, and
    takes one again ahead of messages not yet started once the wait is over."""
    if place is None or not place.held:
        yield
        return
    timer = asyncio.get_running_loop().call_later(STEP_ASIDE_AFTER, place.give_up)
    try:
        yield
    finally:
        timer.cancel()
        if not place.held:
            await place.take(RESUMED)


def install() -> None:
    count = slots()
    if count == 0:
        return
    gate = Gate(count)  # each forked worker has its own copy, as it has its own event loop
    request = EndpointConfig.request

    @functools.wraps(Agent.handle_message)
    async def admitted(self: Agent, message: UserMessage) -> Any:
        """Rasa's Agent.handle_message, with a place taken before the conversation's lock."""
        if not self.is_ready():
            logger.info("Ignoring message as there is no agent to handle it.")
            return None
        place = Place(gate)
        token = _place.set(place)
        try:
            await place.take(NEW)
            async with contextlib.AsyncExitStack() as held:
                async with aside_if_slow(place):  # the previous message may still hold it
                    await held.enter_async_context(self.lock_store.lock(message.sender_id))
                return await self.processor.handle_message(message)
        finally:
            place.give_up()
            _place.reset(token)

    @functools.wraps(request)
    async def stepping_aside(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
        async with aside_if_slow(_place.get()):
            return await request(self, *args, **kwargs)

    Agent.handle_message = admitted
    EndpointConfig.request = stepping_aside
