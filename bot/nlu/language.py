"""The `language` entity, from bot.language's per-message detection, for Rasa's pipeline.

bot.language counts common words of each language and leaves short messages undecided ("usan
anestesia", "aceptan aseguranza"), so a Spanish visitor's first short question got an English
answer. Here the training data adds the words only its Spanish examples use: where the common
words cannot tell, one of those and no English cue word makes the message Spanish.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language import (
    ENGLISH,
    ENGLISH_WORDS,
    LANGUAGE_KEY,
    SPANISH,
    cue_counts,
    detect,
    is_spanglish,
)

__all__ = ["ENGLISH", "SPANISH", "LanguageDetector", "detect"]

FILE = "spanish_words.json"
_WORD = re.compile(r"[^\W\d_]+")


_PARTICLES = {"de", "del", "la", "las", "los", "y", "da", "di", "van", "von"}


def _without_names(text: str) -> str:
    """The text without names: a capitalised word inside it, and the particles in front of one
    ("my name is Juan de la Rosa" is English with a name, not Spanglish)."""
    tokens = text.split()
    kept = []
    for i, token in enumerate(tokens):
        ahead = tokens[i + 1 :]
        named = next((t for t in ahead if t.lower() not in _PARTICLES), "")
        if i and token[:1].isupper():
            continue
        if token.lower() in _PARTICLES and named[:1].isupper():
            continue
        kept.append(token)
    return " ".join(kept)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class LanguageDetector(GraphComponent):
    """Adds a `language` entity when the message's language is clear; the `language` slot is
    filled from it, and the responses' Spanish variations are chosen by that slot."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # A word is Spanish-only when at least this many Spanish examples use it and no
            # other example does.
            "min_examples": 2,
            "min_length": 3,
            # The handoff form's values are names and contacts, in any language.
            "skip_intents": ["inform"],
            # Spanish words English speakers use too ("best tacos in portland").
            "shared_words": [
                "taco", "tacos", "salsa", "tequila", "burrito", "burritos", "nachos", "fiesta",
                "siesta", "amigo", "amigos", "plaza", "patio", "loco", "mesa", "pinata",
                "chile", "chili", "margarita", "margaritas", "mariachi", "cafe", "latte",
            ],
        }  # fmt: skip

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage | None = None,
        resource: Resource | None = None,
        spanish_words: frozenset[str] = frozenset(),
    ) -> None:
        self.component_config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self.spanish_words = spanish_words

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageDetector:
        try:
            with model_storage.read_from(resource) as directory:
                words = frozenset(json.loads((directory / FILE).read_text(encoding="utf-8")))
        except ValueError:  # not trained: the common words alone
            words = frozenset()
        return cls(config, model_storage, resource, words)

    def train(self, training_data: TrainingData) -> Resource:
        config = self.component_config
        spanish: Counter[str] = Counter()
        other: set[str] = set()
        for example in training_data.training_examples:
            text = str(example.get(TEXT) or "")
            if not text or example.get(INTENT) in config["skip_intents"]:
                continue
            words = _WORD.findall(text)
            # A capital inside the text is a name ("me llamo Ana"), in no language of its own.
            lowered = {w.lower() for i, w in enumerate(words) if i == 0 or not w[0].isupper()}
            other.update(w.lower() for w in words[1:] if w[0].isupper())
            # Short examples no cue word decides ("numero?") teach nothing either way.
            language = detect(text)
            if language == SPANISH:
                spanish.update(lowered)
            elif language == ENGLISH:
                other.update(lowered)
        shared = {str(w) for w in config["shared_words"]}
        self.spanish_words = frozenset(
            word
            for word, count in spanish.items()
            if count >= config["min_examples"]
            and len(word) >= config["min_length"]
            and word not in other
            and word not in shared
            and word not in ENGLISH_WORDS
        )
        if self._storage is not None and self._resource is not None:
            with self._storage.write_to(self._resource) as directory:
                payload = json.dumps(sorted(self.spanish_words), ensure_ascii=False)
                (directory / FILE).write_text(payload, encoding="utf-8")
        return self._resource or Resource("language")

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def language(self, text: str) -> str | None:
        """bot.language's answer; for a mixed message, Spanish when it reads as Spanglish
        (counting the Spanish-only words learned), and for one with no English cue, Spanish
        for a Spanish-only word."""
        found = detect(text)
        if found is not None:
            return found
        spanish, english = cue_counts(text, self.spanish_words)
        if english and is_spanglish(*cue_counts(_without_names(text), self.spanish_words)):
            return SPANISH
        return SPANISH if spanish and not english and self.spanish_words else None

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = str(message.get(TEXT) or "")
            language = self.language(text) if not text.startswith("/") else None
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
