"""The keys that encrypt visitors' data at rest: BOT_DATA_KEY, or a key file next to the database.

A keyring holds one or more 256-bit keys; the first encrypts, every one decrypts (the others
are there while `bot keys rotate` moves values off them). Each key is known by an id derived
from it, which every stored value carries, so a value under a key this process lacks is named
as such instead of failing as corrupt data.

    BOT_DATA_KEY="<new base64 key>,<old base64 key>"   # keys given by the environment, or
    <directory of BOT_DB_URL's SQLite file>/data_key   # one key a line, mode 0600 (var/ for
                                                       # PostgreSQL; BOT_DATA_KEY_FILE to move it)

A key file may be rewritten by `bot keys rotate` while the assistant runs: each process looks at
it again at most every REFRESH_SECONDS, and at once when it meets a key id it does not know.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.engine.url import make_url

from bot.settings import VAR_DIR, db_url

KEY_BYTES = 32
REFRESH_SECONDS = 1.0
KEY_FILE_NAME = "data_key"


class DataKeyError(RuntimeError):
    """The data key is missing, malformed or not the one the data was encrypted with; the
    message says which and what to do."""


def key_id(key: bytes) -> str:
    """A public name for a key: it identifies the key without revealing it."""
    return hmac.new(key, b"aluma data key id", hashlib.sha256).hexdigest()[:8]


def new_key() -> str:
    """A fresh key as the text BOT_DATA_KEY and the key file hold."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def _decode(text: str, where: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode() + b"==")
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise DataKeyError(
            f"{where} holds a malformed key: expected {KEY_BYTES} bytes in base64 "
            "(`bot keys new` prints one)"
        )
    return key


@dataclass
class Keyring:
    keys: dict[str, bytes]  # by key id, the current one first
    source: str  # "BOT_DATA_KEY" or the key file's path, for messages
    path: Path | None = None  # the key file, None for BOT_DATA_KEY
    ciphers: dict[str, AESGCM] = field(default_factory=dict, repr=False)

    @property
    def current(self) -> str:
        return next(iter(self.keys))

    def cipher(self, kid: str) -> AESGCM:
        cipher = self.ciphers.get(kid)
        if cipher is None:
            cipher = self.ciphers[kid] = AESGCM(self.keys[kid])
        return cipher

    @classmethod
    def parse(cls, text: str, source: str, separator: str | None = None) -> Keyring:
        lines = text.split(separator) if separator else text.splitlines()
        items = [line.strip() for line in lines]
        keys = [_decode(item, source) for item in items if item and not item.startswith("#")]
        if not keys:
            raise DataKeyError(f"{source} holds no key")
        return cls({key_id(key): key for key in keys}, source)


def key_file(url: str | None = None) -> Path:
    """Where a database's key file is: BOT_DATA_KEY_FILE, else beside its SQLite file (outside
    the database, so a copy of the database alone is not readable), else var/. `url` defaults
    to the handoff database's (BOT_DB_URL)."""
    given = os.environ.get("BOT_DATA_KEY_FILE", "").strip()
    database = url or db_url()
    path = _key_files.get((given, database))
    if path is None:  # parsing the URL on every value sealed would cost more than sealing
        parsed = make_url(database)
        name = parsed.database
        if given:
            path = Path(given)
        elif parsed.get_backend_name() == "sqlite" and name and name != ":memory:":
            path = Path(name.removeprefix("file:").split("?")[0]).resolve().parent / KEY_FILE_NAME
        else:
            path = VAR_DIR / KEY_FILE_NAME
        _key_files[(given, database)] = path
    return path


_key_files: dict[tuple[str, str], Path] = {}


def write_key_file(path: Path, keys: list[str]) -> None:
    """Replace the key file whole (mode 0600, never half-written), current key first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as out:
            out.write("".join(f"{key}\n" for key in keys))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _create_key_file(path: Path) -> None:
    # Linked into place: two processes starting at once on a new database agree on one key.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as out:
            out.write(new_key() + "\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


class _FileKeys:
    """A key file's keyring, read again when the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ring: Keyring | None = None
        self.stamp: tuple[int, int, int, int] | None = None
        self.checked = 0.0
        self.lock = threading.Lock()

    def get(self, create: bool, force: bool = False) -> Keyring | None:
        now = time.monotonic()
        if not force and self.ring is not None and now - self.checked < REFRESH_SECONDS:
            return self.ring
        with self.lock:
            self.checked = now
            try:
                info = self.path.stat()
            except FileNotFoundError:
                if not create:
                    # Deleted under a running process: it keeps the key it has. Only a store
                    # opening (key_check) makes a key, and only over a database without one.
                    return self.ring
                _create_key_file(self.path)
                info = self.path.stat()
            stamp = (info.st_ino, info.st_mtime_ns, info.st_size, info.st_mode)
            if self.ring is None or stamp != self.stamp:
                if info.st_mode & 0o077:
                    raise DataKeyError(
                        f"the key file {self.path} may be read by other users; "
                        f"`chmod 600 {self.path}`"
                    )
                self.ring = Keyring.parse(self.path.read_text(), str(self.path))
                self.ring.path = self.path
                self.stamp = stamp
            return self.ring


_files: dict[Path, _FileKeys] = {}
_env_rings: dict[str, Keyring] = {}
_files_lock = threading.Lock()


def keyring(path: Path | None = None, create: bool = False, force: bool = False) -> Keyring | None:
    """The keyring: from BOT_DATA_KEY when set, else the key file `path` (the handoff
    database's by default), made on first use when `create` (None when it is absent and not
    `create`). `force` reads the file again now."""
    given = os.environ.get("BOT_DATA_KEY", "").strip()
    if given:
        ring = _env_rings.get(given)
        if ring is None:
            ring = _env_rings[given] = Keyring.parse(given, "BOT_DATA_KEY", ",")
        return ring
    path = path or key_file()
    files = _files.get(path)
    if files is None:
        with _files_lock:
            files = _files.setdefault(path, _FileKeys(path))
    return files.get(create, force)
