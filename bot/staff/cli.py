"""`bot staff ...`: staff accounts for the inbox, on the database BOT_DB_URL names."""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from bot.handoffs.store import HandoffStore
from bot.settings import db_url
from bot.staff import accounts, audit, second_factor, sessions
from bot.staff.times import utcnow


def _engine() -> Any:
    return HandoffStore.from_url(db_url()).engine  # creates the tables on first use


def _ask_password() -> str:
    password = getpass.getpass("Password (at least 12 characters): ")
    if getpass.getpass("Again: ") != password:
        raise accounts.AccountError("the passwords differ")
    return password


def _add(args: argparse.Namespace) -> int:
    account = accounts.add_account(_engine(), args.email, _ask_password(), utcnow())
    print(f"Added {account.email}; log in at /staff/login (the first sign-in sets up the")
    print("second factor: an authenticator app and recovery codes)")
    return 0


def _password(args: argparse.Namespace) -> int:
    engine = _engine()
    accounts.set_password(engine, args.email, _ask_password())
    sessions.end_all(engine, accounts.normalize_email(args.email), "password changed", utcnow())
    print(f"New password set for {args.email}; its sessions are logged out")
    return 0


def _remove(args: argparse.Namespace) -> int:
    engine = _engine()
    accounts.deactivate(engine, args.email)
    sessions.end_all(engine, accounts.normalize_email(args.email), "account deactivated", utcnow())
    print(f"Deactivated {args.email}; its audit entries are kept")
    return 0


def _reset_second_factor(args: argparse.Namespace) -> int:
    engine = _engine()
    email = accounts.normalize_email(args.email)
    if email not in {account.email for account in accounts.accounts(engine)}:
        raise accounts.AccountError(f"{email} has no account")
    now = utcnow()
    with engine.begin() as conn:
        second_factor.remove(conn, email)
        audit.record(conn, email, "second_factor_reset", now, detail=f"by {audit.operator()}")
    sessions.end_all(engine, email, "second factor reset", now)
    print(f"Second factor reset for {email}; its sessions are logged out, and it enrols a new")
    print("one (QR code and recovery codes) at its next sign-in")
    return 0


def _list(args: argparse.Namespace) -> int:
    engine = _engine()
    for account in accounts.accounts(engine):
        state = "active" if account.active else "deactivated"
        enrolled = second_factor.is_enrolled(engine, account.email)
        factor = "second factor set" if enrolled else "second factor at next sign-in"
        print(f"{account.email}\t{state}\tadded {account.created_at:%Y-%m-%d}\t{factor}")
    return 0


def _guarded(handler: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return int(handler(args))
        except accounts.AccountError as error:
            print(f"error: {error}")
            return 1

    return run


def register(commands: Any) -> None:
    """Add the `staff` command group to the `bot` command's subparsers."""
    staff = commands.add_parser("staff", help="staff accounts for the inbox at /staff")
    actions = staff.add_subparsers(dest="staff_command", required=True)
    for name, handler, text in (
        ("add", _add, "add a staff account (asks for the password)"),
        ("password", _password, "set a new password (asks for it) and log out its sessions"),
        ("remove", _remove, "deactivate an account and log out its sessions"),
        (
            "reset-second-factor",
            _reset_second_factor,
            "forget an account's authenticator and recovery codes (a lost phone) and log out its "
            "sessions; it enrols again at its next sign-in",
        ),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("email")
        action.set_defaults(handler=_guarded(handler))
    actions.add_parser("list", help="list the staff accounts").set_defaults(handler=_list)
