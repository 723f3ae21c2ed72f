"""Sender ids the web service hands out, so that no visitor can write into another's conversation.

A sender id is 128 random bits and an HMAC-SHA256 of them under the service's secret key
(BOT_SECRET_KEY, or var/secret_key), both in hex: `<32 hex>-<32 hex>`. The chat proxy passes on
only ids it signed, so guessing or reusing someone's id means guessing 128 random bits, and
making one up means forging the HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

_FORMAT = re.compile(r"[0-9a-f]{32}-[0-9a-f]{32}")
_PURPOSE = b"aluma chat sender v1:"  # a key used for anything else never signs a sender


class SenderIds:
    def __init__(self, key: str | bytes) -> None:
        key = key.encode() if isinstance(key, str) else key
        if not key:
            raise ValueError("a sender id key must not be empty")
        self._key = key

    def _mac(self, token: str) -> str:
        digest = hmac.new(self._key, _PURPOSE + token.encode(), hashlib.sha256).hexdigest()
        return digest[:32]

    def new(self) -> str:
        token = secrets.token_hex(16)
        return f"{token}-{self._mac(token)}"

    def valid(self, sender: object) -> bool:
        if not isinstance(sender, str) or not _FORMAT.fullmatch(sender):
            return False
        token, mac = sender.split("-")
        return hmac.compare_digest(mac, self._mac(token))
