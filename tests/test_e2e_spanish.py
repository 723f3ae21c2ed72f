"""A Spanish-speaking visitor over Rasa's REST channel, with the real Rasa and action servers:
answers, the emergency message and the whole handoff in Spanish, stored as they wrote it."""

from __future__ import annotations

import uuid

import pytest

from bot.handoffs.store import HandoffStore
from bot.handoffs.transcript import visitor_language
from bot.language import detect
from testkit.servers import Stack, texts

pytestmark = [pytest.mark.model, pytest.mark.servers]


def _visitor() -> str:
    return f"e2e-es-{uuid.uuid4().hex[:12]}"


def spanish(reply: str) -> bool:
    return detect(reply) == "es"


def test_a_spanish_question_gets_the_articles_fact_in_spanish(stack: Stack) -> None:
    reply = texts(stack.say(_visitor(), "cuantos meses me dura el efecto del botox?"))
    assert "tres meses" in reply and spanish(reply)


def test_a_spanish_emergency_gets_911_in_spanish(stack: Stack) -> None:
    replies = stack.say(_visitor(), "me inyectaron ayer y ahora no puedo tragar bien")
    assert "911" in replies[0]["text"] and spanish(replies[0]["text"])


def test_a_spanish_handoff_is_completed_and_stored(stack: Stack) -> None:
    visitor = _visitor()
    offer = texts(stack.say(visitor, "el seguro medico cubre el botox para la rosacea?"))
    assert "24 horas" in offer and spanish(offer)
    # The question is pre-filled, so the form asks for the name; "sí" keeps Spanish going.
    assert texts(stack.say(visitor, "sí")) == (
        "¿Con qué nombre desea que nuestro personal se dirija a usted?"
    )
    contact = texts(stack.say(visitor, "Ana Ruiz"))
    assert "correo electrónico" in contact
    reasked = texts(stack.say(visitor, "ana arroba ejemplo"))
    assert reasked.startswith("Eso no parece un correo electrónico")
    consent = texts(stack.say(visitor, "ana@example.com"))
    assert "ana@example.com" in consent and "no es un canal seguro" in consent
    done = texts(stack.say(visitor, "si"))
    assert "24 horas" in done and "AL-" in done and spanish(done)

    reference = "AL-" + done.split("AL-")[1][:6]
    stored = HandoffStore.from_url(f"sqlite:///{stack.db_path}").get(reference)
    assert stored is not None
    assert (stored.name, stored.contact) == ("Ana Ruiz", "ana@example.com")
    assert stored.question == "el seguro medico cubre el botox para la rosacea?"
    assert visitor_language(stored.question, stored.transcript) == "es"


def test_a_visitor_who_switches_to_english_is_followed(stack: Stack) -> None:
    visitor = _visitor()
    assert spanish(texts(stack.say(visitor, "que es la rosacea?")))
    reply = texts(stack.say(visitor, "how long does the botox last?"))
    assert "three months" in reply
