"""Several Rasa workers forked from one loaded model (bot/rasa_server/workers/), against a real
server: they share the conversations and take their turns one at a time, a dead worker is
replaced, a new model goes live on new workers without dropping a conversation, and a model
that does not load leaves the running ones answering."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from rasa.utils.tensorflow.models import RasaModel

from bot.rasa_server import __main__ as rasa_server_main
from bot.rasa_server import socketio_relay, workers
from testkit.servers import Stack, texts

QUESTIONS = [
    "how long does it last?",
    "what is rosacea?",
    "how many units do you use?",
    "is botox for rosacea the same as for wrinkles?",
    "where are you located?",
    "what causes rosacea?",
]


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def tree(stack: Stack) -> dict[int, list[int]]:
    """Each leader of the Rasa server and its workers."""
    assert stack.rasa.process is not None
    return {leader: children(leader) for leader in children(stack.rasa.process.pid)}


def is_socketio(pid: int) -> bool:
    path = Path(f"/proc/{pid}/comm")
    return path.exists() and path.read_text().strip() == workers.SOCKETIO_NAME


def settled(stack: Stack, gone: int | None = None, timeout: float = 60) -> tuple[int, list[int]]:
    """The one leader and its two workers, once the server has that shape, with its Socket.IO
    process (and `gone`, a process killed, has been reaped)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shape = tree(stack)
        pids = [pid for each in shape.values() for pid in each]
        if len(shape) == 1 and len(pids) == 3 and gone not in pids:
            ((leader, pids),) = shape.items()
            if sum(map(is_socketio, pids)) == 1:
                return leader, [pid for pid in pids if not is_socketio(pid)]
        time.sleep(0.2)
    raise AssertionError(f"the server never settled on one leader with two workers: {tree(stack)}")


def api(stack: Stack, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(
        method, f"{stack.url}{path}", params={"token": stack.token}, timeout=600, **kwargs
    )


def events(stack: Stack, sender: str) -> list[dict[str, Any]]:
    with sqlite3.connect(stack.tracker_path) as conn:
        rows = conn.execute(
            "SELECT type_name, action_name FROM events WHERE sender_id = ? ORDER BY id",
            (sender,),
        ).fetchall()
    return [{"type": t, "action": a} for t, a in rows]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(tmp_path_factory.mktemp("workers"), env={"SANIC_WORKERS": "2"})
    yield running.start(web=False)
    running.stop()


@pytest.mark.model
@pytest.mark.servers
def test_workers_share_the_conversations_and_keep_each_in_order(stack: Stack) -> None:
    _, pids = settled(stack)
    before = {pid: cpu_ticks(pid) for pid in pids}
    senders = [f"workers-{n}-{uuid.uuid4().hex[:6]}" for n in range(16)]

    def converse(sender: str) -> list[str]:
        sent = [QUESTIONS[(senders.index(sender) + turn) % len(QUESTIONS)] for turn in range(4)]
        for text in sent:
            assert texts(stack.say(sender, text)).strip()
        return sent

    with ThreadPoolExecutor(len(senders)) as pool:
        sent = dict(zip(senders, pool.map(converse, senders), strict=True))
    for sender, texts_sent in sent.items():
        assert [e["text"] for e in stack.user_events(sender)] == texts_sent
    assert all(cpu_ticks(pid) > before[pid] for pid in pids), "a worker did no work"


def mapped_files(pid: int) -> set[str]:
    lines = Path(f"/proc/{pid}/maps").read_text().splitlines()
    return {Path(line.split()[-1]).name for line in lines if len(line.split()) > 5}


@pytest.mark.model
@pytest.mark.servers
def test_the_server_loads_tensorflow_without_jax(stack: Stack) -> None:
    leader, pids = settled(stack)
    for pid in (leader, *pids):
        files = mapped_files(pid)
        assert any(name.startswith("libtensorflow_framework") for name in files)
        assert not any("jax" in name or name.startswith("xla_extension") for name in files)


@pytest.mark.model
@pytest.mark.servers
def test_messages_of_one_conversation_are_handled_one_at_a_time(stack: Stack) -> None:
    sender = f"together-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        replies = list(pool.map(lambda text: stack.say(sender, text), QUESTIONS))
    assert all(texts(reply).strip() for reply in replies)
    stored = events(stack, sender)
    assert sorted(e["text"] for e in stack.user_events(sender)) == sorted(QUESTIONS)
    # Each turn ends listening before the next message is taken: no two turns interleave.
    listening = True
    for event in stored:
        if event["type"] == "user":
            assert listening, f"a message was taken mid-turn: {stored}"
            listening = False
        elif event["type"] == "action" and event["action"] == "action_listen":
            listening = True


@pytest.mark.model
@pytest.mark.servers
def test_a_killed_worker_is_replaced_and_its_conversations_go_on(stack: Stack) -> None:
    sender = f"killed-{uuid.uuid4().hex[:8]}"
    stack.say(sender, "can a staff member get back to me?")
    assert "name" in texts(stack.say(sender, "Do you offer payment plans?"))
    leader, pids = settled(stack)
    os.kill(pids[0], signal.SIGKILL)
    _, now = settled(stack, gone=pids[0])
    assert pids[1] in now
    # Whichever worker takes it, the form remembers that it asked for a name.
    assert "email" in texts(stack.say(sender, "Robin"))
    assert tree(stack).keys() == {leader}


@pytest.mark.model
@pytest.mark.servers
def test_a_new_model_goes_live_on_new_workers(stack: Stack, tmp_path: Path) -> None:
    sender = f"deploy-{uuid.uuid4().hex[:8]}"
    stack.say(sender, "can a staff member get back to me?")
    assert "name" in texts(stack.say(sender, "Do you offer payment plans?"))
    old_leader, old_workers = settled(stack)
    model = tmp_path / "aluma-next.tar.gz"
    shutil.copy(stack.model, model)

    response = api(stack, "PUT", "/model", json={"model_file": str(model)})

    assert response.status_code == 204, response.text
    # Every connection from now on reaches a worker with the new model.
    statuses = [api(stack, "GET", "/status").json() for _ in range(8)]
    assert {s["model_file"] for s in statuses} == {model.name}
    leader, pids = settled(stack)
    assert leader != old_leader and not set(pids) & set(old_workers)
    assert "email" in texts(stack.say(sender, "Robin"))  # the conversation carries on


@pytest.mark.model
@pytest.mark.servers
def test_a_model_that_does_not_load_leaves_the_workers_answering(
    stack: Stack, tmp_path: Path
) -> None:
    leader, pids = settled(stack)
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a model")

    for model in (broken, tmp_path / "missing.tar.gz"):
        response = api(stack, "PUT", "/model", json={"model_file": str(model)})
        assert response.status_code in (400, 500), response.text
        assert response.json()["reason"] in ("LoadingError", "BadRequest")

    assert settled(stack) == (leader, pids)
    assert texts(stack.say(f"after-{uuid.uuid4().hex[:6]}", "what is rosacea?")).strip()


@pytest.mark.model
@pytest.mark.servers
def test_unloading_the_model_is_refused_with_several_workers(stack: Stack) -> None:
    response = api(stack, "DELETE", "/model")
    assert response.status_code == 409
    assert "several Rasa workers" in response.json()["message"]
    assert texts(stack.say(f"unload-{uuid.uuid4().hex[:6]}", "what is rosacea?")).strip()


def test_a_worker_refuses_tensorflow_rather_than_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RasaModel, "run_inference", RasaModel.run_inference)
    workers._forbid_tensorflow()
    with pytest.raises(workers.WorkerError):
        RasaModel.run_inference(object(), None)


def test_a_worker_per_core() -> None:
    cores = len(os.sched_getaffinity(0))
    assert rasa_server_main.default_workers() == min(cores, rasa_server_main.MAX_WORKERS)


def polling(stack: Stack, method: str, sid: str | None = None, body: str | None = None) -> str:
    """One Engine.IO long-polling request on a connection of its own, as a browser may send it."""
    params = {"EIO": "4", "transport": "polling", **({"sid": sid} if sid else {})}
    response = requests.request(
        method, f"{stack.url}/socket.io/", params=params, data=body, timeout=60,
        headers={"Connection": "close"},
    )  # fmt: skip
    assert response.status_code == 200, f"{method} {body!r}: {response.status_code} {response.text}"
    return response.text


def long_polling_conversation(stack: Stack) -> str:
    """rasa-webchat's start over Socket.IO's long-polling: connect, ask for a session, ask."""
    sid = json.loads(polling(stack, "GET")[1:])["sid"]
    polling(stack, "POST", sid, "40")
    assert polling(stack, "GET", sid).startswith("40")
    session = uuid.uuid4().hex
    polling(stack, "POST", sid, "42" + json.dumps(["session_request", {"session_id": session}]))
    assert session in polling(stack, "GET", sid)
    message = {"session_id": session, "message": "how many units are used?"}
    polling(stack, "POST", sid, "42" + json.dumps(["user_uttered", message]))
    received = ""
    while "bot_uttered" not in received:
        received += polling(stack, "GET", sid)
    return received


@pytest.mark.model
@pytest.mark.servers
def test_socketio_long_polling_sessions_reach_the_process_that_holds_them(stack: Stack) -> None:
    settled(stack)  # the Socket.IO process is there
    with ThreadPoolExecutor(8) as pool:  # at once, so that the workers share the connections
        received = list(pool.map(lambda _: long_polling_conversation(stack), range(8)))
    assert all("10-20 units" in each for each in received), received


@pytest.mark.model
@pytest.mark.servers
def test_a_killed_socketio_process_is_replaced(stack: Stack) -> None:
    leader, _ = settled(stack)
    (socketio_process,) = [pid for pid in children(leader) if is_socketio(pid)]
    os.kill(socketio_process, signal.SIGKILL)
    settled(stack, gone=socketio_process)
    assert "10-20 units" in long_polling_conversation(stack)


def test_the_relay_knows_a_socketio_request_from_its_first_bytes() -> None:
    prefixes = (b"/socket.io/",)
    assert socketio_relay.is_for(b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1", prefixes)
    assert socketio_relay.is_for(b"OPTIONS /socket.io/?EIO=4", prefixes)
    assert socketio_relay.is_for(b"POST /webhooks/rest/webhook HTTP/1.1\r\n", prefixes) is False
    assert socketio_relay.is_for(b"GET /socket.io HTTP/1.1", prefixes) is False  # its health
    assert socketio_relay.is_for(b"GET /socketio/ HTTP/1.1", prefixes) is False
    assert socketio_relay.is_for(b"GARBAGE-WITHOUT-SPACES", prefixes) is False
    for partial in (b"G", b"GET", b"GET ", b"GET /sock", b"POST /socket.io"):
        assert socketio_relay.is_for(partial, prefixes) is None, partial  # wait for more
