"""The post-classifier guards, on hand-made classifier outputs (no trained model needed)."""

from typing import Any

from rasa.shared.nlu.training_data.message import Message

from bot.nlu.components import (
    ClinicVocabularyGuard,
    EmergencyRouter,
    IntentGatedResponseSelector,
    RetrievalConfidenceGuard,
)
from bot.nlu.understanding import EMERGENCY_DOUBTED_KEY


def _message(
    text: str,
    intent: str,
    confidence: float,
    ranking: list[tuple[str, float]],
    selector: dict[str, Any] | None = None,
) -> Message:
    data: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
    }
    if selector is not None:
        data["response_selector"] = selector
    return Message(data=data)


def _selector(top: float, runner_up: float) -> dict[str, Any]:
    return {
        "faq": {
            "response": {"confidence": top, "intent_response_key": "faq/dose"},
            "ranking": [
                {"confidence": top, "intent_response_key": "faq/dose"},
                {"confidence": runner_up, "intent_response_key": "faq/duration"},
            ],
        }
    }


GUARD = RetrievalConfidenceGuard(
    {"retrieval_intents": ["faq"], "threshold": 0.5, "ambiguity_threshold": 0.2}
)


def test_a_confident_answer_passes() -> None:
    [message] = GUARD.process(
        [_message("units?", "faq", 0.97, [("faq", 0.97)], _selector(0.9, 0.05))]
    )
    assert message.get("intent")["name"] == "faq"


def test_an_unsure_response_selector_falls_back_despite_a_confident_intent() -> None:
    # The FallbackClassifier would let this through: the intent is 0.97 sure.
    [message] = GUARD.process([_message("hm", "faq", 0.97, [("faq", 0.97)], _selector(0.41, 0.3))])
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get("intent_ranking")[0]["name"] == "nlu_fallback"
    assert message.get("intent_ranking")[1]["name"] == "faq"


def test_an_ambiguous_response_selector_falls_back() -> None:
    [message] = GUARD.process([_message("hm", "faq", 0.97, [("faq", 0.97)], _selector(0.55, 0.45))])
    assert message.get("intent")["name"] == "nlu_fallback"


def test_other_intents_are_left_alone() -> None:
    [message] = GUARD.process([_message("hi", "greet", 0.9, [("greet", 0.9)])])
    assert message.get("intent")["name"] == "greet"


ROUTER = EmergencyRouter({"classifier_share": 0.25})


def test_red_flag_text_routes_to_emergency_whatever_the_classifier_said() -> None:
    message = _message("cant breath after botox", "faq", 0.99, [("faq", 0.99), ("emergency", 0.01)])
    [message] = ROUTER.process([message])
    assert message.get("intent") == {"name": "emergency", "confidence": 1.0}
    assert message.get("red_flags") == ["breathing"]
    assert [r["name"] for r in message.get("intent_ranking")] == ["emergency", "faq"]


def test_a_real_share_of_emergency_confidence_routes_to_emergency() -> None:
    message = _message(
        "something feels very wrong",
        "not_in_article",
        0.6,
        [("not_in_article", 0.6), ("emergency", 0.3)],
    )
    [message] = ROUTER.process([message])
    assert message.get("intent")["name"] == "emergency"


def test_a_share_the_semantic_reading_doubted_is_not_routed() -> None:
    message = _message(
        "i pass out at blood draws, is this gonna hurt",
        "faq",
        0.87,
        [("faq", 0.87), ("emergency", 0.63)],
    )
    message.set(EMERGENCY_DOUBTED_KEY, True)
    [message] = ROUTER.process([message])
    assert message.get("intent")["name"] == "faq"


def test_red_flags_route_even_when_the_semantic_reading_doubted() -> None:
    message = _message("my throat is swelling after botox", "faq", 0.9, [("faq", 0.9)])
    message.set(EMERGENCY_DOUBTED_KEY, True)
    [message] = ROUTER.process([message])
    assert message.get("intent")["name"] == "emergency"


def test_ordinary_questions_are_not_routed() -> None:
    message = _message("how long does it last", "faq", 0.9, [("faq", 0.9), ("emergency", 0.02)])
    [message] = ROUTER.process([message])
    assert message.get("intent")["name"] == "faq"
    assert message.get("red_flags") == []


VOCABULARY = ClinicVocabularyGuard(
    {
        "entities": ["TREATMENT", "CONDITION", "BRAND"],
        "retrieval_intent": "not_in_article",
        "topic": "other",
    }
)


def test_out_of_scope_naming_the_clinics_treatment_gets_the_not_in_article_answer() -> None:
    message = _message("does botox help migraines", "out_of_scope", 0.9, [("out_of_scope", 0.9)])
    message.set("entities", [{"entity": "TREATMENT", "value": "botox"}])
    [message] = VOCABULARY.process([message])
    assert message.get("intent")["name"] == "not_in_article"
    selected = message.get("response_selector")["not_in_article"]["response"]
    assert selected["utter_action"] == "utter_not_in_article/other"


def test_out_of_scope_without_clinic_words_stays_out_of_scope() -> None:
    message = _message(
        "best numbing cream for tattoos", "out_of_scope", 0.9, [("out_of_scope", 0.9)]
    )
    message.set("entities", [{"entity": "ANESTHETIC", "value": "numbing cream"}])
    [message] = VOCABULARY.process([message])
    assert message.get("intent")["name"] == "out_of_scope"


def test_a_gated_selector_skips_messages_of_other_intents() -> None:
    selector = IntentGatedResponseSelector.__new__(IntentGatedResponseSelector)
    selector.retrieval_intent = "faq"
    message = _message("hi", "greet", 0.9, [("greet", 0.9)])
    # No model is loaded: running it on this message would fail.
    assert selector.process([message]) == [message]
    assert message.get("response_selector") is None
