"""The semantic reading (static embedding + word n-grams) trained on a small set, and what it
may overrule after DIET (no Rasa model: the component alone)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import embeddings
from bot.nlu.semantic import SEMANTIC_KEY, SemanticClassifier
from bot.nlu.understanding import CLARIFY_KEY, EMERGENCY_DOUBTED_KEY, ROLE_KEY, reading

EXAMPLES = {
    "faq/how_common": [
        "how common is rosacea?", "how many people have rosacea?", "is rosacea rare?",
        "what share of people get rosacea?", "do many people have rosacea?",
        "que tan comun es la rosacea?", "cuantas personas tienen rosacea?",
        "mucha gente tiene rosácea?",
    ],
    "faq/triggers": [
        "what triggers rosacea flushing?", "does spicy food make rosacea worse?",
        "is alcohol bad for rosacea?", "what sets off my rosacea?", "why does wine make me flush?",
        "que empeora la rosacea?", "el alcohol le hace mal a la rosácea?",
        "que cosas me ponen la cara roja?",
    ],
    "faq/duration": [
        "how long does botox for rosacea last?", "how long do the results last?",
        "when does it wear off?", "is botox for rosacea permanent?", "how long will it work?",
        "cuanto dura el botox para la rosacea?", "cuanto tiempo duran los resultados?",
        "el botox es permanente?",
    ],
    "out_of_scope": [
        "what is the weather tomorrow", "how many people live in france", "book me a flight",
        "how common is the name emma", "best pizza near me", "how many jobs were added last month",
        "what is the capital of peru", "tell me a joke", "how do i change a tire",
        "what time is it in tokyo", "que hora es en tokio", "cuentame un chiste",
        "donde venden pizza", "como cambio una llanta",
    ],
}  # fmt: skip


Stored = tuple[LocalModelStorage, Resource, ExecutionContext]


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Stored:
    storage = LocalModelStorage(Path(tmp_path_factory.mktemp("storage")))
    resource = Resource("semantic")
    context = ExecutionContext(GraphSchema({}), "test")
    component = SemanticClassifier.create({}, storage, resource, context)
    examples = []
    for label, texts in EXAMPLES.items():
        for text in texts:
            data = {"text": text, "intent": label.split("/")[0]}
            if "/" in label:
                data["intent_response_key"] = label
            examples.append(Message(data))
    component.train(TrainingData(examples))
    return storage, resource, context


@pytest.fixture(scope="module")
def trained(stored: Stored) -> SemanticClassifier:
    return SemanticClassifier.load({}, *stored)


def _diet(text: str, label: str, confidence: float = 1.0) -> Message:
    message = Message({"text": text})
    intent = label.split("/")[0]
    message.set("intent", {"name": intent, "confidence": confidence}, True)
    message.set("intent_ranking", [{"name": intent, "confidence": confidence}], True)
    if "/" in label:
        response = {"intent_response_key": label, "confidence": 1.0}
        message.set("response_selector", {intent: {"response": response, "ranking": []}}, True)
    return message


def test_the_embedding_knows_words_our_examples_never_used() -> None:
    vectors = embeddings.default().embed(["spicy curry", "hot chili", "tax return deadline"])
    assert vectors.shape == (3, embeddings.DIMENSION)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_an_off_topic_message_loses_the_faq_answer_diet_gave_it(
    trained: SemanticClassifier,
) -> None:
    message = _diet("how many people are unemployed in america", "faq/how_common")
    trained.process([message])
    assert reading(message).label == "out_of_scope"
    assert message.get(SEMANTIC_KEY)[0]["name"] == "out_of_scope"


def test_an_answer_both_readings_agree_on_stands(trained: SemanticClassifier) -> None:
    message = _diet("how long will the botox last for my rosacea", "faq/duration")
    trained.process([message])
    assert reading(message).label == "faq/duration"


def test_disagreeing_on_the_topic_asks_which_one(trained: SemanticClassifier) -> None:
    message = _diet("does alcohol make rosacea worse?", "faq/duration")
    trained.process([message])
    assert message.get("intent")["name"] == "clarify_topic"
    options = message.get(CLARIFY_KEY)
    assert [o["key"] for o in options] == ["faq/duration", "faq/triggers"]
    # Each button asks one of the topic's own training questions.
    assert all(o["question"].lower() in EXAMPLES[o["key"]] for o in options)


def test_an_unsure_diet_is_helped_by_a_sure_reading(trained: SemanticClassifier) -> None:
    message = _diet("how long does botox for rosacea last?", "nlu_fallback", 0.3)
    trained.process([message])
    assert reading(message).label == "faq/duration"


def test_an_unsure_diet_stays_unsure_on_nonsense(trained: SemanticClassifier) -> None:
    message = _diet("qwerty zxcv", "nlu_fallback", 0.3)
    trained.process([message])
    assert message.get("intent")["name"] in {"nlu_fallback", "clarify_topic"}
    assert not reading(message).label.startswith("faq/")


@pytest.mark.parametrize(
    ("confidence", "doubted", "expected"),
    [
        (0.25, 0.05, "faq/duration"),
        # A sure DIET yields only when this reading all but rules its topic out.
        (0.9, 0.05, "faq/duration"),
        (0.9, 0.0, "not_in_article/side_effects"),
    ],
)
def test_a_weak_not_in_the_article_gives_way_to_a_sure_faq_reading(
    trained: SemanticClassifier, confidence: float, doubted: float, expected: str
) -> None:
    text = "how long does botox for rosacea last?"
    message = _diet(text, "not_in_article/side_effects", confidence)
    config = trained.component_config
    saved, config["unanswered_doubted"] = config["unanswered_doubted"], doubted
    try:
        trained.process([message])
    finally:
        config["unanswered_doubted"] = saved
    assert reading(message).label == expected
    # Not sure of an FAQ topic: the staff offer stays.
    message = _diet("qwerty zxcv", "not_in_article/side_effects", 0.25)
    trained.process([message])
    assert reading(message).label == "not_in_article/side_effects"


def test_shortcuts_are_left_alone(trained: SemanticClassifier) -> None:
    message = _diet("/faq", "faq/duration")
    trained.process([message])
    assert message.get(SEMANTIC_KEY) is None


def test_the_direct_computation_matches_sklearns(trained: SemanticClassifier) -> None:
    texts = ["how long does it last", "best pizza near me", "wine and spicy food??", "zzz", ""]
    expected = trained._classifier.predict_proba(trained._features(texts))
    assert np.allclose(trained._probabilities(texts), expected, atol=1e-4)


def test_an_faq_answer_the_reading_does_not_share_falls_back(stored: Stored) -> None:
    # With the out-of-scope overrule out of the way, what is left is the disagreement itself:
    # this reading's first choice is not DIET's topic, so no FAQ fact is stated.
    no_overrule = SemanticClassifier.load({"off_topic": 1.01}, *stored)
    message = _diet("how many people are unemployed in america", "faq/how_common")
    no_overrule.process([message])
    assert message.get(SEMANTIC_KEY)[0]["name"] == "out_of_scope"
    assert reading(message).label == "nlu_fallback"
    # Where agreement is not asked for, the old rules alone decide and DIET's answer stands.
    lenient = SemanticClassifier.load({"off_topic": 1.01, "agree_languages": []}, *stored)
    message = _diet("how many people are unemployed in america", "faq/how_common")
    lenient.process([message])
    assert reading(message).label == "faq/how_common"


def test_a_misspelt_spanish_question_is_read_with_character_ngrams(
    trained: SemanticClassifier,
) -> None:
    text = "cuanto dura el botox pa la rosasea?"  # "rosasea", and "pa": not in the examples
    message = _diet(text, "faq/duration")
    trained.process([message])
    assert reading(message).label == "faq/duration"
    ranking = message.get(SEMANTIC_KEY)
    assert ranking[0]["name"] == "faq/duration"
    # The ranking is the Spanish reading's, not the English one's.
    assert trained._spanish is not None
    spanish = trained._spanish.probabilities([text], trained._embedding)[0]
    english = trained._probabilities([text])[0]
    duration = trained._spanish.classes.index("faq/duration")
    assert ranking[0]["confidence"] == pytest.approx(spanish[duration], abs=1e-4)
    assert abs(spanish[duration] - english[trained._classes.index("faq/duration")]) > 1e-3


def test_english_messages_keep_the_english_reading(trained: SemanticClassifier) -> None:
    text = "how long does the botox last"
    message = _diet(text, "faq/duration")
    trained.process([message])
    english = trained._probabilities([text])[0]
    top = message.get(SEMANTIC_KEY)[0]
    expected = english[trained._classes.index(top["name"])]
    assert top["confidence"] == pytest.approx(expected, abs=1e-4)


def test_the_spanish_reading_computes_what_sklearn_would(trained: SemanticClassifier) -> None:
    texts = ["cuanto dura", "duelen los piquetes??", "donde venden pizza", "zzz", ""]
    spanish = trained._spanish
    assert spanish is not None
    features = spanish._features(texts, trained._embedding).tocsr()
    expected = spanish._classifier.predict_proba(features)
    assert np.allclose(spanish.probabilities(texts, trained._embedding), expected, atol=1e-5)


def test_a_spanish_message_has_its_own_off_topic_threshold(stored: Stored) -> None:
    # At 0 every Spanish FAQ answer is overruled; English messages keep their own threshold.
    strict = SemanticClassifier.load({"off_topic_spanish": 0.0}, *stored)
    spanish = _diet("cuanto dura el botox para la rosacea", "faq/duration")
    english = _diet("how long will the botox last for my rosacea", "faq/duration")
    strict.process([spanish, english])
    assert reading(spanish).label == "out_of_scope"
    assert reading(english).label == "faq/duration"
    # A question cut from a longer message keeps the usual threshold: it is short, and borrows
    # the message's topic.
    part = _diet("cuanto dura el botox para la rosacea", "faq/duration")
    part.data[ROLE_KEY] = ("part", spanish, 0)
    strict.process([part])
    assert reading(part).label == "faq/duration"


@pytest.mark.parametrize(
    ("text", "diet", "off_topic", "expected"),
    [
        # A face going red keeps the condition topic both readings name, off-topic doubt aside.
        ("why does my face go red after curry", "faq/triggers", 0.5, "faq/triggers"),
        ("q desencadena el rubor de la cara", "faq/triggers", 0.5, "faq/triggers"),
        # Unless this reading is sure it is off topic.
        ("why does my face go red after curry", "faq/triggers", 0.85, "out_of_scope"),
        # No face going red: the doubt stands.
        ("best hot sauce brand for curry", "faq/triggers", 0.5, "nlu_fallback"),
        # A procedure's fact is not supported by the description ("her red cheeks").
        ("how many units should I give my 10 year old for her red cheeks", "faq/dose", 0.5,
         "nlu_fallback"),
    ],
)  # fmt: skip
def test_a_face_going_red_keeps_the_condition_topic(
    trained: SemanticClassifier, text: str, diet: str, off_topic: float, expected: str
) -> None:
    message = _diet(text, diet)
    semantic = {"out_of_scope": off_topic, diet: 0.3, "faq/location": 0.01}
    trained._arbitrate(message, semantic)
    assert reading(message).label == expected


@pytest.mark.parametrize(
    ("off_topic", "diet", "expected"),
    [
        # A weak off-topic doubt, then DIET's own topic: DIET's sure answer stands.
        (0.3, 0.76, "faq/what_to_expect"),
        # A stronger doubt, or an unsure DIET: the fallback, as before.
        (0.45, 0.76, "nlu_fallback"),
        (0.3, 0.6, "nlu_fallback"),
    ],
)
def test_a_weak_off_topic_doubt_alone_leaves_a_sure_answer(
    trained: SemanticClassifier, off_topic: float, diet: float, expected: str
) -> None:
    message = _diet("what does the visit look like", "faq/what_to_expect", diet)
    semantic = {"out_of_scope": off_topic, "faq/what_to_expect": 0.25, "faq/pain": 0.1}
    trained._arbitrate(message, semantic)
    assert reading(message).label == expected


@pytest.mark.parametrize(
    ("role", "expected"), [("part", "faq/what_to_expect"), (None, "nlu_fallback")]
)
def test_one_question_of_several_bears_a_larger_off_topic_doubt(
    trained: SemanticClassifier, role: str | None, expected: str
) -> None:
    message = _diet("what does the visit look like", "faq/what_to_expect", 0.76)
    if role is not None:  # cut from "do you numb it first? also what does the visit look like"
        message.set(ROLE_KEY, (role, Message({"text": "..."}), 1))
    semantic = {"out_of_scope": 0.46, "faq/what_to_expect": 0.4, "faq/pain": 0.1}
    trained._arbitrate(message, semantic)
    assert reading(message).label == expected


@pytest.mark.parametrize(
    ("semantic", "expected"),
    [
        # The menu for DIET, a topic this reading is sure of: that topic's answer.
        ({"faq/triggers": 0.79, "help": 0.1, "out_of_scope": 0.05}, "faq/triggers"),
        # A likely topic is offered as a choice.
        ({"faq/triggers": 0.48, "help": 0.24, "out_of_scope": 0.2}, "clarify_topic"),
        # The menu here too, or no topic likely: the menu.
        ({"help": 0.87, "out_of_scope": 0.12, "faq/triggers": 0.01}, "help"),
        ({"out_of_scope": 0.6, "faq/triggers": 0.3, "help": 0.1}, "help"),
    ],
)
def test_the_menu_gives_way_to_a_topic_the_message_names(
    trained: SemanticClassifier, semantic: dict[str, float], expected: str
) -> None:
    message = _diet("so what are my options for what sets it off", "help", 0.96)
    trained._arbitrate(message, semantic)
    assert reading(message).label == expected


def _diet_topics(text: str, faq: float, topics: dict[str, float]) -> Message:
    """DIET's reading: the FAQ intent at `faq`, its selector ranking the topics' shares."""
    first = max(topics, key=lambda k: topics[k])
    message = _diet(text, first, faq)
    ranking = [{"intent_response_key": k, "confidence": c} for k, c in topics.items()]
    selector = message.get("response_selector")["faq"]
    selector["response"]["confidence"] = topics[first]
    selector["ranking"] = ranking
    return message


@pytest.mark.parametrize(
    ("semantic", "expected"),
    [
        # The two readings' products: duration 0.9 * 0.38 against triggers 0.9 * 0.55 * 0.02.
        ({"faq/duration": 0.83, "faq/triggers": 0.02, "out_of_scope": 0.05}, "faq/duration"),
        # Closer: which one is asked.
        ({"faq/duration": 0.5, "faq/triggers": 0.4, "out_of_scope": 0.1}, "clarify_topic"),
        # First off topic here: a doubt about the subject is not settled by the products.
        ({"out_of_scope": 0.55, "faq/duration": 0.4, "faq/triggers": 0.05}, "nlu_fallback"),
    ],
)
def test_a_topic_holding_most_of_both_readings_is_answered(
    trained: SemanticClassifier, semantic: dict[str, float], expected: str
) -> None:
    message = _diet_topics(
        "is there a way to know when it stops", 0.9, {"faq/triggers": 0.55, "faq/duration": 0.38}
    )
    trained._arbitrate(message, semantic)
    assert reading(message).label == expected


def test_a_cut_question_is_asked_about_not_answered_by_the_products(
    trained: SemanticClassifier,
) -> None:
    message = _diet_topics("and when it stops", 0.9, {"faq/triggers": 0.55, "faq/duration": 0.38})
    message.set(ROLE_KEY, ("part", Message({"text": "x"}), 1))
    trained._arbitrate(message, {"faq/duration": 0.83, "faq/triggers": 0.02, "out_of_scope": 0.05})
    assert reading(message).label == "clarify_topic"


@pytest.mark.parametrize(
    ("diet", "here", "expected", "doubted"),
    [
        # Weak for DIET, all but ruled out here: this reading's sure topic is answered.
        (0.63, 0.003, "faq/duration", True),
        # Sure for DIET, or possible here: the emergency stands.
        (0.97, 0.003, "emergency", False),
        (0.63, 0.3, "emergency", False),
    ],
)
def test_a_weak_emergency_this_reading_rules_out_is_doubted(
    trained: SemanticClassifier, diet: float, here: float, expected: str, doubted: bool
) -> None:
    message = _diet("i faint at blood draws, how long does it last", "emergency", diet)
    semantic = {"faq/duration": 0.9 - here, "emergency": here, "out_of_scope": 0.1}
    trained._arbitrate(message, semantic)
    assert reading(message).label == expected
    assert bool(message.get(EMERGENCY_DOUBTED_KEY)) is doubted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ok gracias, y como saco la cita", "faq/duration"),
        ("thx. and how long it lasts", "faq/duration"),
        # Thanks alone stay thanks, however the other reading leans.
        ("thanks so much!", "thank"),
    ],
)
def test_thanks_with_a_question_are_read_for_the_question(
    trained: SemanticClassifier, text: str, expected: str
) -> None:
    message = _diet(text, "thank", 0.7)
    trained._arbitrate(message, {"faq/duration": 0.8, "thank": 0.1, "out_of_scope": 0.1})
    assert reading(message).label == expected


@pytest.mark.parametrize(
    ("text", "diet", "semantic", "expected"),
    [
        # Off topic for DIET, a red face asked about, and the triggers most of what is left.
        ("every time i eat hot wings my face goes tomato red, why", "out_of_scope",
         {"out_of_scope": 0.73, "faq/triggers": 0.25}, "faq/triggers"),
        ("my face goes red after one beer, why does that happen", "nlu_fallback",
         {"out_of_scope": 0.55, "faq/triggers": 0.34}, "faq/triggers"),
        # Too small a share of what is left, or this reading sure it is off topic.
        ("every time i eat hot wings my face goes tomato red, why", "out_of_scope",
         {"out_of_scope": 0.5, "faq/triggers": 0.2, "faq/location": 0.3}, "out_of_scope"),
        ("every time i eat hot wings my face goes tomato red, why", "out_of_scope",
         {"out_of_scope": 0.85, "faq/triggers": 0.15}, "out_of_scope"),
        # No red face, no question, or a procedure's fact: DIET's reading stands.
        ("best hot wings in portland?", "out_of_scope",
         {"out_of_scope": 0.4, "faq/triggers": 0.5}, "out_of_scope"),
        ("my face went tomato red after hot wings lol", "out_of_scope",
         {"out_of_scope": 0.4, "faq/triggers": 0.5}, "out_of_scope"),
        ("my cheeks are red, how much is it", "out_of_scope",
         {"out_of_scope": 0.4, "faq/dose": 0.5}, "out_of_scope"),
    ],
)  # fmt: skip
def test_a_red_face_asked_about_is_read_for_its_condition_topic(
    trained: SemanticClassifier, text: str, diet: str, semantic: dict[str, float], expected: str
) -> None:
    message = _diet(text, diet, 0.9)
    trained._arbitrate(message, semantic)
    assert reading(message).label == expected


@pytest.mark.parametrize(
    ("semantic", "expected"),
    [
        # Asking how to reach someone: the contact details, first once off topic is set aside.
        ({"out_of_scope": 0.63, "faq/contact": 0.29, "request_handoff": 0.05}, "faq/contact"),
        # Asking for staff to follow up, or the contact details too weak a share: the request.
        ({"request_handoff": 0.98, "faq/contact": 0.01}, "request_handoff"),
        ({"out_of_scope": 0.6, "faq/contact": 0.15, "faq/booking": 0.25}, "request_handoff"),
    ],
)
def test_asking_how_to_reach_staff_gets_the_contact_details(
    trained: SemanticClassifier, semantic: dict[str, float], expected: str
) -> None:
    message = _diet("how do i get ahold of an actual person at the office", "request_handoff", 0.52)
    trained._arbitrate(message, semantic)
    assert reading(message).label == expected
