"""What counts as text in a visitor's message or sender id, shared by the channels and the chat
proxy (no Rasa import here).

JSON can carry what UTF-8 cannot: a lone surrogate ("\\ud800"). Such a sender id makes Rasa's SQL
tracker store fail, and Rasa 3.6 answers a tracker store error by exiting (`session_scope` calls
`print_error_and_exit`), so one request would stop the assistant for everyone. Control
characters mean nothing in a chat, and NUL cannot even be stored in PostgreSQL's text.
"""

from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all but tab and newlines
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_SENDER_CHARS = 255


def is_text(value: str) -> bool:
    """Whether `value` can be written as UTF-8 (it has no lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean(value: str) -> str:
    """`value` without control characters and with anything that is not text replaced."""
    if not is_text(value):
        value = value.encode("utf-8", "replace").decode("utf-8")
    return CONTROL.sub("", value)


def valid_sender(value: object) -> bool:
    """A sender id Rasa can keep: 1 to 255 characters of text, with no control characters."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_SENDER_CHARS
        and is_text(value)
        and not _ANY_CONTROL.search(value)
    )
