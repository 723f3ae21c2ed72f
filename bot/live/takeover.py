"""The moves of a live chat, in the web service: a visitor writes, staff take it, write, hand it
back or close it, and a chat nobody answered goes to the handoff form. Each move is written to
the database first, then the open streams are woken (bot/live/hub.py), then Rasa's tracker is
brought in step (bot/live/tracker.py)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from bot.live import cases, store, words
from bot.live.config import LiveConfig
from bot.live.hub import QUEUE, Hub, chat_channel
from bot.live.store import Chat, first_name
from bot.live.tracker import Tracker

logger = logging.getLogger(__name__)

MAX_QUESTION = 2000
TYPING_EVERY_SECONDS = 1.0  # as the handoff form's question (actions/handoff_form.py)


@dataclass
class Live:
    engine: Engine
    config: LiveConfig
    hub: Hub
    tracker: Tracker

    async def _changed(self, chat: Chat) -> None:
        await self.hub.publish(chat_channel(chat.sender_id), QUEUE)

    async def _notice(self, chat: Chat, key: str, now: datetime, **values: str) -> None:
        text = words.say(key, chat.language, **values)
        store.add_message(self.engine, chat, "notice", text, now)

    def _last(self, chat: Chat, now: datetime) -> None:
        """The chat's last message: the widget closes its stream and the bot has the floor."""
        store.add_message(self.engine, chat, "end", "", now)

    def available(self, now: datetime) -> bool:
        return self.config.hours.is_open(now) and bool(
            store.online_staff(self.engine, now, self.config.presence_seconds)
        )

    async def visitor_wrote(
        self, chat: Chat, text: str, now: datetime, author: str = "visitor"
    ) -> None:
        store.add_message(self.engine, chat, author, text, now)
        await self._changed(chat)

    async def take(self, chat: Chat, email: str, now: datetime) -> bool:
        if not store.take(self.engine, chat.id, email, now):
            return False
        store.seen(self.engine, email, now)  # acting on a chat is being present
        await self._notice(chat, "joined", now, name=first_name(email))
        await self._changed(chat)
        return True

    async def staff_send(self, chat: Chat, email: str, text: str, now: datetime) -> int:
        name = first_name(email)
        message_id = store.add_message(self.engine, chat, "staff", text, now, name)
        store.seen(self.engine, email, now)
        await self._changed(chat)
        try:
            await self.tracker.staff_said(chat.sender_id, text, name)
        except Exception as error:  # the visitor has it; the transcript gets it at close
            logger.warning("live chat: recording a staff message in Rasa failed: %s", error)
        return message_id

    async def typing(self, chat: Chat, who: str) -> None:
        # Not stored: a typing indicator only matters to whoever is connected now.
        now = asyncio.get_running_loop().time()
        before = self.hub.typing.get(chat.id)
        if before and before[0] == who and now - before[1] < TYPING_EVERY_SECONDS:
            return  # the indicator is already on; a client typing faster wakes nobody
        await self.hub.set_typing(chat.id, who)
        await self._changed(chat)  # only once the indicator is in Redis: it arrives first

    async def hand_back(self, chat: Chat, email: str, now: datetime) -> bool:
        if not store.end(self.engine, chat.id, "bot", "handback", now, (store.LIVE,)):
            return False
        await self._notice(chat, "handback", now, name=first_name(email))
        await self.tracker.resume(chat.sender_id)  # before the visitor hears the bot is back
        self._last(chat, now)
        await self._changed(chat)
        return True

    async def close(self, chat: Chat, email: str, now: datetime) -> str | None:
        """Ends the chat and files it as a resolved handoff; its reference."""
        if not store.end(self.engine, chat.id, "closed", "closed", now, (store.LIVE,)):
            return None
        await self._notice(chat, "ended", now, name=first_name(email))
        await self.tracker.resume(chat.sender_id)
        self._last(chat, now)
        await self._changed(chat)
        events = await self.tracker.events(chat.sender_id)
        transcript = cases.transcript_with_staff(events)
        reference = await asyncio.to_thread(
            cases.record_closed, self.engine, chat, email, transcript, now
        )
        store.set_reference(self.engine, chat.id, reference)
        await self._changed(chat)
        return reference

    async def to_form(self, chat: Chat, reason: str, now: datetime, email: str = "") -> bool:
        """Nobody answered (or staff want a follow-up): the handoff form, with what the visitor
        wrote as the question, so nothing is lost; the 24-hour promise comes, as always, only
        from the form once the handoff is stored."""
        if not store.end(self.engine, chat.id, "form", reason, now):
            return False
        if reason in ("followup", "left"):
            await self._notice(chat, reason, now, name=first_name(email))
        else:
            await self._notice(chat, reason, now)
        written = [chat.question or "", *store.visitor_texts(self.engine, chat.id)]
        question = " ".join(dict.fromkeys(t.strip() for t in written if t.strip()))
        if question:
            await self._notice(chat, "kept", now)
        await self._changed(chat)
        try:
            await self.tracker.resume(
                chat.sender_id, {"pending_question": question[:MAX_QUESTION] or None}
            )
            replies = await self.tracker.trigger(chat.sender_id, "request_handoff")
        except Exception as error:
            logger.error("live chat: starting the handoff form failed: %s", error)
            replies = [{"text": words.say("closed", chat.language)}]
        for reply in replies:
            text = reply.get("text")
            if isinstance(text, str) and text:
                store.add_message(self.engine, chat, "bot", text, now)
        self._last(chat, now)
        await self._changed(chat)
        return True

    async def sweep(self, now: datetime) -> int:
        """Ends every wait that can no longer be answered: office closed, nobody online, or
        nobody took it within BOT_LIVE_WAIT_SECONDS; and every live chat whose staff member
        is gone (switched offline, or their page closed), so no visitor waits on nobody with
        the bot silent. The number ended."""
        ended = 0
        active = store.active(self.engine)
        if not active:
            return 0
        present = set(store.online_staff(self.engine, now, self.config.presence_seconds))
        for chat in active:
            holder = chat.taken_by or ""
            gone = chat.state == store.LIVE and holder not in present
            if gone and await self.to_form(chat, "left", now, email=holder):
                ended += 1
        waiting = [c for c in active if c.state == store.WAITING]
        if not waiting:
            return ended
        is_open = self.config.hours.is_open(now)
        online = bool(present)
        too_old = now - timedelta(seconds=self.config.wait_seconds)
        for chat in waiting:
            reason = (
                "office_closed"
                if not is_open
                else "offline"
                if not online
                else "timeout"
                if chat.created_at <= too_old
                else None
            )
            if reason and await self.to_form(chat, reason, now):
                ended += 1
        return ended


def queue_entry(chat: Chat, now: datetime) -> dict[str, Any]:
    return {
        "id": chat.id,
        "state": chat.state,
        "language": chat.language,
        "page": chat.page_url,
        "question": chat.question,
        "waited_seconds": int((now - chat.created_at).total_seconds()),
        "taken_by": first_name(chat.taken_by) if chat.taken_by else None,
        "mine": False,
    }
