"""The `bot` command: tools for the people who run and edit the assistant."""

from __future__ import annotations

import argparse
import os
import sys

from bot import deploy, services, training
from bot.db import cli as db_cli
from bot.db import migrate
from bot.editor import cli as faq_cli
from bot.prod import cli as prod_cli
from bot.reports import cli as report_cli
from bot.settings import db_url
from bot.staff import audit_cli
from bot.staff import cli as staff_cli
from bot.storage import keys_cli


def _train(args: argparse.Namespace) -> int:
    result = training.train(args.project.resolve(), force=args.force)
    if result.trained:
        print(f"Trained in {training.duration(result.seconds)}. Model: {result.model}")
    else:
        print(f"Model is up to date (data and config unchanged): {result.model}")
    return 0


def _run(args: argparse.Namespace) -> int:
    model = training.train().model
    migrate.upgrade_url(db_url())  # before the processes that use the tables start
    return services.run_all(model)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train the model if data or config changed")
    train.add_argument("--force", action="store_true", help="train even if nothing changed")
    faq_cli.project_option(train)
    train.set_defaults(handler=_train)
    run = commands.add_parser("run", help="train if needed, then start Rasa and the actions")
    run.set_defaults(handler=_run)
    prod_cli.register(commands)
    db_cli.register(commands)
    staff_cli.register(commands)
    audit_cli.register(commands)
    keys_cli.register(commands)
    faq_cli.register(commands)
    deploy.register(commands)
    report_cli.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    for name, value in services.NO_TELEMETRY.items():  # `bot train` and `bot deploy` run Rasa too
        os.environ.setdefault(name, value)
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
