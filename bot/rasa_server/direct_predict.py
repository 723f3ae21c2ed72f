"""Call a model's traced prediction graph directly, without TensorFlow's dispatch on each call.

Rasa 3.6 runs each prediction through a `tf.function`, which for every call binds and checks
its ~20 inputs against the signature and looks the traced graph up again before running it.
That took more of the single-node server's time under load than running the graph itself
(10 % against 9.5 % at 50 back-to-back visitors, by bench/profile.py before this change).
The signature is fixed at the first call, so there is only ever one graph: here it is taken
once, and later calls convert the inputs to the signature's types and run it. The graph, its
inputs and outputs are those of Rasa's call; anything unexpected (eager mode, a different
number of inputs) goes through Rasa's call.
"""

from __future__ import annotations

import weakref
from typing import Any

import tensorflow as tf
from keras.utils import tf_utils
from rasa.shared.constants import DIAGNOSTIC_DATA
from rasa.utils.tensorflow.models import RasaModel

RASA_PREDICT = RasaModel.__dict__["_rasa_predict"]


class _Graph:
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


_graphs: weakref.WeakKeyDictionary[RasaModel, _Graph] = weakref.WeakKeyDictionary()


def rasa_predict(self: RasaModel, batch_in: Any) -> dict[str, Any]:
    graph = _graphs.get(self)
    ready = graph is not None and self.prepared_for_prediction and not self._run_eagerly
    outputs = graph(batch_in) if ready else None  # type: ignore[misc]
    if outputs is None:
        result: dict[str, Any] = RASA_PREDICT(self, batch_in)
        if graph is None and self._tf_predict_step is not None and not self._run_eagerly:
            _graphs[self] = _Graph(self)  # Rasa's call has traced the one graph by now
        return result
    result = tf_utils.sync_to_numpy_or_python_type(outputs)
    if DIAGNOSTIC_DATA in result:
        result[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(result[DIAGNOSTIC_DATA])
    return result


def install() -> None:
    RasaModel._rasa_predict = rasa_predict
