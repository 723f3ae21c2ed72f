"""`bot audit export --since YYYY-MM-DD [--out FILE]`: the audit log as CSV, for the clinic's
compliance reviews, from the database BOT_DB_URL names."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.handoffs.store import HandoffStore
from bot.settings import clinic_timezone, db_url
from bot.staff import audit
from bot.staff.times import utcnow


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _export(args: argparse.Namespace) -> int:
    # The day starts at midnight where the clinic is, as staff count days.
    start = datetime.combine(args.since, datetime.min.time(), ZoneInfo(clinic_timezone()))
    engine = HandoffStore.from_url(db_url()).engine
    if args.out is None:
        count = audit.export_csv(engine, start, sys.stdout, utcnow(), audit.operator())
    else:
        # Staff addresses and who-saw-what: readable by this user only, like var/secret_key.
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as out:
            count = audit.export_csv(engine, start, out, utcnow(), audit.operator())
        print(f"Wrote {count} audit entries since {args.since} to {args.out}", file=sys.stderr)
    return 0


def register(commands: Any) -> None:
    """Add the `audit` command group to the `bot` command's subparsers."""
    group = commands.add_parser("audit", help="the staff audit log")
    actions = group.add_subparsers(dest="audit_command", required=True)
    export = actions.add_parser("export", help="write the audit log as CSV (the export is logged)")
    export.add_argument("--since", type=_day, required=True, help="first day, YYYY-MM-DD")
    export.add_argument("--out", help="write to this file (mode 0600) instead of stdout")
    export.set_defaults(handler=_export)
