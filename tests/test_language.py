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
