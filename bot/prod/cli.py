"""`bot run-prod`: the scaled-out topology (PostgreSQL, Redis, two Rasa replicas, nginx)."""

from __future__ import annotations

import argparse
import os

from bot import services, training
from bot.prod.topology import Ports, Topology
from bot.settings import VAR_DIR


def _run_prod(args: argparse.Namespace) -> int:
    model = training.train().model
    ports = Ports(public=int(os.environ.get("BOT_PROD_PORT", "8080")))
    topology = Topology(
        model,
        root=VAR_DIR / "prod",
        ports=ports,
        public_host=os.environ.get("BOT_PROD_BIND", "0.0.0.0"),
    )
    try:
        print("starting PostgreSQL, Redis, actions, two Rasa replicas, web, nginx ...", flush=True)
        topology.start()
        print(
            f"\nReady. Site and widget: http://localhost:{ports.public}/ "
            f"(staff inbox: /staff/). Logs and data: {topology.root}\n"
            "Stop with Ctrl-C.\n",
            flush=True,
        )
        return services.supervise(topology.services)
    finally:
        topology.stop()


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run_prod = commands.add_parser(
        "run-prod", help="train if needed, then start the PostgreSQL/Redis/nginx topology"
    )
    run_prod.set_defaults(handler=_run_prod)
