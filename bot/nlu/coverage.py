"""Whether the last answer covers the thing a follow-up names: "and coffee?" after the triggers.

A follow-up that names only a thing ("and wine?", "what about the bumps?", "in men too?") asks
the last question about it. Giving the last answer again is right when that answer speaks of
the thing (the bumps are in the results, wine is alcohol, which the triggers name) and a
confident wrong answer when it does not (coffee, hot showers, men): then the article does not
say, and staff should. The answers' own words, in both languages, decide; the triggers' two
kinds of examples, spicy foods and alcohol, are spelled out below, because a visitor names a
drink or a dish, not the category, and so are the everyday names of the bumps and the needle
("and the pimples?" after the results, whose answer says papules and pustules).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.understanding import ROLE_KEY, UNCOVERED_KEY

FILE = "answer_words.json"
FAQ_RESPONSE = "utter_faq/"

# What an answer speaks of besides its own words: the triggers' examples (drinks with alcohol,
# spicy dishes), and the everyday names of what the results and the pain answers name.
KINDS = {
    "faq/triggers": (
        "wine vino beer cerveza chela cheve booze liquor licor tequila mezcal vodka whiskey "
        "whisky bourbon rum ron gin sake soju champagne prosecco cocktail cocktails margarita "
        "margaritas mimosa sangria cider drink drinks drinking trago tragos copa copas alcohol "
        "alcoholic hangover "
        "spicy spice spices sauce salsa picante picoso picosa chile chili chilli jalapeno "
        "habanero sriracha curry wasabi pepper peppers pimienta takis cheetos buffalo wings pozole "
        "enchilada enchiladas mole"
    ),
    # The bumps (papules and pustules) and the redness, as visitors name them.
    "faq/results": (
        "pimple pimples zit zits acne breakout breakouts whitehead whiteheads spots pustule "
        "granos barros espinillas red rojo roja colorada flush flushes blushing rubor"
    ),
    # The needle and the numbing, as visitors name them.
    "faq/pain": (
        "shot shots injection injections jab jabs poke pokes prick pinchazo piquete piquetes "
        "numb numbing anesthetic anesthesia anestesia cream crema"
    ),
}
# Filler around the thing: openers, articles, prepositions and "too".
_AROUND = {
    "and", "or", "but", "so", "plus", "about", "even", "the", "a", "an", "for",
    "in", "with", "on", "of", "too", "also", "tho", "though", "as", "well", "then",
    "specifically", "y", "o", "pero", "el", "la", "los", "las", "un", "una",
    "unos", "unas", "con", "en", "de", "del", "para", "pa", "tambien", "entonces", "igual",
    "ok", "okay", "oh", "wait", "hmm", "really", "again", "like",
}  # fmt: skip
# Words that make the follow-up a question of its own, not a thing named; a number or a count
# restates the answer's own quantities ("so like 4 times a year?" after three months).
_ASKS = re.compile(
    r"\d|\b(?:once|twice|times|veces|one|two|three|four|five|six|ten|twelve|dos|tres|cuatro|"
    r"what|aunque|if|im|ive|id|si|is|are|do|does|did|can|could|will|would|should|was|were|it|they|them|that|this|"
    r"those|these|i|me|my|you|es|son|puedo|puede|se|eso|esto|esos|esas|lo|le|les|mi|"
    r"how|why|when|where|who|which|cuanto|cuanta|cuantos|como|donde|cuando|por|qu[eé]?\w*)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z]+")
MAX_THING_WORDS = 3


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _stem(word: str) -> str:
    """Singular enough to match: "needles" and "needle", "granitos" and "granito"."""
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


# Openers of a thing named; a Spanish one names it with its article ("y el vino?"), as a bare
# word after "y" is mostly a verb ("y funcionan bien?").
_OPENER = re.compile(
    r"^(?:(?:ok|okay|oh|wait)\W+)?(?:what about|how about|and|or|but|so|plus|even)\b"
)
_SPANISH_OPENER = re.compile(
    r"^(?:(?:ok|bueno|oye)\W+)?(?:y que tal|que tal|y|o|pero)\s+(?!(?:el|la|los|las|un|una|"
    r"con|en|para|pa|del|de)\b)"
)


def named_thing(text: str) -> list[str] | None:
    """The words of the thing a follow-up names, or None when it asks a question of its own
    ("and does it hurt?", "what year?") or names nothing."""
    plain = _plain(text).strip()
    if _SPANISH_OPENER.match(plain):
        return None
    core = _OPENER.sub("", plain, count=1).strip()
    core = re.sub(r"^(?:y que tal|que tal)\b", "", core).strip()
    rest = [w for w in _WORD.findall(core) if w not in _AROUND]
    if not rest or len(rest) > MAX_THING_WORDS or _ASKS.search(core):
        return None
    return rest


def vocabulary(answers: Iterable[str]) -> set[str]:
    """The stems an answer's texts use."""
    return {_stem(w) for w in _WORD.findall(_plain(" ".join(answers)))}


def with_kinds(known: set[str], key: str) -> set[str]:
    """An answer's stems and what its examples stand for (`KINDS`): read when the model loads,
    so that a name added here counts without training again."""
    return known | vocabulary([KINDS.get(key, "")])


def covers(words: Iterable[str], known: set[str]) -> bool:
    return any(_stem(w) in known for w in words)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class AnswerCoverage(GraphComponent):
    """Learns each FAQ answer's words from the responses and marks a follow-up whose named
    thing the last answer does not speak of (`UNCOVERED_KEY`), for the merger."""

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage | None = None,
        resource: Resource | None = None,
        known: dict[str, set[str]] | None = None,
    ) -> None:
        self.component_config = config
        self._storage = model_storage
        self._resource = resource
        self.known = {key: with_kinds(words, key) for key, words in (known or {}).items()}

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> AnswerCoverage:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> AnswerCoverage:
        try:
            with model_storage.read_from(resource) as directory:
                raw = json.loads((directory / FILE).read_text(encoding="utf-8"))
        except ValueError:  # not trained: no answer known, nothing marked
            raw = {}
        return cls(config, model_storage, resource, {k: set(v) for k, v in raw.items()})

    def train(self, training_data: TrainingData) -> Resource:
        learnt = {
            name.removeprefix("utter_"): vocabulary(str(v.get("text") or "") for v in variations)
            for name, variations in training_data.responses.items()
            if name.startswith(FAQ_RESPONSE)
        }
        self.known = {key: with_kinds(words, key) for key, words in learnt.items()}
        if self._storage is not None and self._resource is not None:
            with self._storage.write_to(self._resource) as directory:
                payload = {k: sorted(v) for k, v in learnt.items()}
                (directory / FILE).write_text(json.dumps(payload), encoding="utf-8")
        return self._resource or Resource("coverage")

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            role = message.get(ROLE_KEY)
            if not role or role[0] != "context" or role[2] not in self.known:
                continue
            visitor = role[1]
            thing = named_thing(str(visitor.get(TEXT) or ""))
            if thing is not None and not covers(thing, self.known[role[2]]):
                visitor.set(UNCOVERED_KEY, role[2])
        return messages
