"""Intent and response predictions computed in NumPy from the trained weights, for the model
shapes our pipeline trains (used by the classifiers in bot/nlu/classifiers.py).

For each message DIET and a ResponseSelector first packed its features into Rasa's batch format
(padding, masks, ~20 arrays) and handed them to TensorFlow, which converted each one to a
tensor before running a graph of a few small matrix products. Doing those products here
instead takes one parse from 6.3 ms to 2.5 ms (bench/results/parse_time.json). Without
transformer layers or entity recognition, the text side of both models is

    tokens' and sentence's sparse features -> dense layer each -> hidden layers (gelu)
    -> the sentence's vector -> embedding -> similarity to each label's embedding -> softmax

and here that is computed directly from the message's features with the model's own weights.
The label embeddings are the ones Rasa computed for the model. Any other shape (transformer
layers, entities, dense features, diagnostic output) goes through Rasa's path.
tests/test_lean_components.py checks that both paths give the same labels and rankings, and
confidences within 1e-6, on the held-out questions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf
from rasa.nlu.classifiers.diet_classifier import DIET
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.constants import (
    COSINE,
    ENTITY_RECOGNITION,
    INNER,
    INTENT_CLASSIFICATION,
    SOFTMAX,
)
from rasa.utils.tensorflow.models import RasaModel
from scipy.special import erf

_SQRT_HALF = np.float32(np.sqrt(0.5))
_SPARSE_LAYERS = {"sparse_to_dense", "sparse_dropout", "dense_dropout"}  # dropouts: training only


def _gelu(x: np.ndarray) -> np.ndarray:
    # tf.nn.gelu's exact form (approximate=False), as Rasa's hidden layers use it.
    return np.float32(0.5) * x * (np.float32(1.0) + erf(x * _SQRT_HALF).astype(np.float32))


def _weights(layer: Any) -> tuple[np.ndarray, np.ndarray | None]:
    kernel = layer.kernel.numpy()
    mask = getattr(layer, "kernel_mask", None)
    if mask is not None:
        kernel = kernel * mask.numpy()
    bias = layer.bias.numpy() if layer.use_bias else None
    return kernel, bias


def _sparse_only(combining: Any) -> bool:
    """Whether a `ConcatenateSparseDenseFeatures` is just a linear layer over sparse input."""
    layers = set(combining._tf_layers)
    if "sparse_to_dense" not in layers or not layers <= _SPARSE_LAYERS:
        return False
    activation = combining._tf_layers["sparse_to_dense"].activation
    return activation is None or activation is tf.keras.activations.linear


class TextModel:
    """DIET's (or a ResponseSelector's DIET2BOW) prediction for one message, in NumPy."""

    def __init__(self, model: RasaModel) -> None:
        sequence_layer = model._tf_layers["sequence_layer.text"]
        combining = sequence_layer._tf_layers["feature_combining"]
        self.sentence = _weights(
            combining._tf_layers["sparse_dense.sentence"]._tf_layers["sparse_to_dense"]
        )
        self.hidden = [
            _weights(layer)
            for layer in sequence_layer._tf_layers["ffnn"]._ffn_layers
            if hasattr(layer, "kernel")
        ]
        self.embed = _weights(model._tf_layers["embed.text"]._dense)
        loss = model._tf_layers["loss.label"]
        self.cosine = loss.similarity_type == COSINE
        labels = model.all_labels_embed.numpy()
        self.labels = (
            labels / np.linalg.norm(labels, axis=-1, keepdims=True) if self.cosine else labels
        )

    @staticmethod
    def supports(model: RasaModel) -> bool:
        sequence_layer = model._tf_layers.get("sequence_layer.text")
        if sequence_layer is None or sequence_layer._has_transformer:
            return False
        combining = sequence_layer._tf_layers["feature_combining"]
        loss = model._tf_layers.get("loss.label")
        return (
            type(model).batch_predict is DIET.batch_predict
            and model.config.get(INTENT_CLASSIFICATION)
            and not model.config.get(ENTITY_RECOGNITION)
            and model.all_labels_embed is not None
            and set(combining._tf_layers) == {"sparse_dense.sequence", "sparse_dense.sentence"}
            and loss is not None
            and loss.similarity_type in (INNER, COSINE)
            and loss.model_confidence == SOFTMAX
            and all(_sparse_only(layer) for layer in combining._tf_layers.values())
        )

    def __call__(self, message: Message, featurizers: list[str]) -> dict[str, Any] | None:
        dense = message._filter_dense_features(TEXT, featurizers)
        sequence, sentence = message._filter_sparse_features(TEXT, featurizers)
        if any(dense) or not sequence or not sentence:
            return None
        if sequence[0].features.shape[0] == 0:
            return None
        # The sentence's features follow the tokens'; DIET classifies from that last position,
        # and without a transformer no position sees another, so only that row is computed.
        vector = _sentence_row(sentence, *self.sentence)
        if vector is None:
            return None
        for kernel, bias in self.hidden:
            vector = _gelu(_affine(vector, kernel, bias))
        embedded = _affine(vector, *self.embed)
        if self.cosine:
            embedded = embedded / np.linalg.norm(embedded)
        similarities = self.labels @ embedded
        scores = np.exp(similarities - similarities.max())
        return {"i_scores": (scores / scores.sum())[np.newaxis, :].astype(np.float32)}


def _sentence_row(
    features: list[Any], kernel: np.ndarray, bias: np.ndarray | None
) -> np.ndarray | None:
    """The dense layer applied to the featurizers' sentence features side by side (the order
    Rasa combines them in), without building the combined matrix."""
    row = np.zeros(kernel.shape[1], dtype=np.float32)
    offset = 0
    for each in features:
        matrix = each.features.tocoo()
        if matrix.shape[0] != 1:
            return None
        row += matrix.data.astype(np.float32) @ kernel[offset + matrix.col]
        offset += matrix.shape[1]
    if offset != kernel.shape[0]:
        return None
    return row + bias if bias is not None else row


def _affine(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    out = x @ kernel
    return out + bias if bias is not None else out
