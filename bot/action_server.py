"""The action server: rasa_sdk's app, on loopback only.

`python -m rasa_sdk` listens on every interface with CORS open to any site: anyone who could
reach it could run our actions with a made-up conversation, storing a handoff that skipped the
form's validation. Only Rasa talks to this server. (`ACTIONS_HOST` changes the address when the
action server runs on another machine than Rasa.)

    python -m bot.action_server --port 5055
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from rasa_sdk.endpoint import create_app

from bot.handoffs.store import default_store
from bot.storage.data_keys import DataKeyError

BACKLOG = 1024  # pending connections; rasa_sdk's default is 100


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:  # at start, not at the first handoff: a wrong or lost data key stops it with the reason
        default_store()
    except DataKeyError as error:
        sys.exit(f"actions: {error}")
    app = create_app("actions", cors_origins=None)
    host = os.environ.get("ACTIONS_HOST", "127.0.0.1")
    app.run(host, args.port, backlog=BACKLOG, access_log=False, workers=1)


if __name__ == "__main__":
    main()
