"""Rasa's side of a live chat, through its HTTP API (`--enable-api`, RASA_TOKEN): the
conversation is paused while staff hold it, staff messages are recorded in it as bot turns, and
it is resumed afterwards, so Rasa itself stays silent and every transcript sees the same talk."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import aiohttp

logger = logging.getLogger(__name__)


class RasaError(Exception):
    pass


class Tracker:
    def __init__(self, http: aiohttp.ClientSession, rasa_url: str, token: str) -> None:
        self.http, self.rasa_url, self.token = http, rasa_url.rstrip("/"), token

    async def _post(self, sender: str, path: str, body: Any) -> Any:
        url = f"{self.rasa_url}/conversations/{quote(sender, safe='')}/{path}"
        async with self.http.post(url, json=body, params={"token": self.token}) as response:
            if response.status >= 400:
                raise RasaError(f"Rasa answered {response.status} to {path}")
            return await response.json(content_type=None)

    async def append(self, sender: str, events: list[dict[str, Any]]) -> None:
        await self._post(sender, "tracker/events", events)

    async def pause(self, sender: str) -> None:
        await self.append(sender, [{"event": "pause"}])

    async def resume(self, sender: str, slots: dict[str, Any] | None = None) -> None:
        slot_events = [{"event": "slot", "name": k, "value": v} for k, v in (slots or {}).items()]
        await self.append(sender, [{"event": "resume"}, *slot_events])

    async def staff_said(self, sender: str, text: str, name: str) -> None:
        """A bot turn with the staff member's name in its metadata: transcripts show it."""
        await self.append(sender, [{"event": "bot", "text": text, "metadata": {"staff": name}}])

    async def execute(self, sender: str, action: str) -> list[dict[str, Any]]:
        """Runs one action (e.g. utter_emergency) whatever the pause; its messages."""
        answer = await self._post(sender, "execute", {"name": action})
        # The turn ends as every turn does, listening: the rules read the next message after
        # action_listen, and would not recognise a turn that ended on the executed action.
        await self.append(sender, [{"event": "action", "name": "action_listen"}])
        return list(answer.get("messages") or [])

    async def trigger(self, sender: str, intent: str) -> list[dict[str, Any]]:
        """As if the visitor had said `intent`: the rules run and their messages come back."""
        answer = await self._post(sender, "trigger_intent", {"name": intent})
        return list(answer.get("messages") or [])

    async def events(self, sender: str) -> list[dict[str, Any]]:
        url = f"{self.rasa_url}/conversations/{quote(sender, safe='')}/tracker"
        async with self.http.get(url, params={"token": self.token}) as response:
            if response.status >= 400:
                raise RasaError(f"Rasa answered {response.status} to the tracker")
            state = await response.json(content_type=None)
        return list(state.get("events") or [])
