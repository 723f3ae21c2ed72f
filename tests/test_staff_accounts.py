"""Staff accounts and sessions: argon2 hashes, the lock-out, hashed session tokens, the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot import cli
from bot.handoffs.store import HandoffStore
from bot.staff import accounts, sessions
from bot.staff.accounts import Login, authenticate

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=timezone.utc)
PASSWORD = "correct horse battery"


@pytest.fixture
def nurse(store: HandoffStore) -> str:
    return accounts.add_account(store.engine, " Nurse@Aluma.test ", PASSWORD, NOW).email


def test_passwords_are_stored_as_argon2_hashes(store: HandoffStore, nurse: str) -> None:
    assert nurse == "nurse@aluma.test"
    with store.engine.connect() as conn:
        stored = conn.execute(select(accounts.staff_accounts.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert authenticate(store.engine, "NURSE@aluma.test", PASSWORD, NOW) is Login.OK
    assert authenticate(store.engine, nurse, PASSWORD + "!", NOW) is Login.WRONG
    assert authenticate(store.engine, "nobody@aluma.test", PASSWORD, NOW) is Login.WRONG


def test_five_failures_lock_the_address_even_against_the_right_password(
    store: HandoffStore, nurse: str
) -> None:
    for minute in range(4):
        assert authenticate(store.engine, nurse, "guess", NOW + timedelta(minutes=minute)) is (
            Login.WRONG
        )
    assert authenticate(store.engine, nurse, "guess", NOW + timedelta(minutes=4)) is Login.LOCKED
    assert authenticate(store.engine, nurse, PASSWORD, NOW + timedelta(minutes=5)) is Login.LOCKED
    later = NOW + timedelta(minutes=4) + accounts.LOCKOUT
    assert authenticate(store.engine, nurse, PASSWORD, later) is Login.OK


def test_failures_spread_out_do_not_lock(store: HandoffStore, nurse: str) -> None:
    for minute in (0, 1, 2, 3, 20, 21, 22, 23):
        when = NOW + timedelta(minutes=minute)
        assert authenticate(store.engine, nurse, "guess", when) is Login.WRONG


def test_unknown_addresses_lock_out_alike_so_the_lockout_reveals_no_accounts(
    store: HandoffStore,
) -> None:
    outcomes = [authenticate(store.engine, "who@aluma.test", "x", NOW) for _ in range(5)]
    assert outcomes == [Login.WRONG] * 4 + [Login.LOCKED]


def test_someone_guessing_from_elsewhere_locks_out_only_themselves(
    store: HandoffStore, nurse: str
) -> None:
    attacker, clinic = "203.0.113.9", "198.51.100.20"
    outcomes = [authenticate(store.engine, nurse, "guess", NOW, attacker) for _ in range(5)]
    assert outcomes == [Login.WRONG] * 4 + [Login.LOCKED]
    assert authenticate(store.engine, nurse, PASSWORD, NOW, attacker) is Login.LOCKED
    assert authenticate(store.engine, nurse, PASSWORD, NOW, clinic) is Login.OK
    # The nurse's success does not wipe the attacker's record.
    assert authenticate(store.engine, nurse, "guess", NOW, attacker) is Login.LOCKED


def test_guessing_spread_over_many_clients_shuts_out_every_client_that_failed(
    store: HandoffStore, nurse: str
) -> None:
    bots = [f"192.0.2.{i}" for i in range(1, 8)]
    for client in bots[:6]:
        for _ in range(4):  # each under the per-client limit: 24 failures in all
            assert authenticate(store.engine, nurse, "guess", NOW, client) is Login.WRONG
    assert accounts.UNDER_ATTACK_FAILURES == 25
    assert authenticate(store.engine, nurse, "guess", NOW, bots[6]) is Login.WRONG
    assert authenticate(store.engine, nurse, "guess", NOW, bots[6]) is Login.LOCKED
    assert authenticate(store.engine, nurse, PASSWORD, NOW, bots[0]) is Login.LOCKED
    assert authenticate(store.engine, nurse, PASSWORD, NOW, "198.51.100.20") is Login.OK
    later = NOW + accounts.FAILURE_WINDOW + timedelta(seconds=1)
    assert authenticate(store.engine, nurse, PASSWORD, later, bots[0]) is Login.OK


def test_sessions_keep_only_a_hash_of_the_cookie_and_end(store: HandoffStore, nurse: str) -> None:
    token, session = sessions.start(store.engine, nurse, NOW)
    with store.engine.connect() as conn:
        stored = conn.execute(select(sessions.staff_sessions)).one()
    assert token not in stored.token_hash
    assert sessions.find(store.engine, token, NOW + timedelta(minutes=10)) == session
    assert sessions.find(store.engine, token + "x", NOW) is None
    assert sessions.find(store.engine, token, NOW + sessions.SESSION_LIFETIME) is None
    assert session.csrf_ok(session.csrf_token) and not session.csrf_ok(None)
    assert not session.csrf_ok(token)
    accounts.deactivate(store.engine, nurse)
    assert sessions.find(store.engine, token, NOW) is None
    assert authenticate(store.engine, nurse, PASSWORD, NOW) is Login.WRONG


def test_accounts_need_an_address_and_a_long_password(store: HandoffStore, nurse: str) -> None:
    with pytest.raises(accounts.AccountError, match="already"):
        accounts.add_account(store.engine, nurse, PASSWORD, NOW)
    with pytest.raises(accounts.AccountError, match="12 characters"):
        accounts.add_account(store.engine, "new@aluma.test", "short", NOW)
    with pytest.raises(accounts.AccountError, match="not an email"):
        accounts.add_account(store.engine, "new", PASSWORD, NOW)


def test_bot_staff_add_asks_for_the_password_twice(
    store: HandoffStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter([PASSWORD, PASSWORD, PASSWORD, "something else entirely"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli.main(["staff", "add", "frontdesk@aluma.test"]) == 0
    assert authenticate(store.engine, "frontdesk@aluma.test", PASSWORD, NOW) is Login.OK
    assert cli.main(["staff", "add", "other@aluma.test"]) == 1
    assert "the passwords differ" in capsys.readouterr().out
    assert cli.main(["staff", "list"]) == 0
    listed = capsys.readouterr().out
    assert "frontdesk@aluma.test\tactive" in listed and "other@" not in listed
    assert "\tsecond factor at next sign-in" in listed


def test_stale_failed_logins_are_forgotten_but_a_live_lockout_is_kept(
    store: HandoffStore, nurse: str
) -> None:
    authenticate(store.engine, "typo@aluma.test", "x", NOW)
    for _ in range(5):
        authenticate(store.engine, nurse, "guess", NOW)
    assert accounts.forget_failures(store.engine, NOW + timedelta(minutes=10)) == 0
    # 15 minutes on, the typo's record no longer counts; the lockout ends at that moment too.
    assert accounts.forget_failures(store.engine, NOW + accounts.LOCKOUT) == 2
