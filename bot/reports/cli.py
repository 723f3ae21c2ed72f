"""`bot report unanswered` and `bot report summary`."""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.editor.cli import project_option
from bot.reports import conversations, grouping, store, summary, unanswered
from bot.settings import Settings


def _zone() -> ZoneInfo:
    return ZoneInfo(Settings.from_env().clinic_timezone)


def _training_examples(project: Path) -> list[str]:
    """The project's training examples, whose word statistics weigh the grouping."""
    from bot.editor.project import EditorError, Files, Project
    from bot.editor.snapshot import Snapshot

    try:
        return [e.text for e in Snapshot(Files(Project(project.resolve()))).examples]
    except (EditorError, OSError):
        return []


def _read(args: argparse.Namespace, since: float) -> list[conversations.Conversation]:
    root = args.project.expanduser().resolve()
    url = store.resolve_url(root, args.tracker_db)
    return list(conversations.conversations(store.read_events(url, since)))


def _unanswered(args: argparse.Namespace) -> int:
    zone = _zone()
    since = time.time() - args.days * 86400
    asked = unanswered.unanswered(_read(args, since), since)
    found = unanswered.groups(asked, args.threshold, _training_examples(args.project))
    print(
        f"What visitors asked that the bot could not answer, last {args.days} days: "
        f"{len(asked)} messages in {len(found)} groups"
    )
    if found:
        print("\n".join(unanswered.table(found, zone, args.limit)))
    if args.csv:
        unanswered.write_csv(found, args.csv, zone)
        print(f"CSV: {args.csv}")
    return 0


def _summary(args: argparse.Namespace) -> int:
    zone = _zone()
    today = datetime.now(zone).date()
    first = today - timedelta(days=args.days - 1)
    since = datetime.combine(first, datetime.min.time(), zone).timestamp()
    rows = summary.days(_read(args, since), first, today, zone)
    print("\n".join(summary.table(rows)))
    chart = args.chart or args.project.expanduser().resolve() / "var" / "reports" / "summary.png"
    summary.chart(rows, chart, f"Aluma assistant, {first:%b %d} to {today:%b %d, %Y}")
    print(f"Chart: {chart}")
    if args.csv:
        summary.write_csv(rows, args.csv)
        print(f"CSV: {args.csv}")
    return 0


def _guarded(handler: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        if args.days < 1:
            print("error: --days must be at least 1")
            return 1
        try:
            return int(handler(args))
        except store.ReportError as error:
            print(f"error: {error}")
            return 1

    return run


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=int, default=30, help="how far back (default 30)")
    parser.add_argument(
        "--tracker-db",
        help="SQLAlchemy URL of Rasa's tracker store (default: BOT_TRACKER_DB_URL, else the "
        "one in endpoints.yml)",
    )
    parser.add_argument("--csv", type=Path, help="also write the rows to this CSV file")
    project_option(parser)


def register(commands: Any) -> None:
    """Add the `report` command group to the `bot` command's subparsers."""
    report = commands.add_parser("report", help="what visitors asked, from the tracker store")
    kinds = report.add_subparsers(dest="report_command", required=True)
    missed = kinds.add_parser(
        "unanswered", help="questions that went to a fallback or to staff, grouped"
    )
    _common(missed)
    missed.add_argument(
        "--threshold",
        type=float,
        default=grouping.THRESHOLD,
        help="how alike two questions must be to share a group (0-1)",
    )
    missed.add_argument("--limit", type=int, default=40, help="groups shown (all go to --csv)")
    missed.set_defaults(handler=_guarded(_unanswered))
    daily = kinds.add_parser("summary", help="conversations, answers, fallbacks, handoffs per day")
    _common(daily)
    daily.add_argument("--chart", type=Path, help="PNG file (default var/reports/summary.png)")
    daily.set_defaults(handler=_guarded(_summary))
