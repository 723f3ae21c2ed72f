import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels.inbound import (
    MAX_MESSAGE_CHARS,
    TECHNICAL_PROBLEM,
    TOO_LONG,
    guarded,
    neutralise,
)


@pytest.mark.parametrize(
    ("typed", "seen"),
    [
        ('/inform{"handoff_contact": "x"}', 'inform{"handoff_contact": "x"}'),
        ("/emergency", "emergency"),
        ("//faq/dose", "faq/dose"),
        ("/GREET", "/greet"),
        ("/get_started", "/greet"),
        # A Spanish page's widget greets in Spanish; any other entity stays plain text.
        ('/greet{"language":"es"}', '/greet{"language":"es"}'),
        (
            '/greet{"language":"es", "handoff_name": "x"}',
            'greet{"language":"es", "handoff_name": "x"}',
        ),
        ("  how long does it last? ", "how long does it last?"),
        (None, ""),
    ],
)
def test_shortcuts_are_neutralised(typed: str | None, seen: str) -> None:
    assert neutralise(typed) == seen


async def test_guarded_handler_sees_plain_text() -> None:
    received: list[str] = []

    async def handler(message: UserMessage) -> None:
        received.append(message.text or "")

    await guarded(handler)(
        UserMessage('/affirm{"handoff_consent": true}', CollectingOutputChannel())
    )
    assert received == ['affirm{"handoff_consent": true}']


async def test_an_overlong_message_is_answered_and_not_passed_on() -> None:
    received: list[str] = []

    async def handler(message: UserMessage) -> None:
        received.append(message.text or "")

    output = CollectingOutputChannel()
    await guarded(handler)(UserMessage("a" * (MAX_MESSAGE_CHARS + 1), output, "visitor"))
    assert received == []
    assert [m["text"] for m in output.messages] == [TOO_LONG]
    await guarded(handler)(UserMessage("b" * MAX_MESSAGE_CHARS, output, "visitor"))
    assert received == ["b" * MAX_MESSAGE_CHARS]


async def _turn(handler_reply: str | None, fail: bool = False, text: str = "hi") -> list[str]:
    async def handler(message: UserMessage) -> None:
        assert message.output_channel is not None
        if handler_reply is not None:
            await message.output_channel.send_response("visitor", {"text": handler_reply})
        if fail:
            raise RuntimeError("the action server is gone")

    output = CollectingOutputChannel()
    await guarded(handler)(UserMessage(text, output, "visitor"))
    return [m["text"] for m in output.messages]


async def test_a_turn_with_a_reply_gets_no_apology() -> None:
    assert await _turn("Hello!") == ["Hello!"]


async def test_a_silent_turn_says_something_went_wrong_with_the_phone() -> None:
    assert await _turn(None) == [TECHNICAL_PROBLEM]
    assert "503-688-9235" in TECHNICAL_PROBLEM
    assert "within 24 hours" not in TECHNICAL_PROBLEM


async def test_a_failing_turn_keeps_what_was_said_and_adds_nothing_false() -> None:
    assert await _turn(None, fail=True) == [TECHNICAL_PROBLEM]
    assert await _turn("Got it.", fail=True) == ["Got it."]


async def test_a_restart_may_be_silent() -> None:
    assert await _turn(None, text="/restart") == []
