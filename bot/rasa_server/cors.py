"""Sanic-CORS only when `rasa run --cors` asks for it, so that the channels answer browsers.

Rasa 3.6 installs Sanic-CORS on every start, allowing no origin unless `--cors` names some, and
Sanic-CORS then answers every preflight (OPTIONS) itself, before any route, with an empty 200
and no Access-Control-Allow-Origin: the channels' own answers for the chat's allow-list
(bot/channels/origins.py: REST's preflight, Socket.IO's) never ran. With no `--cors`, there is
nothing for Sanic-CORS to allow, so it is left out.
"""

from __future__ import annotations

from typing import Any

import rasa.server

RASA_CONFIGURE_CORS = rasa.server.configure_cors


def configure_cors(app: Any, cors_origins: Any = "") -> None:
    if cors_origins:
        RASA_CONFIGURE_CORS(app, cors_origins)


def install() -> None:
    rasa.server.configure_cors = configure_cors
