"""Recognise and normalise the ways visitors give their name and contact details."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import phonenumbers

DEFAULT_REGION = "US"  # The clinic is in Portland, OR: bare ten-digit numbers are American.

_EMAIL = re.compile(
    r"(?<![\w.+-])([a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?![\w.-]*@)",
    re.IGNORECASE,
)
_NAME_PREFIX = re.compile(
    r"^(?:hi|hello|hey)?[\s,]*(?:my name is|my name's|name is|name's|the name is|i am|i'm|im|"
    r"it's|its|this is|call me|you can call me|it is)\s+",
    re.IGNORECASE,
)
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[\s'.\-]{1,2}[^\W\d_]+)*\.?$")
_NOT_NAMES = {
    "yes",
    "no",
    "ok",
    "okay",
    "sure",
    "nope",
    "yep",
    "yeah",
    "cancel",
    "stop",
    "hi",
    "hello",
    "hey",
    "thanks",
    "thank you",
    "help",
    "botox",
    "rosacea",
    "why",
    "what",
    "anonymous",
}


@dataclass(frozen=True)
class Contact:
    kind: Literal["email", "phone"]
    value: str  # normalised: lower-cased email, or E.164 phone number

    @property
    def display(self) -> str:
        if self.kind == "email":
            return self.value
        number = phonenumbers.parse(self.value)
        region = phonenumbers.region_code_for_number(number)
        fmt = (
            phonenumbers.PhoneNumberFormat.NATIONAL
            if region == DEFAULT_REGION
            else phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        return phonenumbers.format_number(number, fmt)


def parse_contact(text: str) -> Contact | None:
    """The email address or valid phone number in `text`, if there is exactly one kind of it."""
    text = text.strip()
    if len(text) > 320:
        return None
    emails = _EMAIL.findall(text)
    if emails:
        email = emails[0]
        local, _, domain = email.rpartition("@")
        if len(email) <= 254 and len(local) <= 64 and ".." not in email:
            return Contact("email", f"{local}@{domain.lower()}")
        return None
    for match in phonenumbers.PhoneNumberMatcher(text, DEFAULT_REGION):
        if phonenumbers.is_valid_number(match.number):
            return Contact(
                "phone",
                phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164),
            )
    return None


def looks_like_contact_attempt(text: str) -> bool:
    """Digits or an @ suggest the visitor meant to give contact details, however garbled."""
    return "@" in text or sum(ch.isdigit() for ch in text) >= 5


def clean_name(text: str) -> str | None:
    """The visitor's name from 'Sam', 'my name is Sam Lee', 'I'm Sam.'; None if it isn't one."""
    name = _NAME_PREFIX.sub("", text.strip()).strip(" .,!")
    name = re.sub(r"\s+", " ", name)
    if not name or len(name) > 80 or len(name.split()) > 5:
        return None
    if name.lower() in _NOT_NAMES or not _NAME_CHARS.match(name):
        return None
    return name
