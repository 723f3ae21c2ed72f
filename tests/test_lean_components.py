"""Our registered DIET, ResponseSelector and count-vectors components (bot/nlu/classifiers.py,
prediction_models.py, count_vectors.py) against Rasa's own methods on the repository's model:
the same labels, rankings, confidences and feature matrices; and Rasa's methods whenever the
installed Rasa is not the one they were written against."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
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

HELD_OUT = [e.text for e in load_examples(DATA / "nlu_heldout.yml")]


def everything_rasas(name: str) -> bool:
    """`fixes.fits` as if every method our components override had changed in Rasa."""
    return name not in fixes.OVERRIDES_BY_NAME


@dataclass
class Loaded:
    agent: Agent
    fits_on_load: int  # Rasa's loader fits each model on one example; ours fits none


def load(patch: pytest.MonkeyPatch) -> Loaded:
    fitted = counting(patch, RasaModel, "fit")
    return Loaded(Agent.load(str(trained_model())), len(fitted))


@pytest.fixture(scope="module")
def ours() -> Loaded:
    """The model as every process loads it: our components as written."""
    with pytest.MonkeyPatch.context() as patch:
        return load(patch)


@pytest.fixture(scope="module")
def rasas() -> Loaded:
    """The same model with Rasa's own methods throughout (its loader, TensorFlow's predictions,
    sklearn's counts): what ours must predict exactly as."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fixes, "fits", everything_rasas)
        return load(patch)


def parses(loaded: Loaded, texts: list[str]) -> list[dict[str, Any]]:
    return [asyncio.run(loaded.agent.parse_message(text)) for text in texts]


def rasas_parses(rasas: Loaded, texts: list[str]) -> list[dict[str, Any]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fixes, "fits", everything_rasas)
        return parses(rasas, texts)


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


def counting(patch: pytest.MonkeyPatch, owner: Any, name: str) -> list[bool]:
    """Replaces owner.name by a wrapper that records whether each call returned something."""
    original: Callable[..., Any] = getattr(owner, name)
    calls: list[bool] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        out = original(*args, **kwargs)
        calls.append(out is not None)
        return out

    patch.setattr(owner, name, counted)
    return calls


def rasas_predict(patch: pytest.MonkeyPatch) -> None:
    """Every DIET and selector prediction through Rasa's TensorFlow path."""
    patch.setattr(NumpyPrediction, "numpy_model", lambda self: None)


@pytest.mark.model
def test_the_model_is_trained_with_our_components(ours: Loaded) -> None:
    kinds = [type(c) for c in components(ours.agent)]
    assert kinds.count(LeanDIETClassifier) == 1
    assert kinds.count(IntentGatedResponseSelector) == 2
    assert kinds.count(LeanCountVectorsFeaturizer) == 2
    for component in components(ours.agent):
        if isinstance(component, DIETClassifier):
            assert isinstance(component, NumpyPrediction)
            assert isinstance(component.model, PredictionModel)
            assert component.numpy_model() is not None  # built as it loaded


@pytest.mark.model
def test_models_loaded_for_prediction_predict_as_rasas_do(
    ours: Loaded, rasas: Loaded, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = HELD_OUT[::4]
    expected = rasas_parses(rasas, texts)
    rasas_predict(monkeypatch)
    assert len(texts) > 100
    assert_same_predictions(texts, parses(ours, texts), expected)
    assert ours.fits_on_load == 0  # loaded without training a step
    assert rasas.fits_on_load == 3  # DIET and the two selectors, by Rasa's loader


@pytest.mark.model
def test_predictions_called_directly_are_rasas(
    ours: Loaded, rasas: Loaded, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = HELD_OUT[1::4]
    expected = rasas_parses(rasas, texts)
    rasas_predict(monkeypatch)
    direct = counting(monkeypatch, prediction_models._Graph, "__call__")
    got = parses(ours, texts)

    assert len(texts) > 100 and len(direct) >= len(texts) and all(direct)
    assert_same_predictions(texts, got, expected)


@pytest.mark.model
def test_numpy_predictions_are_rasas(
    ours: Loaded, rasas: Loaded, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = HELD_OUT[2::4]
    expected = rasas_parses(rasas, texts)
    computed = counting(monkeypatch, TextModel, "__call__")
    got = parses(ours, texts)

    # DIET on every text, a response selector on most; every one of them NumPy's.
    assert len(texts) > 100 and len(computed) >= len(texts) and all(computed)
    assert_same_predictions(texts, got, expected)


@pytest.mark.model
def test_numpy_predictions_leave_other_inputs_to_rasa(ours: Loaded) -> None:
    diet = next(c for c in components(ours.agent) if type(c) is LeanDIETClassifier)
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
def test_count_vectors_are_rasas(ours: Loaded, monkeypatch: pytest.MonkeyPatch) -> None:
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
    parses(ours, texts)
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
def test_another_rasa_gets_rasas_own_methods(
    ours: Loaded, rasas: Loaded, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = HELD_OUT[3::8]
    expected = parses(ours, texts)
    used = {
        "numpy": counting(monkeypatch, TextModel, "__call__"),
        "direct": counting(monkeypatch, prediction_models._Graph, "__call__"),
        "counts": counting(monkeypatch, count_vectors, "counts"),
    }
    got = rasas_parses(rasas, texts)  # loaded and parsing as if Rasa's methods had changed

    assert used == {"numpy": [], "direct": [], "counts": []}
    assert rasas.fits_on_load == 3  # Rasa's loader, not ours
    assert_same_predictions(texts, got, expected)


def test_the_components_are_registered_with_rasa() -> None:
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe

    registered = DefaultV1Recipe._registered_components
    for component in (LeanDIETClassifier, LeanResponseSelector, LeanCountVectorsFeaturizer):
        assert registered[component.__name__].clazz is component
