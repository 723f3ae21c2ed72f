"""Load Rasa's TensorFlow models for prediction only, without their training state.

Rasa 3.6 builds a model before loading its weights by compiling it with an Adam optimizer and
fitting it on one example. That leaves the optimizer's two slots per weight and the traced
training step in memory for the life of the server: with our three models (DIET and two
ResponseSelectors, each with two 30,793 x 128 sparse-input kernels) about 420 MB of a 1.2 GB
server (bench/results/latency.json). Here the prediction step builds the weights instead; the
checkpoint's optimizer entries are left unread. Predictions are unchanged (tests/test_rasa_server.py
compares both loaders on the held-out set). Fine-tuning still goes through Rasa's loader.
"""

from __future__ import annotations

from typing import Any

from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

RASA_LOAD = RasaModel.__dict__["load"].__func__


def load_for_prediction(
    cls: type[RasaModel],
    model_file_name: str,
    model_data_example: RasaModelData,
    predict_data_example: RasaModelData | None = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> RasaModel:
    if finetune_mode or predict_data_example is None:
        return RASA_LOAD(
            cls,
            model_file_name,
            model_data_example,
            predict_data_example,
            finetune_mode,
            *args,
            **kwargs,
        )
    model = cls(*args, **kwargs)
    # One eager prediction creates the weights without tracing a graph around random values.
    run_eagerly, model._run_eagerly = model._run_eagerly, True
    model.run_inference(predict_data_example)
    model._run_eagerly = run_eagerly
    model.load_weights(model_file_name).expect_partial()
    # Label embeddings were precomputed from the random weights: compute them again, and trace
    # the prediction graph once, now, rather than on a visitor's first message.
    model.prepared_for_prediction = False
    model.run_inference(predict_data_example)
    return model


def install() -> None:
    RasaModel.load = classmethod(load_for_prediction)
