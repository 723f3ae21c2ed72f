"""A Rasa worker's admission of messages (bot/rasa_server/admission.py): at most a few at once,
in arrival order, and a message back from a slow endpoint call ahead of those not yet started."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_server import admission
from bot.rasa_server.admission import NEW, RESUMED, Gate


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_waiters_go_resumed_first_then_in_arrival_order() -> None:
    async def scenario() -> list[str]:
        gate, order = Gate(1), []
        await gate.enter(NEW)

        async def wait(name: str, priority: int) -> None:
            await gate.enter(priority)
            order.append(name)
            gate.leave()

        tasks = [asyncio.create_task(wait("first new", NEW))]
        await _settle()
        tasks.append(asyncio.create_task(wait("second new", NEW)))
        await _settle()
        tasks.append(asyncio.create_task(wait("resumed", RESUMED)))
        await _settle()
        assert order == []  # the one place is held
        gate.leave()
        await asyncio.gather(*tasks)
        assert gate.free == 1 and not gate.waiting
        return order

    assert asyncio.run(scenario()) == ["resumed", "first new", "second new"]


def test_a_cancelled_waiter_loses_no_place() -> None:
    async def scenario() -> None:
        gate = Gate(1)
        await gate.enter(NEW)
        gone = asyncio.create_task(gate.enter(NEW))
        await _settle()
        gone.cancel()
        await _settle()
        gate.leave()  # nobody alive waits: the place is free again
        assert gate.free == 1
        await asyncio.wait_for(gate.enter(NEW), 1)

    asyncio.run(scenario())


def test_a_waiter_cancelled_as_it_is_handed_a_place_passes_it_on() -> None:
    async def scenario() -> None:
        gate = Gate(1)
        await gate.enter(NEW)
        handed = asyncio.create_task(gate.enter(NEW))
        after = asyncio.create_task(gate.enter(NEW))
        await _settle()
        gate.leave()  # hands the place to `handed`...
        handed.cancel()  # ...which is cancelled before it runs
        await asyncio.wait_for(after, 1)  # so the next one gets it
        assert handed.cancelled()
        assert gate.free == 0 and not [w for w in gate.waiting if not w[2].done()]

    asyncio.run(scenario())


class _Agent:
    """What Agent.handle_message uses: readiness, a lock store and a processor."""

    def __init__(self, processor: Any) -> None:
        self.lock_store = InMemoryLockStore()
        self.processor = processor

    def is_ready(self) -> bool:
        return True


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Rasa's message processing and endpoint calls replaced by fakes the test drives, with the
    admission installed over Rasa's agent (one place)."""
    state: dict[str, Any] = {"running": 0, "most": 0, "log": [], "calls": {}}

    class Processor:
        async def handle_message(self, message: UserMessage) -> Any:
            name, call = message.text, message.metadata["call"]
            state["running"] += 1
            state["most"] = max(state["most"], state["running"])
            state["log"].append(f"{name} starts")
            if call:
                await EndpointConfig.request(EndpointConfig("http://actions"), json=name)
            await asyncio.sleep(0.01)  # an await inside the work, as Rasa's has
            state["log"].append(f"{name} ends")
            state["running"] -= 1
            return name

    async def request(self: EndpointConfig, **kwargs: Any) -> Any:
        done = asyncio.get_running_loop().create_future()
        state["calls"][kwargs["json"]] = done
        return await done

    monkeypatch.setattr(Agent, "handle_message", Agent.handle_message)
    monkeypatch.setattr(EndpointConfig, "request", request)
    monkeypatch.setattr(admission, "STEP_ASIDE_AFTER", 0.05)
    monkeypatch.setenv(admission.VARIABLE, "1")
    admission.install()
    state["agent"] = _Agent(Processor())
    return state


def _handle(fakes: dict[str, Any], name: str, call: bool = False, sender: str = "") -> Any:
    message = UserMessage(name, sender_id=sender or name, metadata={"call": call})
    return Agent.handle_message(fakes["agent"], message)


def test_messages_run_one_at_a_time_in_arrival_order(fakes: dict[str, Any]) -> None:
    async def scenario() -> list[str]:
        return list(await asyncio.gather(*(_handle(fakes, f"m{i}") for i in range(5))))

    assert asyncio.run(scenario()) == [f"m{i}" for i in range(5)]
    assert fakes["most"] == 1
    assert fakes["log"] == [f"m{i // 2} {'ends' if i % 2 else 'starts'}" for i in range(10)]


def test_a_quick_endpoint_call_keeps_its_place(fakes: dict[str, Any]) -> None:
    async def scenario() -> None:
        handoff = asyncio.create_task(_handle(fakes, "handoff", call=True))
        await _settle()
        faq = asyncio.create_task(_handle(fakes, "faq"))
        await asyncio.sleep(0.01)  # shorter than STEP_ASIDE_AFTER
        assert "faq starts" not in fakes["log"]
        fakes["calls"]["handoff"].set_result({})
        await asyncio.gather(handoff, faq)

    asyncio.run(scenario())
    assert fakes["log"] == ["handoff starts", "handoff ends", "faq starts", "faq ends"]


def test_a_slow_endpoint_call_steps_aside_and_comes_back_first(fakes: dict[str, Any]) -> None:
    async def scenario() -> None:
        handoff = asyncio.create_task(_handle(fakes, "handoff", call=True))
        await _settle()
        first = asyncio.create_task(_handle(fakes, "first"))
        second = asyncio.create_task(_handle(fakes, "second"))

        async def first_started() -> None:
            while "first starts" not in fakes["log"]:
                await asyncio.sleep(0.001)

        await asyncio.wait_for(first_started(), 5)  # once the handoff stepped aside
        fakes["calls"]["handoff"].set_result({})  # back while `first` works, `second` waits
        await asyncio.gather(handoff, first, second)

    asyncio.run(scenario())
    assert fakes["log"] == [
        "handoff starts",
        "first starts",
        "first ends",
        "handoff ends",
        "second starts",
        "second ends",
    ]


def test_a_failed_endpoint_call_gives_back_its_place(fakes: dict[str, Any]) -> None:
    async def scenario() -> None:
        handoff = asyncio.create_task(_handle(fakes, "handoff", call=True))
        await _settle()
        fakes["calls"]["handoff"].set_exception(ConnectionError("action server down"))
        with pytest.raises(ConnectionError):
            await handoff
        assert await asyncio.wait_for(_handle(fakes, "faq"), 1) == "faq"

    asyncio.run(scenario())


@pytest.mark.parametrize("value", ["-1", "four", "2.5"])
def test_a_bad_setting_stops_the_server_with_its_name(value: str) -> None:
    with pytest.raises(ValueError, match=admission.VARIABLE):
        admission.slots({admission.VARIABLE: value})


def test_zero_leaves_rasas_way(monkeypatch: pytest.MonkeyPatch) -> None:
    rasas = Agent.__dict__["handle_message"]
    monkeypatch.setenv(admission.VARIABLE, "0")
    admission.install()
    assert Agent.__dict__["handle_message"] is rasas
    assert admission.slots({}) == admission.DEFAULT_SLOTS


def test_a_message_waiting_for_its_conversation_gives_up_its_place(fakes: dict[str, Any]) -> None:
    async def scenario() -> None:
        handoff = asyncio.create_task(_handle(fakes, "handoff", call=True, sender="a"))
        await asyncio.sleep(0.07)  # the handoff's call stepped aside; it holds a's lock
        again = asyncio.create_task(_handle(fakes, "again", sender="a"))  # waits for the lock
        await asyncio.sleep(0.07)  # and gives its place up
        await asyncio.wait_for(_handle(fakes, "faq", sender="b"), 5)
        fakes["calls"]["handoff"].set_result({})
        await asyncio.wait_for(asyncio.gather(handoff, again), 5)

    asyncio.run(scenario())
    assert fakes["log"] == [
        "handoff starts",
        "faq starts",
        "faq ends",
        "handoff ends",
        "again starts",
        "again ends",
    ]
