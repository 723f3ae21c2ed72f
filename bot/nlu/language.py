"""The `language` entity, from bot.language's per-message detection, for Rasa's pipeline."""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language import ENGLISH, LANGUAGE_KEY, SPANISH, detect
from bot.nlu.stateless import StatelessComponent

__all__ = ["ENGLISH", "SPANISH", "LanguageDetector", "detect"]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageDetector(StatelessComponent):
    """Adds a `language` entity when the message's language is clear; the `language` slot is
    filled from it, and the responses' Spanish variations are chosen by that slot."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = str(message.get(TEXT) or "")
            language = detect(text) if not text.startswith("/") else None
            if language is None:
                continue
            entity = {
                "entity": LANGUAGE_KEY,
                "value": language,
                "start": 0,
                "end": len(text),
                "extractor": type(self).__name__,
            }
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
        return messages
