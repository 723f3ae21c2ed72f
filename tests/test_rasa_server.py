"""The Rasa server's fixes against Rasa's own code: the action-response check, the graph run
directly, domains, states and rules."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.domain import Domain

from bench.in_process import alike, talk
from bot import services
from bot.evaluation import load_examples
from bot.rasa_server import (
    action_validation,
    blas_threads,
    direct_graph,
    domain_empty,
    incremental_states,
    rule_keys,
)
from testkit.servers import Stack, trained_model
from tests.conftest import DATA, ROOT

RASA_VALIDATE = RemoteAction.__dict__["_validate_action_result"]

VALID = [
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "contact", "value": None, "timestamp": None},
            {"event": "active_loop", "name": "handoff_form", "timestamp": None},
            {"event": "followup", "name": "action_listen"},
        ],
        "responses": [{"text": "What is your email or phone?", "buttons": []}],
    },
    {},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot", "name": 7, "value": "x"}]},
    {"responses": ["a bare string"]},
    [],
]


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_submit_handoff", None)


def rasa_verdict(action: RemoteAction, result: Any) -> str:
    try:
        RASA_VALIDATE(action, result)
        return "valid"
    except ValidationError as error:
        return error.message


def our_verdict(action: RemoteAction, result: Any) -> str:
    try:
        action_validation.validate_action_result(action, result)
        return "valid"
    except ValidationError as error:
        return error.message


@pytest.mark.parametrize("result", VALID + INVALID)
def test_verdicts_and_messages_are_rasas(action: RemoteAction, result: Any) -> None:
    expected = rasa_verdict(action, result)
    assert our_verdict(action, result) == expected
    assert (expected == "valid") == (result in VALID)


def test_invalid_response_names_the_docs(action: RemoteAction) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action_validation.validate_action_result(action, {"events": [{"event": "slot"}]})


def test_install_replaces_rasas_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RASA_VALIDATE)
    action_validation.install()
    installed = RemoteAction.__dict__["_validate_action_result"]
    assert installed is action_validation.validate_action_result


def test_every_rasa_server_starts_with_the_fixes(tmp_path: Any) -> None:
    command = services.rasa_command(tmp_path / "m.tar.gz", 5005, tmp_path / "e", tmp_path / "c")
    assert command[1:4] == ["-m", "bot.rasa_server", "run"]


@pytest.mark.model
def test_graphs_run_directly_parse_and_act_as_dask(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.core.agent import Agent

    texts = [e.text for e in load_examples(DATA / "nlu_heldout.yml")][3::3]
    monkeypatch.setattr(DaskGraphRunner, "run", direct_graph.DASK_RUN)
    agent = Agent.load(str(trained_model()))
    conversations = [texts[start : start + 5] for start in range(0, len(texts), 5)]
    asyncio.run(talk(agent, conversations))  # each model's first prediction takes Rasa's path
    expected = asyncio.run(talk(agent, conversations))

    plans = []
    plan = direct_graph.plan

    def counted(*args: Any) -> Any:
        plans.append(plan(*args))
        return plans[-1]

    monkeypatch.setattr(direct_graph, "plan", counted)
    direct_graph.install()
    ours = asyncio.run(talk(agent, conversations))

    assert len(texts) > 50 and any(len(events) > 10 for events in ours)
    assert alike(ours, expected)
    # Once to parse each text, at least twice to act on it (an answer, then listen).
    assert len(plans) >= 3 * len(texts) and all(plans)


@pytest.mark.model
def test_a_plan_runs_parents_first_and_leaves_training_to_dask() -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(str(trained_model()))
    assert agent.processor is not None
    runner = agent.processor.graph_runner
    metadata = agent.processor.model_metadata
    nlu, core = metadata.nlu_target, metadata.core_target
    # Parsing gets the tracker too: the question splitter reads the previous turn.
    for target, given in ((nlu, {"__message__", "__tracker__"}), (core, {"__tracker__"})):
        steps = direct_graph.plan(runner, (target,), frozenset(given))
        assert steps is not None and steps[-1][0] == target
        done = set(given)
        for name, node, needs in steps:
            assert set(needs) <= done, name
            assert node is runner._instantiated_nodes[name]
            done.add(name)
    # An input named like a node, or a component loaded only when run (training): dask's way.
    assert direct_graph.plan(runner, (nlu,), frozenset({nlu})) is None
    lazy = runner._graph_schema.nodes[core]
    lazy.eager, runner.__dict__["_direct_plans"] = False, {}
    try:
        assert direct_graph.plan(runner, (core,), frozenset({"__tracker__"})) is None
    finally:
        lazy.eager = True


def test_every_rasa_server_installs_the_fixes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RASA_VALIDATE)
    monkeypatch.setattr(DaskGraphRunner, "run", direct_graph.DASK_RUN)
    monkeypatch.setattr(Domain, "is_empty", domain_empty.RASA_IS_EMPTY)
    monkeypatch.setattr(
        Domain, "states_for_tracker_history", incremental_states.RASA_STATES_FOR_TRACKER_HISTORY
    )
    monkeypatch.setattr(RulePolicy, "_get_possible_keys", rule_keys.RASA_GET_POSSIBLE_KEYS)
    from bot import rasa_server

    rasa_server.install()
    assert Domain.__dict__["is_empty"] is domain_empty.is_empty
    states = Domain.__dict__["states_for_tracker_history"]
    assert states is incremental_states.states_for_tracker_history
    assert RulePolicy.__dict__["_get_possible_keys"] is rule_keys.get_possible_keys
    assert DaskGraphRunner.__dict__["run"] is direct_graph.run
    validate = RemoteAction.__dict__["_validate_action_result"]
    assert validate is action_validation.validate_action_result


def test_a_domain_is_empty_as_rasa_says_and_asked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    ours = Domain.load(str(ROOT / "domain.yml"))
    for domain in (Domain.empty(), ours):
        assert domain_empty.is_empty(domain) is domain_empty.RASA_IS_EMPTY(domain)
    calls: list[Domain] = []
    rasas = domain_empty.RASA_IS_EMPTY

    def counted(domain: Domain) -> bool:
        calls.append(domain)
        return bool(rasas(domain))

    monkeypatch.setattr(domain_empty, "RASA_IS_EMPTY", counted)
    fresh = Domain.empty()
    assert [domain_empty.is_empty(fresh) for _ in range(3)] == [True] * 3
    assert calls == [fresh]


def test_blas_runs_on_the_calling_thread_only() -> None:
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(limits=2, user_api="blas")  # as OpenBLAS starts on a 2-core machine
    blas_threads.install()
    libraries = [i for i in threadpool_info() if i["user_api"] == "blas"]
    assert libraries and all(i["num_threads"] == 1 for i in libraries)


def test_a_stack_whose_rasa_cannot_start_leaves_nothing_running(tmp_path: Path) -> None:
    stack = Stack(tmp_path, model=tmp_path / "unused.tar.gz")
    stack.rasa.command = [sys.executable, "-c", "raise SystemExit(3)"]
    with pytest.raises(RuntimeError, match="exited with code 3"):
        stack.start(web=False)
    assert stack.actions.process is not None
    assert stack.actions.process.poll() is not None  # the action server was stopped too
