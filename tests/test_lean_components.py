"""Our registered DIET, ResponseSelector and count-vectors components (bot/nlu/classifiers.py,
prediction_models.py, count_vectors.py) against Rasa's own methods on the repository's model:
the same labels, rankings, confidences and feature matrices; and Rasa's methods whenever the
installed Rasa is not the one they were written against."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from rasa.core.agent import Agent
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.models import RasaModel

from bot.evaluation import load_examples, rankings
from bot.nlu import count_vectors, prediction_models
from bot.nlu.classifiers import LeanDIETClassifier, LeanResponseSelector, NumpyPrediction
from bot.nlu.components import IntentGatedResponseSelector
from bot.nlu.count_vectors import LeanCountVectorsFeaturizer
from bot.nlu.numpy_text_model import TextModel
from bot.nlu.prediction_models import PredictionModel
from bot.rasa_server import fixes
from testkit.model_run import trained_model
from tests.conftest import DATA

RASA_LOAD = RasaModel.__dict__["load"].__func__
HELD_OUT = [e.text for e in load_examples(DATA / "nlu_heldout.yml")]


def parses(texts: list[str]) -> list[dict[str, Any]]:
    agent = Agent.load(str(trained_model()))
    return [asyncio.run(agent.parse_message(text)) for text in texts]


def components(agent: Agent) -> list[Any]:
    assert agent.processor is not None
    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    return [node._component for node in nodes]


def assert_same_predictions(texts: list[str], ours: list[Any], expected: list[Any]) -> None:
    for text, theirs, mine in zip(texts, expected, ours, strict=True):
        assert mine["intent"]["name"] == theirs["intent"]["name"], text
        names = [name for name, _ in rankings(theirs)]
        assert [name for name, _ in rankings(mine)] == names, text
        for (_, a), (_, b) in zip(rankings(mine), rankings(theirs), strict=True):
            assert a == pytest.approx(b, abs=1e-6), text


def counting(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[bool]:
    """Replaces owner.name by a wrapper that records whether each call returned something."""
    original: Callable[..., Any] = getattr(owner, name)
    calls: list[bool] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        out = original(*args, **kwargs)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(owner, name, counted)
    return calls


def rasas_predict(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every DIET and selector prediction through Rasa's TensorFlow path."""
    monkeypatch.setattr(NumpyPrediction, "numpy_model", lambda self: None)


@pytest.mark.model
def test_the_model_is_trained_with_our_components() -> None:
    agent = Agent.load(str(trained_model()))
    kinds = [type(c) for c in components(agent)]
    assert kinds.count(LeanDIETClassifier) == 1
    assert kinds.count(IntentGatedResponseSelector) == 2
    assert kinds.count(LeanCountVectorsFeaturizer) == 2
    for component in components(agent):
        if isinstance(component, DIETClassifier):
            assert isinstance(component, NumpyPrediction)
            assert isinstance(component.model, PredictionModel)
            assert component.numpy_model() is not None  # built as it loaded


@pytest.mark.model
def test_models_loaded_for_prediction_predict_as_rasas_do(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = HELD_OUT[::4]
    rasas_predict(monkeypatch)
    with monkeypatch.context() as rasas:
        rasas.setattr(PredictionModel, "load", classmethod(RASA_LOAD))
        expected = parses(texts)

    def no_training(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a model loaded for prediction was trained")

    monkeypatch.setattr(RasaModel, "fit", no_training)
    monkeypatch.setattr(RasaModel, "compile", no_training)
    ours = parses(texts)

    assert len(texts) > 100
    assert_same_predictions(texts, ours, expected)


@pytest.mark.model
def test_predictions_called_directly_are_rasas(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = HELD_OUT[1::4]
    rasas_predict(monkeypatch)
    with monkeypatch.context() as rasas:
        rasas.setattr(PredictionModel, "_rasa_predict", RasaModel._rasa_predict)
        expected = parses(texts)

    direct = counting(monkeypatch, prediction_models._Graph, "__call__")
    ours = parses(texts)

    assert len(texts) > 100 and len(direct) >= len(texts) and all(direct)
    assert_same_predictions(texts, ours, expected)


@pytest.mark.model
def test_numpy_predictions_are_rasas(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = HELD_OUT[2::4]
    with monkeypatch.context() as rasas:
        rasas_predict(rasas)
        expected = parses(texts)

    computed = counting(monkeypatch, TextModel, "__call__")
    ours = parses(texts)

    # DIET on every text, a response selector on most; every one of them NumPy's.
    assert len(texts) > 100 and len(computed) >= len(texts) and all(computed)
    assert_same_predictions(texts, ours, expected)


@pytest.mark.model
def test_numpy_predictions_leave_other_inputs_to_rasa() -> None:
    agent = Agent.load(str(trained_model()))
    diet = next(c for c in components(agent) if type(c) is LeanDIETClassifier)
    assert TextModel.supports(diet.model)
    model = TextModel(diet.model)
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
    texts = HELD_OUT + ODD_TEXTS
    compared: list[tuple[str, bool]] = []
    ours_of = LeanCountVectorsFeaturizer._create_features

    def both(featurizer: Any, attribute: str, all_tokens: list[list[str]]) -> Any:
        rasas = CountVectorsFeaturizer._create_features(featurizer, attribute, all_tokens)
        ours = ours_of(featurizer, attribute, all_tokens)
        pairs = zip((*ours[0], *ours[1]), (*rasas[0], *rasas[1]), strict=True)
        compared.append((attribute, all(same_matrix(a, b) for a, b in pairs)))
        return rasas

    monkeypatch.setattr(LeanCountVectorsFeaturizer, "_create_features", both)
    built = counting(monkeypatch, count_vectors, "counts")
    parses(texts)
    assert [ok for _, ok in compared].count(True) == len(compared)
    assert len(built) >= 2 * len(texts)  # ours really ran
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
        assert same_matrix(count_vectors.counts(vectorizer, documents), expected.tocoo())


@pytest.mark.model
def test_another_rasa_gets_rasas_own_methods(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = HELD_OUT[3::8]
    with monkeypatch.context() as rasas:
        rasas_predict(rasas)
        rasas.setattr(PredictionModel, "load", classmethod(RASA_LOAD))
        expected = parses(texts)

    # As if every method our components override had changed in the installed Rasa.
    monkeypatch.setattr(fixes, "fits", lambda name: name not in fixes.OVERRIDES_BY_NAME)
    ours = {
        "numpy": counting(monkeypatch, TextModel, "__call__"),
        "direct": counting(monkeypatch, prediction_models._Graph, "__call__"),
        "counts": counting(monkeypatch, count_vectors, "counts"),
    }
    rasas_loads = counting(monkeypatch, RasaModel, "fit")  # Rasa's loader fits one example
    got = parses(texts)

    assert ours == {"numpy": [], "direct": [], "counts": []}
    assert len(rasas_loads) == 3  # DIET and the two selectors
    assert_same_predictions(texts, got, expected)


def test_the_components_are_registered_with_rasa() -> None:
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe

    registered = DefaultV1Recipe._registered_components
    for component in (LeanDIETClassifier, LeanResponseSelector, LeanCountVectorsFeaturizer):
        assert registered[component.__name__].clazz is component
