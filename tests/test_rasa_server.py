"""The Rasa server's action-response check: Rasa's verdicts and messages, schema checked once."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.models import RasaModel

from bench.in_process import alike, talk
from bot import services
from bot.evaluation import load_examples, rankings
from bot.rasa_server import (
    action_validation,
    blas_threads,
    direct_graph,
    direct_predict,
    domain_empty,
    incremental_states,
    lean_count_vectors,
    lean_models,
    numpy_predict,
    rule_keys,
)
from tests.conftest import DATA, ROOT
from tests.servers import Stack, trained_model

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


def parses(texts: list[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(trained_model()))
    return [asyncio.run(agent.parse_message(text)) for text in texts]


@pytest.mark.model
def test_models_loaded_for_prediction_predict_as_rasas_do(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [e.text for e in load_examples(DATA / "nlu_heldout.yml")][::4]
    monkeypatch.setattr(DIETClassifier, "_predict", numpy_predict.RASA_PREDICT)
    monkeypatch.setattr(RasaModel, "load", classmethod(lean_models.RASA_LOAD))
    expected = parses(texts)

    def no_training(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a model loaded for prediction was trained")

    lean_models.install()
    monkeypatch.setattr(RasaModel, "fit", no_training)
    monkeypatch.setattr(RasaModel, "compile", no_training)
    ours = parses(texts)

    assert len(texts) > 100
    assert_same_predictions(texts, ours, expected)
    assert RasaModel.__dict__["load"].__func__ is lean_models.load_for_prediction


def assert_same_predictions(texts: list[str], ours: list[Any], expected: list[Any]) -> None:
    for text, theirs, mine in zip(texts, expected, ours, strict=True):
        assert mine["intent"]["name"] == theirs["intent"]["name"], text
        names = [name for name, _ in rankings(theirs)]
        assert [name for name, _ in rankings(mine)] == names, text
        for (_, a), (_, b) in zip(rankings(mine), rankings(theirs), strict=True):
            assert a == pytest.approx(b, abs=1e-6), text


@pytest.mark.model
def test_predictions_called_directly_are_rasas(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [e.text for e in load_examples(DATA / "nlu_heldout.yml")][1::4]
    # Every prediction through the model's graph, not NumPy's (installed by earlier tests).
    monkeypatch.setattr(DIETClassifier, "_predict", numpy_predict.RASA_PREDICT)
    monkeypatch.setattr(RasaModel, "_rasa_predict", direct_predict.RASA_PREDICT)
    expected = parses(texts)

    direct = []
    direct_call = direct_predict._Graph.__call__

    def counted(graph: Any, batch_in: Any) -> Any:
        outputs = direct_call(graph, batch_in)
        direct.append(outputs is not None)
        return outputs

    monkeypatch.setattr(direct_predict._Graph, "__call__", counted)
    direct_predict.install()
    ours = parses(texts)

    assert len(texts) > 100 and len(direct) >= len(texts) and all(direct)
    assert_same_predictions(texts, ours, expected)


@pytest.mark.model
def test_numpy_predictions_are_rasas(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [e.text for e in load_examples(DATA / "nlu_heldout.yml")][2::4]
    monkeypatch.setattr(DIETClassifier, "_predict", numpy_predict.RASA_PREDICT)
    expected = parses(texts)

    computed = []
    numpy_call = numpy_predict.TextModel.__call__

    def counted(model: Any, message: Message, featurizers: list[str]) -> Any:
        out = numpy_call(model, message, featurizers)
        computed.append(out is not None)
        return out

    monkeypatch.setattr(numpy_predict.TextModel, "__call__", counted)
    monkeypatch.setattr(DIETClassifier, "_predict", numpy_predict.predict)
    ours = parses(texts)

    # DIET on every text, a response selector on most; each model's first call is Rasa's.
    assert len(texts) > 100 and len(computed) >= len(texts) and all(computed)
    assert_same_predictions(texts, ours, expected)


@pytest.mark.model
def test_numpy_predictions_leave_other_inputs_to_rasa() -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(str(trained_model()))
    asyncio.run(agent.parse_message("how long does botox last"))  # prepares DIET
    assert agent.processor is not None
    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    diet = next(n._component for n in nodes if type(n._component) is DIETClassifier)
    assert numpy_predict.TextModel.supports(diet.model)
    model = numpy_predict.TextModel(diet.model)
    message = Message({TEXT: "botox"})
    assert model(message, []) is None  # no features at all
    message.add_features(Features(np.ones((1, 3)), "sentence", TEXT, "SomeDenseFeaturizer"))
    assert model(message, []) is None  # dense features: Rasa's path


ODD_TEXTS = ["", "   ", "🙂🙂 botox?!", "بوتوكس للوردية", "x" * 5000, "<b>1</b>", "1;DROP"]


def same_matrix(ours: Any, rasas: Any) -> bool:
    if ours is None or rasas is None:
        return ours is rasas
    return (
        ours.format == rasas.format == "coo"
        and ours.shape == rasas.shape
        and ours.dtype == rasas.dtype
        and ours.row.dtype == rasas.row.dtype
        and ours.col.dtype == rasas.col.dtype
        and np.array_equal(ours.row, rasas.row)
        and np.array_equal(ours.col, rasas.col)
        and np.array_equal(ours.data, rasas.data)
    )


@pytest.mark.model
def test_count_vectors_are_rasas(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [e.text for e in load_examples(DATA / "nlu_heldout.yml")] + ODD_TEXTS
    compared: list[tuple[str, bool]] = []

    def both(featurizer: Any, attribute: str, all_tokens: list[list[str]]) -> Any:
        rasas = lean_count_vectors.RASA_CREATE_FEATURES(featurizer, attribute, all_tokens)
        ours = lean_count_vectors.create_features(featurizer, attribute, all_tokens)
        pairs = zip((*ours[0], *ours[1]), (*rasas[0], *rasas[1]), strict=True)
        compared.append((attribute, all(same_matrix(a, b) for a, b in pairs)))
        return rasas

    monkeypatch.setattr(CountVectorsFeaturizer, "_create_features", both)
    parses(texts)
    assert [ok for _, ok in compared].count(True) == len(compared)
    # Two featurizers on every text, and again on each part of a message with several questions;
    # the word one also sees attributes a user message lacks.
    on_text = sum(attribute == TEXT for attribute, _ in compared)
    assert on_text % 2 == 0 and on_text >= 2 * len(texts)
    assert {attribute for attribute, _ in compared} > {TEXT}


def test_counts_match_the_vectorizers_transform() -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    documents = ["botox for rosacea", "rosacea rosacea flush", "", "ROSACEA é 🙂", "unknown"]
    for vectorizer in (
        CountVectorizer(token_pattern=r"(?u)\b\w+\b", ngram_range=(1, 2)),
        CountVectorizer(analyzer="char_wb", ngram_range=(2, 4)),
    ):
        vectorizer.fit(documents[:2])
        expected = vectorizer.transform(documents)
        expected.sort_indices()
        assert same_matrix(lean_count_vectors.counts(vectorizer, documents), expected.tocoo())


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


def test_every_rasa_server_loads_models_for_prediction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RasaModel, "load", classmethod(lean_models.RASA_LOAD))
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RASA_VALIDATE)
    monkeypatch.setattr(RasaModel, "_rasa_predict", direct_predict.RASA_PREDICT)
    monkeypatch.setattr(DIETClassifier, "_predict", numpy_predict.RASA_PREDICT)
    monkeypatch.setattr(DaskGraphRunner, "run", direct_graph.DASK_RUN)
    monkeypatch.setattr(Domain, "is_empty", domain_empty.RASA_IS_EMPTY)
    monkeypatch.setattr(
        Domain, "states_for_tracker_history", incremental_states.RASA_STATES_FOR_TRACKER_HISTORY
    )
    monkeypatch.setattr(RulePolicy, "_get_possible_keys", rule_keys.RASA_GET_POSSIBLE_KEYS)
    monkeypatch.setattr(
        CountVectorsFeaturizer, "_create_features", lean_count_vectors.RASA_CREATE_FEATURES
    )
    from bot import rasa_server

    rasa_server.install()
    assert Domain.__dict__["is_empty"] is domain_empty.is_empty
    states = Domain.__dict__["states_for_tracker_history"]
    assert states is incremental_states.states_for_tracker_history
    assert RulePolicy.__dict__["_get_possible_keys"] is rule_keys.get_possible_keys
    assert CountVectorsFeaturizer.__dict__["_create_features"] is lean_count_vectors.create_features
    assert DaskGraphRunner.__dict__["run"] is direct_graph.run
    assert RasaModel.__dict__["load"].__func__ is lean_models.load_for_prediction
    assert RasaModel.__dict__["_rasa_predict"] is direct_predict.rasa_predict
    assert DIETClassifier.__dict__["_predict"] is numpy_predict.predict
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
