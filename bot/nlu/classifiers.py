"""Rasa's DIET classifier and ResponseSelector, predicting in NumPy from lean-loaded models.

Each trains exactly as Rasa's does. Its model class is Rasa's with the loading and graph call of
bot/nlu/prediction_models.py, and once loaded it predicts with the NumPy forward pass of
bot/nlu/numpy_text_model.py, falling back to Rasa's TensorFlow path for any input or model shape
that pass does not cover, or when the installed Rasa's `_predict` is not the one this was
written against (bot/rasa_server/fixes.py). Named in config.yml, so `rasa test`, `rasa shell`,
the gates and the Rasa server all run the same code.

Predicting without TensorFlow is also what lets the Rasa server fork its workers after loading
(bot/rasa_server/workers/): TensorFlow cannot run in a forked child.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.constants import FEATURIZERS
from rasa.utils.tensorflow.models import RasaModel

from bot.nlu.numpy_text_model import TextModel
from bot.nlu.prediction_models import for_prediction
from bot.rasa_server import fixes


class NumpyPrediction(DIETClassifier):
    """What the two classifiers below share: `_predict` in NumPy where the model allows."""

    # The model the NumPy pass was built for, and the pass (None: that model needs Rasa's path).
    _numpy: tuple[RasaModel, TextModel | None] | None = None

    @classmethod
    def load(cls, *args: Any, **kwargs: Any) -> DIETClassifier:
        component = super().load(*args, **kwargs)
        assert isinstance(component, NumpyPrediction)
        component.numpy_model()  # built now, before the server forks its workers
        return component

    def numpy_model(self) -> TextModel | None:
        """The NumPy pass for the loaded model, once its label embeddings are computed."""
        model = self.model
        if model is None:
            return None
        if self._numpy is None or self._numpy[0] is not model:
            if not model.prepared_for_prediction:
                return None  # Rasa's first prediction computes them
            usable = fixes.fits("numpy_text_model") and TextModel.supports(model)
            self._numpy = (model, TextModel(model) if usable else None)
        return self._numpy[1]

    def _predict(self, message: Message) -> dict[str, Any] | None:
        numpy_model = None
        if not self._execution_context.should_add_diagnostic_data:
            numpy_model = self.numpy_model()
        out = numpy_model(message, self.component_config[FEATURIZERS]) if numpy_model else None
        return out if out is not None else super()._predict(message)


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    ],
    is_trainable=True,
)
class LeanDIETClassifier(NumpyPrediction):
    """Rasa's DIETClassifier, predicting as above."""

    @staticmethod
    def model_class() -> type[RasaModel]:
        return for_prediction(DIET)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LeanResponseSelector(NumpyPrediction, ResponseSelector):
    """Rasa's ResponseSelector, predicting as above."""

    @staticmethod
    def model_class(use_text_as_label: bool) -> type[RasaModel]:
        return for_prediction(ResponseSelector.model_class(use_text_as_label))
