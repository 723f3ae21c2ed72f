"""Telling English from Spanish in a visitor's message, and keeping the language when a
message is too short to tell (no model)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.language import LanguageDetector, detect


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("cuanto dura el botox para la rosacea", "es"),
        ("¿Cuántas unidades usan?", "es"),
        ("hola, tengo la cara roja todo el tiempo, q puedo hacer", "es"),
        ("me duele mucho despues de la inyeccion", "es"),
        ("how long does botox for rosacea last", "en"),
        ("what causes it and what should I avoid", "en"),
        ("can i book an appointment for el botox next week", "en"),
        ("ok", None),
        ("si", "es"),
        ("sí", "es"),  # the accent tells
        ("503 555 1234", None),
        ("Ana Lopez", None),
        ("botox rosacea", None),
    ],
)
def test_a_message_is_english_spanish_or_too_short_to_tell(text: str, language: str | None) -> None:
    assert detect(text) == language


def test_the_detector_adds_a_language_entity_only_when_clear() -> None:
    detector = LanguageDetector({})
    spanish, short, shortcut = (
        Message({"text": t}) for t in ("que causa la rosacea", "ok", "/greet")
    )
    detector.process([spanish, short, shortcut])
    [entity] = spanish.get("entities")
    assert (entity["entity"], entity["value"]) == ("language", "es")
    assert not short.get("entities")
    assert not shortcut.get("entities")


def _example(text: str, intent: str) -> Message:
    return Message({"text": text, "intent": intent})


def test_words_only_spanish_examples_use_tell_a_short_message() -> None:
    from rasa.shared.nlu.training_data.training_data import TrainingData

    detector = LanguageDetector({})
    detector.train(
        TrainingData(
            [
                _example("usan anestesia antes de la inyeccion?", "faq"),
                _example("que anestesia usan en la cara", "faq"),
                _example("do you use numbing before the injection", "faq"),
                _example("como reservo una cita con la enfermera Lucia", "faq"),
                _example("que tacos recomiendan cerca de la clinica", "out_of_scope"),
                _example("mi nombre es Ana y mi correo es ana@example.com", "inform"),
                _example("me llamo Ana, quiero una cita", "inform"),
            ]
        )
    )
    assert detect("usan anestesia?") is None  # the common words alone cannot tell
    assert detector.language("usan anestesia?") == "es"
    # An English cue word, a name, a word English speakers share, a form's value: no call.
    assert detector.language("anestesia? do you") is None
    assert detector.language("Lucia") is None
    assert detector.language("tacos") is None
    assert detector.language("Ana") is None
    # What the common words decide stands.
    assert detector.language("how long does it last") == "en"
    message = Message({"text": "usan anestesia?"})
    detector.process([message])
    assert [e["value"] for e in message.get("entities")] == ["es"]


def test_an_untrained_detector_uses_the_common_words_alone() -> None:
    assert LanguageDetector({}).language("usan anestesia?") is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Spanish function words among English ones: a Spanish speaker's Spanglish.
        ("how many units pa la rosacea?", "es"),
        ("can I make an appointment? o sea como hago cita", "es"),
        ("how many units? perdon, cuantas unidades me pondrian", "es"),
        # English with a Spanish word or two stays English.
        ("gracias, how long does it last", "en"),
        ("does it hurt, la verdad?", "en"),
        ("how long does the botox last in la cara", "en"),
        # A name with Spanish particles is a name, in no language of its own.
        ("my name is Juan de la Rosa", None),
    ],
)
def test_spanglish_gets_spanish(text: str, language: str | None) -> None:
    assert LanguageDetector({}).language(text) == language
