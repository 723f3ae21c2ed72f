"""The Socket.IO channel with a real socket.io client, as rasa-webchat uses it."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import socketio

from tests.servers import Stack

pytestmark = pytest.mark.servers


async def test_socketio_client_with_session_persistence_gets_replies(stack: Stack) -> None:
    client = socketio.AsyncClient(reconnection=False)
    confirmed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    @client.on("session_confirm")
    async def on_confirm(session_id: Any) -> None:
        confirmed.set_result(session_id)

    @client.on("bot_uttered")
    async def on_bot(message: dict[str, Any]) -> None:
        await replies.put(message)

    await client.connect(stack.url, socketio_path="/socket.io", transports=["websocket"])
    try:
        session = uuid.uuid4().hex
        await client.emit("session_request", {"session_id": session})
        assert await asyncio.wait_for(confirmed, 10) == session
        await client.emit("user_uttered", {"message": "hi", "session_id": session,
                                           "customData": {"page_url": "https://example.com/"}})
        greeting = await asyncio.wait_for(replies.get(), 30)
        assert "24 hours" in greeting["text"]
        assert greeting.get("quick_replies") or greeting.get("buttons")

        # A reconnecting widget with the same session id keeps its conversation.
        await client.emit("user_uttered", {"message": "how many units are used?", "session_id": session})
        answer = await asyncio.wait_for(replies.get(), 30)
        assert "10-20 units" in answer["text"]
    finally:
        await client.disconnect()


async def test_malformed_socketio_messages_do_not_break_the_channel(stack: Stack) -> None:
    client = socketio.AsyncClient(reconnection=False)
    replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    @client.on("bot_uttered")
    async def on_bot(message: dict[str, Any]) -> None:
        await replies.put(message)

    await client.connect(stack.url, socketio_path="/socket.io", transports=["websocket"])
    try:
        session = uuid.uuid4().hex
        await client.emit("session_request", "not a dict")
        await client.emit("session_request", {"session_id": session})
        await client.emit("user_uttered", {"message": "hi", "session_id": session, "customData": "{bad json"})
        assert "24 hours" in (await asyncio.wait_for(replies.get(), 30))["text"]
    finally:
        await client.disconnect()
