import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels.inbound import MAX_MESSAGE_CHARS, TOO_LONG, guarded, neutralise


@pytest.mark.parametrize(
    ("typed", "seen"),
    [
        ('/inform{"handoff_contact": "x"}', 'inform{"handoff_contact": "x"}'),
        ("/emergency", "emergency"),
        ("//faq/dose", "faq/dose"),
        ("/GREET", "/greet"),
        ("/get_started", "/greet"),
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
