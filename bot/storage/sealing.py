"""Text sealed with AES-256-GCM under the current data key, and opened again.

A sealed value is text, so it fits the columns that held the plain text: `enc1:<key id>:` and
the base64 of a random 96-bit nonce, the ciphertext and GCM's tag. The key id is authenticated
with it. Text without the prefix is a value written before encryption existed and is returned
as it is; `bot keys rotate` seals those.
"""

from __future__ import annotations

import binascii
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from sqlalchemy.engine import Engine

from bot.storage.data_keys import DataKeyError, Keyring, key_file, keyring

PREFIX = "enc1:"
KEY_FILE_ATTRIBUTE = "aluma_data_key_file"
_KID_END = len(PREFIX) + 8


def _ring(path: Path | None = None) -> Keyring:
    ring = keyring(path)
    if ring is None:
        raise DataKeyError(
            f"no data key: the key file {path or key_file()} is missing and BOT_DATA_KEY is not "
            "set (a store makes the key when it first opens a database without one)"
        )
    return ring


def ring_for(dialect: Any) -> Keyring:
    """The keyring of the database a dialect (one per engine) belongs to: see bind_key_file."""
    return _ring(getattr(dialect, KEY_FILE_ATTRIBUTE, None))


def bind_key_file(engine: Engine) -> Path:
    """Tie an engine to its database's key file, so its encrypted columns use that key."""
    path = key_file(engine.url.render_as_string(hide_password=False))
    setattr(engine.dialect, KEY_FILE_ATTRIBUTE, path)
    return path


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def key_id_of(value: str) -> str | None:
    """The id of the key a stored value is sealed under; None for plain text."""
    return value[len(PREFIX) : _KID_END] if is_sealed(value) else None


def seal(text: str, ring: Keyring | None = None) -> str:
    ring = ring or _ring()
    kid = ring.current
    nonce = os.urandom(12)
    sealed = ring.cipher(kid).encrypt(nonce, text.encode(), kid.encode())
    return f"{PREFIX}{kid}:{binascii.b2a_base64(nonce + sealed, newline=False).decode()}"


def unseal(value: str, ring: Keyring | None = None) -> str:
    """The plain text of a stored value (plain text as it is); DataKeyError if this process
    lacks its key or the value does not authenticate."""
    if not is_sealed(value):
        return value
    kid = value[len(PREFIX) : _KID_END]
    ring = ring or _ring()
    if kid not in ring.keys:
        ring = keyring(ring.path, force=True) or ring  # `bot keys rotate` may have added it
    if kid not in ring.keys:
        raise DataKeyError(
            f"stored data is encrypted under key {kid}, which {ring.source} does not hold "
            f"(it holds {', '.join(ring.keys)}): restore the key file or set BOT_DATA_KEY "
            "to the key the data was written with"
        )
    try:
        # Not b64decode(validate=True): it took half the time of opening; an altered value fails
        # GCM's tag check anyway.
        raw = binascii.a2b_base64(value[_KID_END + 1 :])
        return ring.cipher(kid).decrypt(raw[:12], raw[12:], kid.encode()).decode()
    except (ValueError, binascii.Error, InvalidTag):
        raise DataKeyError(
            f"a stored value under key {kid} failed authentication: it was altered or truncated"
        ) from None
