"""Whether the last answer speaks of the thing a follow-up names (bot/nlu/coverage.py)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.coverage import AnswerCoverage, covers, named_thing, vocabulary, with_kinds
from bot.nlu.understanding import ROLE_KEY, UNCOVERED_KEY

TRIGGERS = (
    "Flushing can be brought on by things like spicy foods and alcohol: vasoactive peptides "
    "in the skin make blood vessels dilate temporarily."
)
RESULTS = "Patients had reduced flushing, less redness, smaller pores and fewer bumps."


@pytest.mark.parametrize(
    ("text", "thing"),
    [
        ("and coffee?", ["coffee"]),
        ("what about the bumps?", ["bumps"]),
        ("in men too?", ["men"]),
        ("y el cafe?", ["cafe"]),
        ("ok what about tequila", ["tequila"]),
        # A question of its own, not a thing named.
        ("and does it hurt?", None),
        ("what year?", None),
        ("even if im 60?", None),
        ("y funcionan bien?", None),  # a bare word after "y" is mostly a verb
        ("aunque tenga 65 anos?", None),
        ("so like 4 times a year?", None),  # the answer's quantity restated
        ("and how long does it last once it wears off?", None),
    ],
)
def test_a_follow_up_names_a_thing_or_asks_its_own_question(
    text: str, thing: list[str] | None
) -> None:
    assert named_thing(text) == thing


@pytest.mark.parametrize(
    ("thing", "covered"),
    [
        (["wine"], True),  # alcohol, by example
        (["hot", "sauce"], True),  # a spicy food
        (["coffee"], False),
        (["hot", "showers"], False),
        (["peptides"], True),  # the answer's own word, plural or not
    ],
)
def test_the_triggers_cover_their_examples_and_their_own_words(
    thing: list[str], covered: bool
) -> None:
    assert covers(thing, with_kinds(vocabulary([TRIGGERS]), "faq/triggers")) is covered


def test_only_the_triggers_stand_for_drinks_and_dishes() -> None:
    assert not covers(["wine"], with_kinds(vocabulary([RESULTS]), "faq/results"))
    assert covers(["pore"], with_kinds(vocabulary([RESULTS]), "faq/results"))
    # The bumps as visitors name them.
    assert covers(["pimples"], with_kinds(vocabulary([RESULTS]), "faq/results"))


def _trained() -> AnswerCoverage:
    component = AnswerCoverage({})
    data = TrainingData(
        responses={
            "utter_faq/triggers": [{"text": TRIGGERS}],
            "utter_faq/results": [{"text": RESULTS}],
            "utter_not_in_article/price": [{"text": "Staff will tell you the price."}],
        }
    )
    component.train(data)
    return component


@pytest.mark.parametrize(
    ("text", "previous", "marked"),
    [
        ("and coffee?", "faq/triggers", "faq/triggers"),
        ("and wine?", "faq/triggers", None),
        ("and the pores?", "faq/results", None),
        ("and coffee?", "not_in_article/price", None),  # only FAQ answers are learnt
    ],
)
def test_a_follow_up_is_marked_when_the_last_answer_does_not_speak_of_its_thing(
    text: str, previous: str, marked: str | None
) -> None:
    component = _trained()
    assert set(component.known) == {"faq/triggers", "faq/results"}
    visitor = Message({"text": text})
    role = ("context", visitor, previous)
    context = Message({"text": f"earlier question {text}", ROLE_KEY: role})
    component.process([visitor, context])
    assert visitor.get(UNCOVERED_KEY) == marked
