"""What every channel does with a visitor's message before Rasa sees it.

- Typed `/intent{...}` shortcuts are Rasa's way for buttons to skip NLU and set entities. A
  visitor must not be able to force an intent or fill a slot that way, so the text is passed on
  as plain text. A few harmless, entity-free shortcuts that third-party widgets send on their own
  (rasa-webchat's "/get_started") are kept.
- Messages over MAX_MESSAGE_CHARS are answered with a clear request to shorten them and never
  reach the classifiers, which have nothing sensible to say about a wall of text.
- A turn that ends without any reply means something failed on our side: Rasa logs a crashed or
  unreachable action server and carries on silently. The visitor is told so, with the office
  phone, instead of waiting for an answer (or a "we'll get back to you") that is not coming.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.error_logs import described
from bot.settings import CLINIC_PHONE

logger = logging.getLogger(__name__)

# A widget on a Spanish page greets in Spanish: the one entity a shortcut may set is the reply
# language, which chooses words, never facts or a form's values.
GREETINGS = {"/greet": "en", '/greet{"language":"en"}': "en", '/greet{"language":"es"}': "es"}
ALLOWED = {
    **{greeting: greeting for greeting in GREETINGS},
    "/get_started": "/greet",
    "/restart": "/restart",
    "/help": "/help",
}
MAX_MESSAGE_CHARS = 1000
TOO_LONG = (
    f"Sorry, that message is too long for me (over {MAX_MESSAGE_CHARS} characters). Could you ask "
    f"your question in a shorter message? For anything detailed, call or text {CLINIC_PHONE}."
)
TECHNICAL_PROBLEM = (
    "Sorry, something went wrong on our side and I could not finish that. Nothing you sent is "
    f"confirmed yet: please try again in a moment, or call or text the office at {CLINIC_PHONE}."
)
SILENT = {"/restart"}  # Rasa's restart answers nothing when the domain has no utter_restart


def neutralise(text: str | None) -> str:
    """The text as NLU should see it: allowed shortcuts as they are, anything else as plain text."""
    clean = (text or "").strip()
    if not clean.startswith("/"):
        return clean
    if clean.lower() in ALLOWED:
        return ALLOWED[clean.lower()]
    return clean.lstrip("/").strip()


def guarded(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
) -> Callable[[UserMessage], Awaitable[Any]]:
    """Wraps a channel's message handler so that every message is checked first."""

    async def handle(message: UserMessage) -> Any:
        text = neutralise(message.text)
        if len(text) > MAX_MESSAGE_CHARS:
            if message.output_channel is not None:
                await message.output_channel.send_text_message(message.sender_id, TOO_LONG)
            return None
        message.text = text
        channel = message.output_channel
        if channel is None:
            return await on_new_message(message)
        replies = 0
        send_response = channel.send_response

        async def counted(recipient_id: str, reply: dict[str, Any]) -> None:
            nonlocal replies
            replies += 1
            await send_response(recipient_id, reply)

        channel.send_response = counted
        try:
            return await on_new_message(message)
        except Exception as error:  # logged without its message: it may quote the visitor
            logger.error("handling a message failed: %s", described(error))
            return None
        finally:
            channel.send_response = send_response
            # During a live chat Rasa is paused and silence is the point (bot/live/).
            live = isinstance(message.metadata, dict) and message.metadata.get("live_chat") is True
            if not replies and text not in SILENT and not live:
                logger.warning("a turn ended without a reply; told the visitor")
                await channel.send_text_message(message.sender_id, TECHNICAL_PROBLEM)

    return handle
