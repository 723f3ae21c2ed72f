"""End to end, encryption at rest: a handoff made through the chat, with a unique marker in
everything the visitor gives, is in no byte of the database files nor any process's log, while
the inbox shows it whole; `bot keys rotate` while visitors talk loses nothing; a wrong or lost
key stops a service at start with the reason."""

from __future__ import annotations

import os
import random
import re
import string
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from bot.handoffs.store import HandoffStore, create_db_engine, metadata
from bot.settings import PROJECT_ROOT
from bot.staff import accounts, audit
from bot.storage import key_rotation
from bot.storage.data_keys import KEY_FILE_NAME, Keyring, new_key
from bot.storage.key_rotation import TRACKER_EVENTS
from testkit.servers import Stack, texts
from testkit.staff_login import sign_in
from tests.local_servers import SmtpSink

pytestmark = [pytest.mark.model, pytest.mark.servers]

PASSWORD = "correct horse battery"


def markers() -> dict[str, str]:
    """A unique string, letters only (names keep letters), in each thing the visitor gives."""
    tag = "".join(random.choices(string.ascii_lowercase, k=10))
    return {
        "said": f"Saidmark{tag}",
        "question": f"Questionmark{tag}",
        "name": f"Namemark{tag.capitalize()}",
        "contact": f"contactmark{tag}@example.com",
        "page": f"pagemark{tag}",
        "reply": f"Replymark{tag}",
    }


@pytest.fixture(scope="module")
def sealed_stack(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpSink) -> Iterator[Stack]:
    workdir: Path = tmp_path_factory.mktemp("sealed-stack")
    running = Stack(workdir, env={**smtp.settings, "BOT_JOBS_INTERVAL_SECONDS": "0.5"})
    for service in (running.actions, running.rasa, running.web):
        service.log = workdir / f"{service.name}.log"  # every line each process wrote
    running.start()
    yield running
    running.stop()


def handoff(stack: Stack, marks: dict[str, str]) -> str:
    """A visitor's handoff over Rasa's REST channel; returns its reference."""
    visitor = f"sealed-{uuid.uuid4().hex[:8]}"
    page = {"page_url": f"https://alumaaesthetics.com/botox/?from={marks['page']}"}
    stack.say(visitor, f"hi, my cheeks burn {marks['said']}", page)
    stack.say(visitor, "I'd like a staff member to contact me", page)
    stack.say(visitor, f"Do you offer payment plans? {marks['question']}", page)
    assert "email" in texts(stack.say(visitor, marks["name"], page))
    stack.say(visitor, marks["contact"], page)
    done = texts(stack.say(visitor, "yes", page))
    found = re.search(r"reference (AL-[A-Z0-9]{6})", done)
    assert found, done
    return found.group(1)


def database_bytes(stack: Stack) -> dict[str, bytes]:
    """Every database file of the stack, with write-ahead logs and journals."""
    return {
        path.name: path.read_bytes()
        for path in stack.workdir.iterdir()
        if path.is_file() and ".db" in path.name
    }


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def test_a_chat_handoff_is_in_no_database_byte_nor_log_but_staff_read_it(
    sealed_stack: Stack,
) -> None:
    stack = sealed_stack
    marks = markers()
    ref = handoff(stack, marks)

    # Staff sign in and read it all, then answer with a reply of their own.
    store = HandoffStore.from_url(f"sqlite:///{stack.db_path}")
    email = "nurse@aluma.test"
    accounts.add_account(store.engine, email, PASSWORD, datetime.now(timezone.utc))
    inbox = requests.Session()
    assert sign_in(inbox, stack.web_url, email, PASSWORD).status_code == 303
    detail = inbox.get(f"{stack.web_url}/staff/handoffs/{ref}")
    assert detail.status_code == 200
    for what in ("said", "question", "name", "contact", "page"):
        assert marks[what] in detail.text, what
    sent = inbox.post(
        f"{stack.web_url}/staff/handoffs/{ref}/reply",
        data={"csrf_token": _csrf(detail.text), "method": "email", "body": marks["reply"]},
        allow_redirects=False,
    )
    assert sent.status_code == 303
    again = inbox.get(f"{stack.web_url}/staff/handoffs/{ref}")
    assert marks["reply"] in again.text

    files = database_bytes(stack)
    assert {"handoffs.db", "tracker.db"} <= files.keys()
    assert any(name.endswith("-wal") for name in files)  # the logs were looked at too
    for name, content in files.items():
        lowered = content.lower()
        for what, mark in marks.items():
            assert mark.lower().encode() not in lowered, (name, what)
    for service in (stack.actions, stack.rasa, stack.web):
        assert service.log is not None
        log = service.log.read_text(errors="replace").lower()
        for what, mark in marks.items():
            assert mark.lower() not in log, (service.name, what)
    # The key is beside the databases, not in them, and is this stack's only key.
    key = Keyring.parse((stack.workdir / KEY_FILE_NAME).read_text(), "key file")
    assert len(key.keys) == 1 and (stack.workdir / KEY_FILE_NAME).stat().st_mode & 0o077 == 0


def _bot(
    stack: Stack, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "bot.cli", *args]
    environment = {**os.environ, "BOT_DB_URL": f"sqlite:///{stack.db_path}", **(env or {})}
    return subprocess.run(
        command, env=environment, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )


def test_rotation_while_visitors_talk_and_hand_off_loses_nothing(sealed_stack: Stack) -> None:
    stack = sealed_stack
    old = set(Keyring.parse((stack.workdir / KEY_FILE_NAME).read_text(), "key file").keys)
    # A form begun under the old key and finished under the new one.
    early = f"sealed-{uuid.uuid4().hex[:8]}"
    stack.say(early, "I'd like a staff member to contact me")
    stack.say(early, "Do you offer payment plans?")

    refs: list[str] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def visitors() -> None:
        try:
            while not stop.is_set() or len(refs) < 2:
                refs.append(handoff(stack, markers()))
        except BaseException as error:
            errors.append(error)

    talking = threading.Thread(target=visitors)
    talking.start()
    try:
        rotated = _bot(stack, "keys", "rotate", "--tracker-db", f"sqlite:///{stack.tracker_path}")
    finally:
        stop.set()
        talking.join(timeout=300)
    assert rotated.returncode == 0, rotated.stderr
    assert not errors, errors
    assert "email" in texts(stack.say(early, "Ana Early"))
    stack.say(early, "ana.early@example.com")
    finished = re.search(r"reference (AL-[A-Z0-9]{6})", texts(stack.say(early, "yes")))
    assert finished, "the form begun before the rotation did not finish"
    refs.append(finished.group(1))

    # Nothing under the old key anywhere; the key file holds only the new one.
    [new] = Keyring.parse((stack.workdir / KEY_FILE_NAME).read_text(), "key file").keys
    assert new not in old
    handoff_engine = HandoffStore.from_url(f"sqlite:///{stack.db_path}").engine
    tracker_engine = create_db_engine(f"sqlite:///{stack.tracker_path}")
    counts = key_rotation.count_by_key(
        [(handoff_engine, key_rotation.targets(metadata)), (tracker_engine, [TRACKER_EVENTS])]
    )
    assert set(counts) == {new}, counts
    # Nothing lost: every handoff reads whole, the conversations go on, and it is audited.
    store = HandoffStore.from_url(f"sqlite:///{stack.db_path}")
    for ref in refs:
        stored = store.get(ref)
        assert stored is not None and stored.name and stored.transcript, ref
    assert store.get(refs[-1]).name == "Ana Early"  # type: ignore[union-attr]
    assert [e["text"] for e in stack.user_events(early)][-1] == "yes"
    [entry, *_] = audit.entries(handoff_engine)
    assert entry.action == "data_key_rotated" and new in (entry.detail or "")


def test_a_wrong_or_lost_key_stops_the_web_service_at_start_with_the_reason(
    sealed_stack: Stack,
) -> None:
    stack = sealed_stack
    web = [sys.executable, "-m", "bot.web"]
    env = {**os.environ, **stack.web.env, "BOT_WEB_PORT": "1"}  # never reached: it stops first
    wrong = subprocess.run(
        web, env={**env, "BOT_DATA_KEY": new_key()}, capture_output=True, text=True, timeout=120
    )
    assert wrong.returncode != 0
    assert "wrong key" in wrong.stderr and "Traceback" not in wrong.stderr
    key_file = stack.workdir / KEY_FILE_NAME
    kept = key_file.read_bytes()
    key_file.unlink()
    try:
        lost = subprocess.run(web, env=env, capture_output=True, text=True, timeout=120)
        assert not key_file.exists()  # no new key was made over the encrypted data
    finally:
        key_file.write_bytes(kept)
        key_file.chmod(0o600)
    assert lost.returncode != 0
    assert f"key file {key_file} is missing" in lost.stderr
