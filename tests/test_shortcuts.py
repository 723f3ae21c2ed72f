import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels.shortcuts import guarded, neutralise


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
