"""Rasa's TensorFlow models loaded for prediction only, and their prediction graph called directly.

`for_prediction(DIET)` is DIET with two of its methods replaced; our classifiers
(bot/nlu/classifiers.py) train and load their models through it.

- **Loading.** Rasa 3.6 builds a model before loading its weights by compiling it with an Adam
  optimizer and fitting it on one example. That leaves the optimizer's two slots per weight and
  the traced training step in memory for the life of the server: with our three models (DIET
  and two ResponseSelectors, each with two 30,793 x 128 sparse-input kernels) about 420 MB of a
  1.2 GB server (bench/results/latency.json). Here the prediction step builds the weights
  instead; the checkpoint's optimizer entries are left unread. Fine-tuning still goes through
  Rasa's loader.
- **Predicting.** Rasa runs each prediction through a `tf.function`, which for every call binds
  and checks its ~20 inputs against the signature and looks the traced graph up again before
  running it; under load that took more time than running the graph itself (bench/profile.py).
  The signature is fixed at the first call, so there is only ever one graph: here it is taken
  once, and later calls convert the inputs to the signature's types and run it. Anything
  unexpected (eager mode, a different number of inputs) goes through Rasa's call.

Training is Rasa's, and so are both when the installed Rasa's methods are not the ones this was
written against (bot/rasa_server/fixes.py). tests/test_lean_components.py compares both with
Rasa's on the held-out set.
"""

from __future__ import annotations

import functools
from typing import Any

import tensorflow as tf
from keras.utils import tf_utils
from rasa.shared.constants import DIAGNOSTIC_DATA
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

from bot.rasa_server import fixes

FIX = "prediction_models"  # Rasa's methods replaced here, recorded in fixes.OVERRIDES


class _Graph:
    """The model's one traced prediction graph, called without `tf.function`'s dispatch."""

    def __init__(self, model: RasaModel) -> None:
        self.function = model._tf_predict_step.get_concrete_function()
        args, _ = self.function.structured_input_signature
        self.specs = tf.nest.flatten(args)

    def __call__(self, batch_in: Any) -> Any:
        flat = tf.nest.flatten(batch_in)
        if len(flat) != len(self.specs):
            return None
        tensors = [tf.convert_to_tensor(x, s.dtype) for x, s in zip(flat, self.specs, strict=True)]
        return self.function._call_flat(tensors, self.function.captured_inputs)


class PredictionModel(RasaModel):
    """Mixed in before one of Rasa's model classes by `for_prediction`."""

    _direct_graph: _Graph | None = None

    @classmethod
    def load(
        cls,
        model_file_name: str,
        model_data_example: RasaModelData,
        predict_data_example: RasaModelData | None = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> RasaModel:
        if finetune_mode or predict_data_example is None or not fixes.fits(FIX):
            return super().load(
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
        # Label embeddings were precomputed from the random weights: compute them again, and
        # trace the prediction graph once, now, rather than on a visitor's first message.
        model.prepared_for_prediction = False
        model.run_inference(predict_data_example)
        return model

    def _rasa_predict(self, batch_in: Any) -> dict[str, Any]:
        graph = self._direct_graph if fixes.fits(FIX) else None
        ready = graph is not None and self.prepared_for_prediction and not self._run_eagerly
        outputs = graph(batch_in) if ready else None  # type: ignore[misc]
        if outputs is None:
            result: dict[str, Any] = super()._rasa_predict(batch_in)
            traced = self._tf_predict_step is not None and not self._run_eagerly
            if graph is None and traced and fixes.fits(FIX):
                self._direct_graph = _Graph(self)  # Rasa's call has traced the one graph by now
            return result
        result = tf_utils.sync_to_numpy_or_python_type(outputs)
        if DIAGNOSTIC_DATA in result:
            result[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(result[DIAGNOSTIC_DATA])
        return result


@functools.cache
def for_prediction(model_class: type[RasaModel]) -> type[RasaModel]:
    """`model_class` loading and predicting as above (one class per model class)."""
    return type(f"Lean{model_class.__name__}", (PredictionModel, model_class), {})
