"""Keeping visitors' contact details out of reports."""

from __future__ import annotations

import re
from collections.abc import Iterable

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
SPELLED_EMAIL = re.compile(
    r"\b[\w.+-]+\s*(?:\(at\)|\[at\]|\bat\b)\s*[\w-]+\s*(?:\(dot\)|\[dot\]|\bdot\b)\s*"
    r"(?:com|net|org|edu|gov|io|co|us|info)\b",
    re.IGNORECASE,
)
PHONE = re.compile(r"(?<![\w(])(?:\+|\()?\d(?:[\s().-]*\d){6,}")
INTRODUCTION = re.compile(
    r"(?i:\b(my name is|my name's|name's|this is|call me|i am|i'm|im))\s+"
    r"([A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?)"
)


def scrub(text: str, known: Iterable[str] = ()) -> str:
    """The text with emails, phone numbers and names (the ones given in the conversation, and
    "my name is ...") replaced by placeholders."""
    text = EMAIL.sub("[email]", text)
    text = SPELLED_EMAIL.sub("[email]", text)
    text = PHONE.sub("[phone]", text)
    for value in sorted({k.strip() for k in known if len(k.strip()) >= 2}, key=len, reverse=True):
        if " " in value:  # a full name, in any case
            text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", "[name]", text, flags=re.I)
        # Each part as typed and capitalised ("Will", but not the word "will").
        for part in value.split():
            for form in {part, part[:1].upper() + part[1:]}:
                if len(form) >= 2:
                    text = re.sub(rf"(?<!\w){re.escape(form)}(?!\w)", "[name]", text)
    return INTRODUCTION.sub(lambda m: f"{m.group(1)} [name]", text)
