"""The scaled-out set-up for real: PostgreSQL, Redis, two Rasa replicas, the action server and the
web service behind nginx (installed with apt-get when missing), on free ports in a temporary
folder. Conversations alternate between the replicas; rasa-webchat on the clinic's own site
talks to them through nginx; `bot deploy` updates both; then faults: the action server killed
mid-handoff, PostgreSQL and Redis restarted and a replica killed under load, SMTP down. Each
fault ends with the count: handoffs submitted = stored = delivered = confirmed to the visitor.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from bot import services
from bot.channels.inbound import TECHNICAL_PROBLEM
from bot.prod.topology import Ports, Topology
from testkit.servers import texts, trained_model
from tests.browser import chromium
from tests.browser.webchat import (
    ClinicSite,
    converse_on_the_clinics_site,
    refused_on_a_site_not_allowed,
)
from tests.editor_run import bot
from tests.local_servers import SmtpSink, wait_until
from tests.test_faq_cli import copy_project

pytestmark = [pytest.mark.model, pytest.mark.servers]

PHONE = "503-688-9235"
CONFIRMED = re.compile(r"reference (AL-[A-Z0-9]{6})")
NAMES = [
    "Ana Diaz",
    "Ben Ode",
    "Cleo Park",
    "Dev Rao",
    "Eve Moss",
    "Finn Lund",
    "Gia Rossi",
    "Hal Ng",
]
FAQ_TURNS = ["hi there", "how many units do you use?", "how long does it last", "thanks!"]


def handoff_turns(name: str) -> list[str]:
    slug = name.lower().replace(" ", ".")
    return [
        "is botox for rosacea covered by insurance?",
        "yes please",
        name,
        f"{slug}@example.com",
        "yes",
    ]


@pytest.fixture(scope="module")
def prod(smtp: SmtpSink, clinic_port: int) -> Iterator[Topology]:
    # Not under pytest's basetemp: each pytest run resets that to 0700, locking `postgres` out.
    root = Path(tempfile.mkdtemp(prefix="aluma-prod-"))
    ports = Ports.free()
    env = {**smtp.settings, "BOT_JOBS_INTERVAL_SECONDS": "0.5", "BOT_DELIVERY_RETRY_SECONDS": "1"}
    env["BOT_ALLOWED_ORIGINS"] = f"http://127.0.0.1:{clinic_port}"  # the clinic's own site
    env["BOT_OFFICE_HOURS"] = "Mon-Sun 00:00-24:00"  # live chat whenever staff are online
    topology = Topology(trained_model(), root=root, ports=ports, env=env)
    try:
        yield topology.start()
    finally:
        topology.stop()
        shutil.rmtree(root, ignore_errors=True)


def say(url: str, sender: str, text: str) -> list[dict[str, Any]]:
    response = requests.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=90
    )
    response.raise_for_status()
    return list(response.json())


def say_until_answered(urls: Iterator[str], sender: str, text: str) -> str:
    """A visitor who sends again when the assistant says it failed (as the widget offers)."""
    for _ in range(30):
        try:
            reply = texts(say(next(urls), sender, text))
        except requests.RequestException:
            continue
        if TECHNICAL_PROBLEM not in reply:
            return reply
    raise AssertionError(f"{sender}: no answer to {text!r} after 30 tries")


def user_texts(prod: Topology, replica: int, sender: str) -> list[str]:
    response = requests.get(
        f"{prod.replica_url(replica)}/conversations/{sender}/tracker",
        params={"token": prod.token},
        timeout=30,
    )
    response.raise_for_status()
    return [e["text"] for e in response.json()["events"] if e["event"] == "user"]


def stored(prod: Topology, senders: list[str]) -> dict[str, str]:
    """sender -> reference of the handoffs in PostgreSQL."""
    engine = sa.create_engine(prod.postgres.url("aluma"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT sender_id, reference FROM handoffs")).all()
    finally:
        engine.dispose()
    return {row.sender_id: row.reference for row in rows if row.sender_id in senders}


def delivered(smtp: SmtpSink, references: list[str]) -> dict[str, int]:
    counts = {reference: 0 for reference in references}
    for message in list(smtp.messages):
        for reference in references:
            if reference in str(message["Subject"]):
                counts[reference] += 1
    return counts


def run_visitors(prod: Topology, count: int, fault: Callable[[], None]) -> list[str]:
    """`count` visitors each making a handoff through alternating replicas, with `fault`
    happening while they talk; returns the references confirmed to them."""
    started = threading.Barrier(count + 1)

    def visitor(index: int) -> str | None:
        sender = f"load-{index}-{uuid.uuid4().hex[:8]}"
        urls = itertools.cycle([prod.replica_url(index % 2), prod.replica_url(1 - index % 2)])
        reply = ""
        for turn, text in enumerate(handoff_turns(NAMES[index % len(NAMES)])):
            reply = say_until_answered(urls, sender, text)
            if turn == 1:
                started.wait(timeout=120)
        match = CONFIRMED.search(reply)
        return f"{sender} {match.group(1)}" if match else None

    with ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(visitor, i) for i in range(count)]
        started.wait(timeout=120)
        fault()
        results = [future.result(timeout=600) for future in futures]
    assert all(results), "every visitor got a confirmation"
    return [r for r in results if r]


def assert_nothing_lost(prod: Topology, smtp: SmtpSink, confirmed: list[str]) -> None:
    senders = [line.split()[0] for line in confirmed]
    references = [line.split()[1] for line in confirmed]
    in_postgres = stored(prod, senders)
    assert sorted(in_postgres.values()) == sorted(references)
    wait_until(
        lambda: all(delivered(smtp, references).values()), timeout=120, what="every delivery"
    )
    assert set(delivered(smtp, references).values()) == {1}, "each delivered exactly once"
    for sender in senders:  # full history, in order, on either replica
        history = user_texts(prod, 0, sender)
        assert history == user_texts(prod, 1, sender)
        assert history[0].startswith("is botox") and history[-1] == "yes"


def test_a_postgresql_dump_holds_nothing_a_visitor_gave(prod: Topology) -> None:
    """Encryption at rest in the scaled-out set-up: a handoff's name and email, typed through
    both replicas, are in no byte of either database's dump, yet the store reads them back."""
    import random
    import string
    import subprocess

    from bot.handoffs.store import HandoffStore
    from bot.prod.packages import binary

    marker = "qv" + "".join(random.choices(string.ascii_lowercase, k=8))
    sender = f"privacy-{uuid.uuid4().hex[:8]}"
    turns = handoff_turns(f"Robin {marker.capitalize()}")
    replies = [texts(say(prod.replica_url(n % 2), sender, text)) for n, text in enumerate(turns)]
    match = CONFIRMED.search(replies[-1])
    assert match, replies[-1]
    for database in ("aluma", "rasa"):
        dump = subprocess.run(
            [binary("pg_dump"), "--dbname", prod.postgres.url(database)],
            capture_output=True,
            check=True,
            timeout=120,
        ).stdout
        assert len(dump) > 1000 and marker.encode() not in dump.lower(), database
    handoff = HandoffStore.from_url(prod.postgres.url("aluma")).get(match.group(1))
    assert handoff is not None
    assert handoff.name == f"Robin {marker.capitalize()}"
    assert handoff.contact == f"robin.{marker}@example.com"


def test_conversations_alternating_between_replicas_stay_whole_and_in_order(
    prod: Topology,
) -> None:
    senders = [f"alt-{i}-{uuid.uuid4().hex[:6]}" for i in range(3)]
    for turn, text in enumerate(FAQ_TURNS):
        for index, sender in enumerate(senders):
            replica = (turn + index) % 2
            assert say(prod.replica_url(replica), sender, text), f"no reply on replica {replica}"
    for sender in senders:
        assert user_texts(prod, 0, sender) == FAQ_TURNS
        assert user_texts(prod, 1, sender) == FAQ_TURNS


def test_a_handoff_over_both_replicas_lands_in_postgresql_and_is_delivered(
    prod: Topology, smtp: SmtpSink
) -> None:
    sender = f"handoff-{uuid.uuid4().hex[:8]}"
    replies = [
        texts(say(prod.replica_url(turn % 2), sender, text))
        for turn, text in enumerate(handoff_turns("Robin Lee"))
    ]
    match = CONFIRMED.search(replies[-1])
    assert match and "within 24 hours" in replies[-1], replies[-1]
    assert_nothing_lost(prod, smtp, [f"{sender} {match.group(1)}"])


def test_the_public_site_goes_through_nginx_and_rasas_api_does_not(prod: Topology) -> None:
    assert requests.get(f"{prod.public_url}/health", timeout=10).status_code == 200
    page = requests.get(f"{prod.public_url}/", timeout=10)
    assert page.status_code == 200 and "widget.js" in page.text
    for path in ("/status", "/version", "/model/parse", "/conversations/x/tracker", "/model"):
        for method in ("GET", "POST", "PUT"):
            status = requests.request(method, f"{prod.public_url}{path}", timeout=10).status_code
            assert status == 404, f"{method} {path} answered {status} through nginx"


def test_a_visitor_through_nginx_and_the_web_service_is_answered_in_order(prod: Topology) -> None:
    site = f"http://localhost:{prod.ports.public}"  # the demo page's own origin
    headers = {"Origin": site}
    session = requests.post(f"{prod.public_url}/chat/session", headers=headers, timeout=10)
    assert session.status_code == 200, session.text
    sender = session.json()["sender"]
    for text in FAQ_TURNS:
        reply = requests.post(
            f"{prod.public_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            headers=headers,
            timeout=60,
        )
        assert reply.status_code == 200 and reply.json(), reply.text
    assert user_texts(prod, 0, sender) == FAQ_TURNS == user_texts(prod, 1, sender)


def test_rasa_webchat_on_the_clinics_site_works_through_nginx(
    prod: Topology, clinic_site: ClinicSite
) -> None:
    with chromium() as browser:
        session, *said = converse_on_the_clinics_site(browser, clinic_site, prod.public_url)
        refused_on_a_site_not_allowed(browser, clinic_site, prod.public_url)
    wait_until(lambda: user_texts(prod, 0, session) == said, timeout=10, what="the tracker")
    assert user_texts(prod, 1, session) == said


def test_bot_deploy_puts_the_model_on_both_replicas_and_conversations_carry_on(
    prod: Topology, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "project")
    (project / "models").mkdir(exist_ok=True)
    model = project / "models" / "aluma-redeployed.tar.gz"
    shutil.copy2(trained_model(), model)  # same answers, a name that shows where it is live
    sender = f"deploy-{uuid.uuid4().hex[:8]}"
    assert say(prod.replica_url(0), sender, FAQ_TURNS[1])
    replicas = f"{prod.replica_url(0)},{prod.replica_url(1)}"
    code, output = bot(
        "deploy", "--project", str(project), "--model", str(model), "--no-preflight",
        env={"BOT_RASA_REPLICAS": replicas, "RASA_TOKEN": prod.token},
    )  # fmt: skip
    assert code == 0, output
    for replica in (0, 1):
        status = requests.get(
            f"{prod.replica_url(replica)}/status", params={"token": prod.token}, timeout=30
        )
        assert status.json()["model_file"] == model.name, f"replica {replica} not updated"
    assert say(prod.replica_url(1), sender, FAQ_TURNS[2])
    assert user_texts(prod, 0, sender) == FAQ_TURNS[1:3]


def test_action_server_killed_mid_handoff_gets_no_false_promise(
    prod: Topology, smtp: SmtpSink
) -> None:
    sender = f"crash-{uuid.uuid4().hex[:8]}"
    url = prod.replica_url(0)
    for text in handoff_turns("Kim Park")[:3]:
        say(url, sender, text)
    services.kill(prod.actions)
    try:
        reply = texts(say(url, sender, "kim.park@example.com"))
        assert PHONE in reply and "within 24 hours" not in reply, reply
        reply = texts(say(prod.replica_url(1), sender, "yes"))
        assert "within 24 hours" not in reply and not CONFIRMED.search(reply), reply
    finally:
        services.start(prod.actions)
    assert stored(prod, [sender]) == {}
    # Once it is back, the visitor can finish the handoff.
    reply = say_until_answered(itertools.cycle([url]), sender, "kim.park@example.com")
    if not CONFIRMED.search(reply):
        reply = say_until_answered(itertools.cycle([url]), sender, "yes")
    match = CONFIRMED.search(reply)
    assert match, reply
    assert stored(prod, [sender]) == {sender: match.group(1)}


def test_postgresql_restarted_under_load_loses_nothing(prod: Topology, smtp: SmtpSink) -> None:
    def postmaster() -> str:
        return (prod.postgres.data / "postmaster.pid").read_text().split()[0]

    before = postmaster()
    confirmed = run_visitors(prod, 8, prod.postgres.restart)
    assert postmaster() != before, "PostgreSQL really restarted"
    assert_nothing_lost(prod, smtp, confirmed)


def test_redis_restarted_under_load_loses_nothing(prod: Topology, smtp: SmtpSink) -> None:
    pids: list[int] = []

    def restart_redis() -> None:
        services.stop(prod.redis)
        services.start(prod.redis)
        pids.extend(p.pid for p in [prod.redis.process] if p is not None)

    before = prod.redis.process.pid if prod.redis.process else None
    confirmed = run_visitors(prod, 8, restart_redis)
    assert pids and pids[0] != before, "Redis really restarted"
    assert_nothing_lost(prod, smtp, confirmed)


def test_smtp_down_under_load_delivers_everything_once_afterwards(
    prod: Topology, smtp: SmtpSink
) -> None:
    smtp.stop()
    try:
        confirmed = run_visitors(prod, 8, lambda: None)
        references = [line.split()[1] for line in confirmed]
        assert not any(delivered(smtp, references).values())
    finally:
        smtp.start()
    assert_nothing_lost(prod, smtp, confirmed)


def test_a_replica_killed_under_load_loses_nothing(prod: Topology, smtp: SmtpSink) -> None:
    victim = prod.replicas[1]
    try:
        confirmed = run_visitors(prod, 8, lambda: services.kill(victim))
        assert victim.process is not None and victim.process.returncode == -9
    finally:
        services.start(victim)
    assert_nothing_lost(prod, smtp, confirmed)


def test_live_chat_through_nginx_with_two_replicas(prod: Topology) -> None:
    """A visitor and a member of staff through nginx: the bot stays paused whichever replica
    gets each message, and staff messages reach the visitor's event stream."""
    from datetime import datetime, timezone

    from bot.handoffs.store import HandoffStore
    from bot.staff import accounts
    from testkit.staff_login import sign_in

    email, password = f"nurse-{uuid.uuid4().hex[:6]}@aluma.test", "correct horse battery"
    engine = HandoffStore.from_url(prod.postgres.url("aluma")).engine
    accounts.add_account(engine, email, password, datetime.now(timezone.utc))
    staff = requests.Session()
    assert sign_in(staff, prod.public_url, email, password).status_code == 303
    csrf = re.search(r'data-csrf="([^"]+)"', staff.get(f"{prod.public_url}/staff/live").text)
    assert csrf
    token = csrf.group(1)

    def staff_post(path: str, **fields: str) -> dict[str, Any]:
        answer = staff.post(
            f"{prod.public_url}/staff/live{path}",
            data={"csrf_token": token, **fields},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    staff_post("/online", online="1")
    site = f"http://localhost:{prod.ports.public}"
    headers = {"Origin": site}
    sender = requests.post(f"{prod.public_url}/chat/session", headers=headers, timeout=10).json()[
        "sender"
    ]

    def visitor_says(text: str) -> list[dict[str, Any]]:
        reply = requests.post(
            f"{prod.public_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            headers=headers,
            timeout=60,
        )
        assert reply.status_code == 200, reply.text
        return list(reply.json())

    queued = visitor_says("can i talk to a nurse")
    chat = next(r["custom"]["live"] for r in queued if isinstance(r.get("custom"), dict))
    staff_post(f"/{chat}/take")

    received: list[str] = []

    def listen() -> None:
        url = f"{prod.public_url}/live/events?sender={sender}"
        # The stream ends when the test's servers stop; what it received is what is asserted.
        with (
            contextlib.suppress(requests.exceptions.ChunkedEncodingError),
            requests.get(url, headers=headers, stream=True, timeout=60) as stream,
        ):
            for raw in stream.iter_lines():
                line = raw.decode("utf-8")
                if line.startswith("data: "):
                    received.append(json.loads(line[6:])["text"])

    threading.Thread(target=listen, daemon=True).start()
    # Four messages, so each replica gets some: the paused conversation answers none of them.
    for text in ("How long does Botox last?", "does it hurt?", "what is rosacea?", "hello?"):
        assert visitor_says(text) == []
    staff_post(f"/{chat}/send", text="Hi, it lasts about three months.")
    wait_until(lambda: "Hi, it lasts about three months." in received, 20, "the staff message")
    assert any("has joined the chat" in text for text in received)
    details = staff.get(f"{prod.public_url}/staff/live/{chat}", timeout=30).json()
    said = [t["text"] for t in details["transcript"] if t["role"] == "visitor"]
    assert said[-4:] == ["How long does Botox last?", "does it hurt?", "what is rosacea?", "hello?"]
    staff_post(f"/{chat}/handback")
    wait_until(lambda: any("handed the chat back" in t for t in received), 20, "the hand-back")
    assert "three months" in texts(visitor_says("How long does Botox last?"))
