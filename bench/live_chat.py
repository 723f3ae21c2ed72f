"""Live chat delivery: time from staff pressing send (the POST leaving the inbox) to the message
arriving on the visitor's event stream, the one the widget reads, with LIVE_CHATS live chats
open and BOT_CONVERSATIONS bot conversations talking to Rasa at the same time; and the web
service's memory. Results: bench/results/live_chat.json.

    python -m bench.live_chat [--live 50] [--bots 200] [--sends 200]

The real stack as `make run` starts it (Rasa, actions, web service) on this machine; staff sign
in as a person does (password, then TOTP).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp
import requests

from bench import machine_speed_ms, write_results
from bench.latency import pss_mb, rss_mb
from bot.handoffs.store import HandoffStore
from bot.staff import accounts
from testkit.servers import Stack
from testkit.staff_login import sign_in

STAFF, PASSWORD = "maria@aluma.test", "correct horse battery"
FAQ = ["how long does it last?", "does it hurt?", "how many units?", "what is rosacea?"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


async def open_live_chat(http: aiohttp.ClientSession, web: str) -> tuple[str, str]:
    async with http.post(f"{web}/chat/session") as response:
        sender = (await response.json())["sender"]
    body = {"sender": sender, "message": "can i talk to a nurse", "message_id": sender[:16]}
    async with http.post(f"{web}/webhooks/rest/webhook", json=body) as response:
        replies = await response.json()
    chat = next(r["custom"]["live"] for r in replies if isinstance(r.get("custom"), dict))
    return sender, chat


async def listen(
    http: aiohttp.ClientSession, web: str, sender: str, arrived: dict[str, float]
) -> None:
    """The widget's stream: every message's text with the moment it arrived."""
    after = 0
    while True:
        url = f"{web}/live/events?sender={sender}&after={after}"
        async with http.get(url, timeout=aiohttp.ClientTimeout(total=None)) as response:
            async for raw in response.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("id: "):
                    after = int(line[4:])
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                    if isinstance(data, dict) and data.get("author") == "staff":
                        arrived[data["text"]] = time.perf_counter()


async def bot_visitor(
    http: aiohttp.ClientSession, web: str, stop: asyncio.Event, done: list[float]
) -> None:
    async with http.post(f"{web}/chat/session") as response:
        sender = (await response.json())["sender"]
    turn = 0
    while not stop.is_set():
        started = time.perf_counter()
        body = {"sender": sender, "message": FAQ[turn % len(FAQ)]}
        try:
            async with http.post(f"{web}/webhooks/rest/webhook", json=body) as response:
                await response.read()
                if response.status == 200:
                    done.append(time.perf_counter() - started)
        except aiohttp.ClientError:
            pass
        turn += 1


async def run(stack: Stack, live_chats: int, bots: int, sends: int) -> dict[str, Any]:
    web = stack.web_url
    staff = requests.Session()
    assert sign_in(staff, web, STAFF, PASSWORD).status_code == 303
    page = staff.get(f"{web}/staff/live").text
    csrf = re.search(r'data-csrf="([^"]+)"', page)
    assert csrf
    token = csrf.group(1)
    cookies = {k: v for k, v in staff.cookies.get_dict().items() if v is not None}
    connector = aiohttp.TCPConnector(limit=0)
    async with (
        aiohttp.ClientSession(connector=connector) as http,
        aiohttp.ClientSession(cookies=cookies) as inbox,
    ):

        async def staff_post(path: str, **fields: str) -> None:
            async with inbox.post(
                f"{web}/staff/live{path}", data={"csrf_token": token, **fields}
            ) as r:
                assert r.status == 200, await r.text()

        await staff_post("/online", online="1")
        gate = asyncio.Semaphore(8)

        async def opened() -> tuple[str, str]:
            async with gate:
                return await open_live_chat(http, web)

        chats = await asyncio.gather(*(opened() for _ in range(live_chats)))
        for _, chat in chats:
            await staff_post(f"/{chat}/take")
        arrived: dict[str, float] = {}
        listeners = [asyncio.create_task(listen(http, web, s, arrived)) for s, _ in chats]
        stop = asyncio.Event()
        bot_turns: list[float] = []
        visitors = [
            asyncio.create_task(bot_visitor(http, web, stop, bot_turns)) for _ in range(bots)
        ]
        await asyncio.sleep(5)  # the streams connected, the bot conversations under way
        pss_before = pss_mb(stack.web.process.pid)  # type: ignore[union-attr]
        delays: list[float] = []
        lost = 0
        for n in range(sends):
            _, chat = chats[n % len(chats)]
            text = f"bench message {n}"
            sent = time.perf_counter()
            await staff_post(f"/{chat}/send", text=text)
            deadline = sent + 10
            while text not in arrived and time.perf_counter() < deadline:
                await asyncio.sleep(0.002)
            if text in arrived:
                delays.append((arrived[text] - sent) * 1000)
            else:
                lost += 1
        pss_after = pss_mb(stack.web.process.pid)  # type: ignore[union-attr]
        rss_after = rss_mb(stack.web.process.pid)  # type: ignore[union-attr]
        stop.set()
        for task in [*listeners, *visitors]:
            task.cancel()
        await asyncio.gather(*listeners, *visitors, return_exceptions=True)
    return {
        "live_chats": live_chats,
        "bot_conversations": bots,
        "staff_sends": sends,
        "send_to_widget_ms": {
            "p50": percentile(delays, 0.5),
            "p95": percentile(delays, 0.95),
            "max": round(max(delays), 1),
            "mean": round(statistics.mean(delays), 1),
        },
        "goal_p95_ms": 250,
        "messages_lost": lost,
        "bot_turns_answered_meanwhile": len(bot_turns),
        "bot_turn_p50_ms": percentile([t * 1000 for t in bot_turns], 0.5) if bot_turns else None,
        "web_service_pss_mb": {"before_sends": pss_before, "after_sends": pss_after},
        "web_service_rss_mb_after": rss_after,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--live", type=int, default=50)
    parser.add_argument("--bots", type=int, default=200)
    parser.add_argument("--sends", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        env = {
            "BOT_OFFICE_HOURS": "Mon-Sun 00:00-24:00",
            "BOT_CHAT_RATE_PER_MINUTE": "0",
            "BOT_LOGIN_RATE_PER_MINUTE": "0",
            "BOT_RASA_ANSWER_SECONDS": "120",
        }
        stack = Stack(Path(workdir), env=env)
        stack.web.env["RASA_TOKEN"] = stack.token
        engine = HandoffStore.from_url(f"sqlite:///{stack.db_path}").engine
        accounts.add_account(engine, STAFF, PASSWORD, datetime.now(timezone.utc))
        stack.start()
        try:
            results = asyncio.run(run(stack, args.live, args.bots, args.sends))
        finally:
            stack.stop()
    results["machine_speed_ms"] = machine_speed_ms()
    write_results("live_chat", results)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
