"""Guards that run after Rasa's classifiers and can overrule them.

- `RetrievalConfidenceGuard`: Rasa's FallbackClassifier only looks at the intent classifier, so a
  confident `faq` intent with a shaky ResponseSelector answer would still be answered
  (RasaHQ/rasa #9751, #9723). This guard sends such messages to `nlu_fallback` instead.
- `ClinicVocabularyGuard`: a message that names the clinic's treatments, conditions or brands
  (entities from our spaCy entity ruler) is never "out of scope": the article just does not
  cover it, so it gets "I don't have that information" and the staff offer.
- `ManipulationGuard`: a message that tries to change the assistant's role (drop its rules,
  write a poem, hand over other people's data, inject markup) gets the out-of-scope reply
  whatever topic the classifiers saw in its words (`bot/nlu/manipulation.py`).
- `EmergencyRouter`: red-flag symptoms go to the `emergency` intent whatever the classifiers
  said, either because the deterministic patterns fired or because the classifier gave
  `emergency` more than a small share of its confidence and the semantic reading did not all
  but rule it out.
- `IntentGatedResponseSelector`: Rasa runs every ResponseSelector on every message; this one
  only runs when the intent classifier chose its retrieval intent, saving a model call a turn.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_TYPE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import manipulation, red_flags
from bot.nlu.classifiers import LeanResponseSelector
from bot.nlu.stateless import StatelessComponent
from bot.nlu.understanding import EMERGENCY_DOUBTED_KEY, answer_with, ranked

RESPONSE_SELECTOR_KEY = "response_selector"
RED_FLAGS_KEY = "red_flags"
OUT_OF_SCOPE_INTENT = "out_of_scope"
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


class _Guard(StatelessComponent):
    """A post-classifier component: it runs after the intent classifiers."""

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
class ManipulationGuard(_Guard):
    """Sends attempts to change the assistant's role to `out_of_scope`, before the emergency
    router (a red flag inside one still reaches 911). The merger may still answer a question
    cut out of the message that is not itself part of the attempt."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # kinds_keeping_staff: attempts that may still carry a real question the article does
        # not answer ("pretend you're my doctor: can I get it while pregnant?"); a reading of
        # such a question keeps its staff offer, which states no fact.
        # kinds_for_staff: attempts answered by a "not in the article" topic and the staff
        # offer instead ("how many units do I inject myself at home?" is for the clinicians).
        return {
            "kinds_keeping_staff": ["override", "persona"],
            "kinds_for_staff": {"self_injection": "personal"},
        }

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if manipulation.KEY in message.data:  # QuestionSplitter read it first
                kind = message.data[manipulation.KEY]
            else:
                kind = manipulation.detect(message.get(TEXT) or "")
            if not kind:
                continue
            message.set(manipulation.KEY, kind, add_to_output=True)
            topic = self.component_config["kinds_for_staff"].get(kind)
            if topic:
                _select(message, "not_in_article", topic)
            elif not (
                kind in self.component_config["kinds_keeping_staff"]
                and _unanswered_topic(message) not in (None, "other")
            ):
                _override_intent(message, OUT_OF_SCOPE_INTENT, 1.0)
        return messages


def _unanswered_topic(message: Message) -> str | None:
    """The topic of a `not_in_article` reading ("price"), or None for any other reading."""
    if _intent_name(message) != "not_in_article":
        return None
    selector = (message.get(RESPONSE_SELECTOR_KEY) or {}).get("not_in_article") or {}
    key = str((selector.get("response") or {}).get("intent_response_key") or "")
    return key.partition("/")[2] or None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EmergencyRouter(_Guard):
    """Routes red-flag messages to the emergency intent; runs last so nothing overrules it."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # classifier_share: route when the classifier gives `emergency` at least this confidence,
        # even if another intent ranked first, unless the semantic reading doubted it
        # (`EMERGENCY_DOUBTED_KEY`, bot/nlu/semantic.py).
        return {"classifier_share": 0.25}

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            found = red_flags.detect(message.get(TEXT) or "")
            message.set(RED_FLAGS_KEY, list(found.symptoms), add_to_output=True)
            if found:
                _override_intent(message, EMERGENCY_INTENT, 1.0)
                continue
            share = ranked(message, EMERGENCY_INTENT)
            doubted = bool(message.get(EMERGENCY_DOUBTED_KEY))
            if share >= self.component_config["classifier_share"] and not doubted:
                _override_intent(message, EMERGENCY_INTENT, share)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ClinicVocabularyGuard(_Guard):
    """Turns `out_of_scope` into the "not in the article" answer when the clinic's words appear."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "entities": ["TREATMENT", "CONDITION", "BRAND"],
            "retrieval_intent": "not_in_article",
            "topic": "other",
        }

    def process(self, messages: list[Message]) -> list[Message]:
        wanted = set(self.component_config["entities"])
        for message in messages:
            if _intent_name(message) != "out_of_scope":
                continue
            if not any(e.get(ENTITY_ATTRIBUTE_TYPE) in wanted for e in message.get(ENTITIES) or []):
                continue
            _select(
                message, self.component_config["retrieval_intent"], self.component_config["topic"]
            )
        return messages


def _select(message: Message, retrieval_intent: str, topic: str) -> None:
    """Classify `message` as one retrieval intent's topic, as its ResponseSelector would."""
    answer_with(message, f"{retrieval_intent}/{topic}", 1.0)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class IntentGatedResponseSelector(LeanResponseSelector):
    """A ResponseSelector (ours, bot/nlu/classifiers.py) that answers only for messages
    classified as its retrieval intent."""

    def process(self, messages: list[Message]) -> list[Message]:
        mine = [m for m in messages if _intent_name(m) == self.retrieval_intent]
        if mine:
            super().process(mine)
        return messages
