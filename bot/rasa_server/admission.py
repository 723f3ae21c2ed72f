"""How many messages a Rasa worker works on at once, and which goes first.

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
it) and takes one again ahead of messages not yet started. The place is taken inside the
conversation's lock: messages queued on one conversation hold none, and every holder is
running or waiting on an endpoint, never on another message.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import heapq
import itertools
import os
from typing import Any

from rasa.core.processor import MessageProcessor
from rasa.utils.endpoints import EndpointConfig

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


def install() -> None:
    count = slots()
    if count == 0:
        return
    gate = Gate(count)  # each forked worker has its own copy, as it has its own event loop
    handle_message = MessageProcessor.handle_message
    request = EndpointConfig.request

    @functools.wraps(handle_message)
    async def admitted(self: MessageProcessor, message: Any) -> Any:
        if _place.get() is not None:
            return await handle_message(self, message)
        place = Place(gate)
        token = _place.set(place)
        try:
            await place.take(NEW)
            return await handle_message(self, message)
        finally:
            place.give_up()
            _place.reset(token)

    @functools.wraps(request)
    async def stepping_aside(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
        place = _place.get()
        if place is None or not place.held:
            return await request(self, *args, **kwargs)
        timer = asyncio.get_running_loop().call_later(STEP_ASIDE_AFTER, place.give_up)
        try:
            return await request(self, *args, **kwargs)
        finally:
            timer.cancel()
            if not place.held:
                await place.take(RESUMED)

    MessageProcessor.handle_message = admitted
    EndpointConfig.request = stepping_aside
