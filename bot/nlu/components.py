"""Guards that run after Rasa's classifiers and can overrule them.

- `RetrievalConfidenceGuard`: Rasa's FallbackClassifier only looks at the intent classifier, so a
  confident `faq` intent with a shaky ResponseSelector answer would still be answered
  (RasaHQ/rasa #9751, #9723). This guard sends such messages to `nlu_fallback` instead.
- `EmergencyRouter`: red-flag symptoms go to the `emergency` intent whatever the classifiers
  said, either because the deterministic patterns fired or because the classifier gave
  `emergency` more than a small share of its confidence.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import red_flags

RESPONSE_SELECTOR_KEY = "response_selector"
RED_FLAGS_KEY = "red_flags"
EMERGENCY_INTENT = "emergency"


def _override_intent(message: Message, name: str, confidence: float) -> None:
    prediction = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
    message.data[INTENT] = prediction
    ranking = [
        r for r in message.data.get(INTENT_RANKING_KEY, []) if r.get(INTENT_NAME_KEY) != name
    ]
    message.data[INTENT_RANKING_KEY] = [dict(prediction), *ranking]


def _intent_name(message: Message) -> str | None:
    return (message.data.get(INTENT) or {}).get(INTENT_NAME_KEY)


class _Guard(GraphComponent):
    """A stateless post-classifier component configured only by its config."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.component_config = config

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> _Guard:
        return cls(config)

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RetrievalConfidenceGuard(_Guard):
    """Falls back when the ResponseSelector is unsure which answer fits."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # threshold: minimum ResponseSelector confidence for the chosen answer;
        # ambiguity_threshold: minimum lead of the chosen answer over the runner-up.
        return {"retrieval_intents": ["faq"], "threshold": 0.5, "ambiguity_threshold": 0.0}

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = _intent_name(message)
            if (
                intent is not None
                and intent in self.component_config["retrieval_intents"]
                and self._unsure(message, intent)
            ):
                _override_intent(
                    message, DEFAULT_NLU_FALLBACK_INTENT_NAME, self.component_config["threshold"]
                )
        return messages

    def _unsure(self, message: Message, retrieval_intent: str) -> bool:
        selectors = message.get(RESPONSE_SELECTOR_KEY) or {}
        selector = selectors.get(retrieval_intent) or selectors.get("default")
        if not selector:
            return True
        ranking = selector.get("ranking") or []
        confidence = selector.get("response", {}).get(PREDICTED_CONFIDENCE_KEY, 0.0)
        runner_up = ranking[1].get(PREDICTED_CONFIDENCE_KEY, 0.0) if len(ranking) > 1 else 0.0
        return bool(
            confidence < self.component_config["threshold"]
            or confidence - runner_up < self.component_config["ambiguity_threshold"]
        )


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EmergencyRouter(_Guard):
    """Routes red-flag messages to the emergency intent; runs last so nothing overrules it."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # classifier_share: route when the classifier gives `emergency` at least this confidence,
        # even if another intent ranked first.
        return {"classifier_share": 0.25}

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            found = red_flags.detect(message.get(TEXT) or "")
            message.set(RED_FLAGS_KEY, list(found.symptoms), add_to_output=True)
            if found:
                _override_intent(message, EMERGENCY_INTENT, 1.0)
                continue
            share = max(
                (
                    r.get(PREDICTED_CONFIDENCE_KEY, 0.0)
                    for r in message.data.get(INTENT_RANKING_KEY, [])
                    if r.get(INTENT_NAME_KEY) == EMERGENCY_INTENT
                ),
                default=0.0,
            )
            if share >= self.component_config["classifier_share"]:
                _override_intent(message, EMERGENCY_INTENT, share)
        return messages
