"""The Rasa workers' process management (bot/rasa_server/workers/) with fake child processes:
no model, no Rasa server, a second or so each."""

from __future__ import annotations

import gc
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.rasa_server.workers import channel, leader, master
from bot.rasa_server.workers.channel import Channel
from bot.rasa_server.workers.restarts import Restarts
from bot.rasa_server.workers.supervisor import NOT_STARTED, Child


@pytest.fixture
def ends() -> Iterator[tuple[Channel, socket.socket]]:
    mine, theirs = channel.pair()
    yield mine, theirs
    mine.close()
    theirs.close()


def eventually(read: Any, timeout: float = 5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = read()
        if found:
            return found
        time.sleep(0.01)
    raise AssertionError("nothing arrived")


# -- the channel -------------------------------------------------------------------------------
def test_a_message_split_across_reads_arrives_once_whole(
    ends: tuple[Channel, socket.socket],
) -> None:
    mine, theirs = ends
    theirs.sendall(b'{"ready": 1}\n{"reload": {"model_')
    assert eventually(mine.receive) == [{"ready": 1}]
    assert mine.receive() == []  # half a message is kept, not parsed
    theirs.sendall(b'path": "m.tar.gz"}, "worker": 7}\n')
    assert eventually(mine.receive) == [{"reload": {"model_path": "m.tar.gz"}, "worker": 7}]


def test_a_message_sent_a_byte_at_a_time_arrives_whole(
    ends: tuple[Channel, socket.socket],
) -> None:
    mine, theirs = ends
    received: list[dict[str, Any]] = []
    for byte in json.dumps({"failed": channel.error_answer(500, "LoadingError", "x")}) + "\n":
        theirs.sendall(byte.encode())
        received += mine.receive() or []
    assert received == [{"failed": {"status": 500, "reason": "LoadingError", "message": "x"}}]


def test_a_closed_channel_says_so_and_sending_to_it_fails_quietly(
    ends: tuple[Channel, socket.socket],
) -> None:
    mine, theirs = ends
    theirs.close()
    assert mine.receive() is None
    assert mine.send({"answer": {}}) is False


# -- restarts ----------------------------------------------------------------------------------
def test_restarts_are_allowed_up_to_the_limit_within_the_window() -> None:
    now = [0.0]
    restarts = Restarts(limit=2, window=10, clock=lambda: now[0])
    assert restarts.allow() and restarts.allow()
    now[0] = 5
    assert not restarts.allow()  # a third within 10 s
    now[0] = 16  # the ones at 0 s have left the window
    assert restarts.allow()


def crash(settings: Any, agent: Any, theirs: Any, name: Any, sock: socket.socket) -> None:
    os._exit(3)


def test_a_worker_that_keeps_crashing_stops_its_leader_past_the_limit(
    monkeypatch: pytest.MonkeyPatch, ends: tuple[Channel, socket.socket]
) -> None:
    monkeypatch.setattr(leader, "run_worker", crash)
    forks: list[int] = []
    fork_worker = leader.Leader.fork_worker

    def counted(self: leader.Leader) -> Child:
        child = fork_worker(self)
        forks.append(child.pid)
        return child

    monkeypatch.setattr(leader.Leader, "fork_worker", counted)
    to_master, _ = ends
    boss = leader.Leader({}, 1, to_master, agent=None, restarts=Restarts(limit=3, window=60))
    try:
        boss.fork_worker()
        deadline = time.monotonic() + 20
        while not boss.stopping and time.monotonic() < deadline:
            boss.poll(0.05)
    finally:
        gc.unfreeze()  # a leader freezes its objects before each fork
        boss.stop_children(1)
    assert boss.stopping and boss.failed
    assert len(forks) == 4  # the first and three restarts; the fourth death stops it
    assert boss.children == {}


# -- the master --------------------------------------------------------------------------------
def a_master() -> master.Master:
    plan = master.Plan(argv=["run"], host="127.0.0.1", port=0, backlog=8, workers=2)
    return master.Master(plan)


def failing_leader(sock: socket.socket) -> None:
    Channel(sock).send({"failed": channel.error_answer(400, "BadRequest", "no such model")})
    os._exit(1)


def silent_leader(sock: socket.socket) -> None:
    os._exit(1)


def working_leader(sock: socket.socket) -> None:
    Channel(sock).send({"ready": [1, 2], "model": "old.tar.gz"})
    while sock.recv(1):  # until the master closes the channel or signals it
        pass
    os._exit(0)


@pytest.mark.parametrize(
    ("new_leader", "error"),
    [
        (failing_leader, {"status": 400, "reason": "BadRequest", "message": "no such model"}),
        (silent_leader, {"status": 500, "reason": "LoadingError", "message": NOT_STARTED}),
    ],
)
def test_a_model_that_fails_to_load_leaves_the_old_leader_and_answers_why(
    monkeypatch: pytest.MonkeyPatch,
    ends: tuple[Channel, socket.socket],
    new_leader: Any,
    error: dict[str, Any],
) -> None:
    boss = a_master()
    try:
        old = boss.fork(working_leader)
        assert boss.wait_ready([old], 5)
        boss.leader = old

        def start_leader(model_path: str | None, remote_storage: str | None) -> Child:
            return boss.fork(new_leader, model_path=model_path, remote_storage=remote_storage)

        monkeypatch.setattr(boss, "start_leader", start_leader)
        via_mine, via_theirs = ends
        via = Child(pid=0, channel=via_mine)
        boss.reload(via, {"reload": {"model_path": "new.tar.gz"}, "worker": 42})
        answer = eventually(Channel(via_theirs).receive)
        assert answer == [{"answer": {"error": error}, "worker": 42}]
        assert boss.leader is old and not old.retiring
        os.kill(old.pid, 0)  # still running
    finally:
        boss.stopping = True  # as Master.run does before it stops its children
        boss.stop_children(2)
        boss.sock.close()


# -- the command line --------------------------------------------------------------------------
@pytest.fixture
def endpoints(tmp_path: Path) -> Path:
    path = tmp_path / "endpoints.yml"
    path.write_text("lock_store:\n  type: bot.storage.lock_store.FileLockStore\n")
    return path


def test_the_plan_takes_the_port_interface_and_backlog(endpoints: Path) -> None:
    argv = ["run", "--endpoints", str(endpoints), "-p", "5006", "--interface", "::1"]
    planned = master.plan(argv, {"SANIC_WORKERS": "3", "SANIC_BACKLOG": "64"})
    assert planned == master.Plan(argv, host="::1", port=5006, backlog=64, workers=3)
    argv = ["run", f"--endpoints={endpoints}", "--port=5007", "-i", "127.0.0.1"]
    planned = master.plan(argv, {"SANIC_WORKERS": "2"})
    assert planned == master.Plan(argv, host="127.0.0.1", port=5007, backlog=100, workers=2)
    planned = master.plan(["run", "--endpoints", str(endpoints)], {"SANIC_WORKERS": "2"})
    assert planned is not None and (planned.host, planned.port) == ("0.0.0.0", 5005)


@pytest.mark.parametrize(
    ("argv", "environ", "lock_store"),
    [
        ([], {"SANIC_WORKERS": "2"}, "redis"),
        (["shell"], {"SANIC_WORKERS": "2"}, "redis"),
        (["test", "core"], {"SANIC_WORKERS": "2"}, "redis"),
        (["run"], {"SANIC_WORKERS": "1"}, "redis"),
        (["run"], {"SANIC_WORKERS": "two"}, "redis"),
        (["run"], {"SANIC_WORKERS": "2"}, "in_memory"),
        (["run"], {"SANIC_WORKERS": "2"}, None),
        (["run"], {"SANIC_WORKERS": "2", channel.LEADER: "5"}, "redis"),  # already a leader
    ],
)
def test_one_rasa_process_unless_several_workers_can_share_conversations(
    tmp_path: Path, argv: list[str], environ: dict[str, str], lock_store: str | None
) -> None:
    path = tmp_path / "endpoints.yml"
    path.write_text(f"lock_store:\n  type: {lock_store}\n" if lock_store else "{}\n")
    assert master.plan([*argv, "--endpoints", str(path)] if argv else [], environ) is None


def test_no_plan_without_a_readable_endpoints_file(tmp_path: Path) -> None:
    argv = ["run", "--endpoints", str(tmp_path / "missing.yml")]
    assert master.plan(argv, {"SANIC_WORKERS": "2"}) is None
    (tmp_path / "bad.yml").write_text("lock_store: [unclosed\n")
    assert master.plan(["run", "--endpoints", str(tmp_path / "bad.yml")], {}) is None


def test_an_option_is_read_in_either_spelling() -> None:
    argv = ["run", "--port=1", "-i", "h", "--model", "m"]
    assert master.option(argv, "--port", "-p") == "1"
    assert master.option(argv, "--interface", "-i") == "h"
    assert master.option(argv, "--cors") is None
    assert master.option(["run", "--port"], "--port") is None  # no value after it


def test_the_leader_passes_a_workers_reload_to_the_master_and_the_answer_back(
    ends: tuple[Channel, socket.socket],
) -> None:
    to_master, master_end = ends
    boss = leader.Leader({}, 1, to_master, agent=None)
    leader_end, worker_end = socket.socketpair()
    boss.children[4242] = child = Child(4242, Channel(leader_end))  # a worker, as if forked
    try:
        boss.received(child, {"reload": {"model_path": "m"}})
        from_leader = Channel(master_end)
        assert eventually(from_leader.receive) == [{"reload": {"model_path": "m"}, "worker": 4242}]
        from_leader.send({"answer": {"reloaded": True}, "worker": 4242})
        eventually(lambda: boss.selector.select(0.1))
        boss.from_master()
        assert eventually(Channel(worker_end).receive) == [{"reloaded": True}]
    finally:
        boss.children.clear()
        leader_end.close()
        worker_end.close()
