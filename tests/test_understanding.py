"""The question splitter and merger around the classifiers, on messages classified by hand
(no model): which reading the visitor's message ends with."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.understanding import (
    CLARIFY_KEY,
    QUESTIONS_KEY,
    ROLE_KEY,
    SEMANTIC_KEY,
    UNCOVERED_KEY,
    UNDERSTOOD_AS_KEY,
    QuestionMerger,
    QuestionSplitter,
    reading,
)

SPLITTER = QuestionSplitter({})
MERGER = QuestionMerger(QuestionMerger.get_default_config())


def _classify(message: Message, label: str, confidence: float = 1.0) -> None:
    """What the classifiers would have set: the intent and, for FAQs, the selector's answer."""
    intent = label.split("/")[0]
    message.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set("intent_ranking", [{"name": intent, "confidence": confidence}], True)
    if "/" in label:
        response = {"intent_response_key": label, "confidence": 1.0}
        message.set("response_selector", {intent: {"response": response, "ranking": []}}, True)


def _tracker(*parses: dict[str, Any] | None) -> DialogueStateTracker:
    """A conversation whose visitor sent these messages (parsed so), in order."""
    tracker = DialogueStateTracker.from_events("visitor", [], slots=Domain.empty().slots)
    for parse in parses:
        if parse is not None:
            tracker.update(UserUttered(parse["text"], parse_data=parse))
    return tracker


def _run(
    text: str,
    labels: dict[str, str],
    previous: dict[str, Any] | None = None,
    also: dict[str, dict[str, Any]] | None = None,
    earlier: tuple[dict[str, Any], ...] = (),
) -> Message:
    """Split `text`, classify every message by `labels` (text -> label, or the confidence after
    a colon) and set what `also` gives a text (the semantic reading, a clarifying question's
    options), merge, and return the visitor's message. `earlier` are the messages before
    `previous`."""
    visitor = Message({"text": text})
    messages = SPLITTER.process([visitor], _tracker(*earlier, previous))
    for message in messages:
        label, _, confidence = labels.get(message.get("text"), "nlu_fallback:0.3").partition(":")
        _classify(message, label, float(confidence or 1.0))
        for key, value in (also or {}).get(str(message.get("text")), {}).items():
            message.set(key, value)
    merged = MERGER.process(messages)
    assert merged == [visitor]
    return visitor


def _previous(text: str, label: str) -> dict[str, Any]:
    intent = label.split("/")[0]
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "response_selector": {intent: {"response": {"intent_response_key": label}}},
    }


def test_a_single_question_adds_no_message_and_keeps_its_reading() -> None:
    visitor = Message({"text": "how long does botox last"})
    assert SPLITTER.process([visitor], _tracker(None)) == [visitor]
    result = _run("how long does botox last", {"how long does botox last": "faq/duration"})
    assert reading(result).label == "faq/duration"
    assert result.get(QUESTIONS_KEY) is None


def _offering(previous: dict[str, Any], *buttons: tuple[str, str]) -> DialogueStateTracker:
    """A conversation whose last reply, after `previous`, offered these buttons."""
    tracker = _tracker(previous)
    offered = [{"title": title, "payload": asked} for title, asked in buttons]
    tracker.update(BotUttered("Our article is based on ...", data={"buttons": offered}))
    return tracker


def test_a_suggestion_typed_rather_than_pressed_asks_its_question() -> None:
    previous = _previous("where did this article get its info", "faq/source")
    tracker = _offering(previous, ("What did it find?", "Can Botox help rosacea?"))
    visitor = Message({"text": "and what did it find"})
    messages = SPLITTER.process([visitor], tracker)
    labels = {"and what did it find": "faq/source", "Can Botox help rosacea?": "faq/botox_help"}
    for message in messages:
        _classify(message, labels.get(str(message.get("text")), "nlu_fallback"))
    assert MERGER.process(messages) == [visitor]
    assert reading(visitor).label == "faq/botox_help"
    assert visitor.get(UNDERSTOOD_AS_KEY) == "Can Botox help rosacea?"


@pytest.mark.parametrize(
    "text",
    ["and what did the study say about pregnancy", "/faq", "what did it find? im pregnant btw ok"],
)
def test_other_text_or_shortcuts_are_no_suggestion(text: str) -> None:
    previous = _previous("where did this article get its info", "faq/source")
    tracker = _offering(previous, ("What did it find?", "Can Botox help rosacea?"))
    visitor = Message({"text": text})
    messages = SPLITTER.process([visitor], tracker)
    assert all(m.data.get(ROLE_KEY, ("",))[0] != "suggested" for m in messages)


def test_two_questions_are_both_answered_in_order() -> None:
    text = "how many units and does it hurt?"
    result = _run(
        text, {text: "faq/dose", "how many units": "faq/dose", "does it hurt?": "faq/pain"}
    )
    assert result.get("intent")["name"] == "several_questions"
    assert [q["key"] for q in result.get(QUESTIONS_KEY)] == ["faq/dose", "faq/pain"]


@pytest.mark.parametrize(
    ("text", "parts", "expected"),
    [
        # After the opener a whole question: the message asks its questions.
        ("so what is rosacea, and can botox help", ("so what is rosacea", "can botox help"),
         ["faq/what_is_rosacea", "faq/botox_help"]),
        # After the opener a thing named: one question about it.
        ("what about Daxxify, does it last longer?", ("what about Daxxify", "does it last longer?"),
         []),
    ],
)  # fmt: skip
def test_an_opener_before_several_questions_asks_them_unless_it_names_a_thing(
    text: str, parts: tuple[str, str], expected: list[str]
) -> None:
    labels = {text: "nlu_fallback:0.3", parts[0]: "faq/what_is_rosacea", parts[1]: "faq/botox_help"}
    result = _run(text, labels)
    assert [q["key"] for q in result.get(QUESTIONS_KEY) or []] == expected


def test_a_question_the_article_does_not_answer_makes_the_mix_offer_staff() -> None:
    text = "how long does it last and how much is it"
    labels = {"how long does it last": "faq/duration", "how much is it": "not_in_article/price"}
    result = _run(text, {text: "faq/duration", **labels})
    assert result.get("intent")["name"] == "several_questions_mixed"
    assert result.get(QUESTIONS_KEY)[1] == {"key": "not_in_article/price", "text": "how much is it"}


def test_the_same_topic_twice_is_answered_once() -> None:
    text = "what causes redness? and what causes flushing?"
    labels = {"what causes redness?": "faq/causes", "and what causes flushing?": "faq/causes"}
    result = _run(text, {text: "faq/causes", **labels})
    assert reading(result).label == "faq/causes"
    assert result.get(QUESTIONS_KEY) is None


def test_the_whole_messages_topic_answers_the_question_unclear_alone() -> None:
    # "por que le da a uno" alone is unsure, the causes its semantic reading's second choice;
    # the whole message is surely the causes: both questions are answered, in order.
    text = "que es la rosacea y por que le da a uno"
    unclear = "por que le da a uno"
    semantic = {
        text: {SEMANTIC_KEY: [{"name": "faq/causes", "confidence": 0.84}]},
        unclear: {SEMANTIC_KEY: [{"name": "out_of_scope", "confidence": 0.47},
                                 {"name": "faq/causes", "confidence": 0.45}]},
    }  # fmt: skip
    labels = {
        text: "faq/causes",
        "que es la rosacea": "faq/what_is_rosacea",
        unclear: "nlu_fallback:0.47",
    }
    result = _run(text, labels, also=semantic)
    assert [q["key"] for q in result.get(QUESTIONS_KEY)] == ["faq/what_is_rosacea", "faq/causes"]
    # The whole's topic barely given to the unclear question, or the whole not sure of it:
    # the message keeps its reading as a whole.
    semantic[unclear][SEMANTIC_KEY][1]["confidence"] = 0.2
    assert reading(_run(text, labels, also=semantic)).label == "faq/causes"
    semantic[unclear][SEMANTIC_KEY][1]["confidence"] = 0.45
    semantic[text][SEMANTIC_KEY][0]["confidence"] = 0.5
    labels[text] = "faq/causes:0.6"
    assert _run(text, labels, also=semantic).get(QUESTIONS_KEY) is None


def test_an_unsure_part_is_not_answered() -> None:
    text = "how many units and does it hurt?"
    labels = {"how many units": "faq/dose", "does it hurt?": "faq/pain:0.3"}
    result = _run(text, {text: "faq/dose", **labels})
    assert reading(result).label == "faq/dose"


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("faq/treatments:0.41", "nlu_fallback"),
        ("faq/treatments:0.6", "faq/treatments"),
        ("not_in_article/price:0.41", "not_in_article/price"),  # staff are offered anyway
    ],
)
def test_an_faq_fact_needs_the_confidence_of_one_question_of_several(
    label: str, expected: str
) -> None:
    text = "can u explain how the rosacea treatment is performed"
    assert reading(_run(text, {text: label})).label == expected


def test_an_emergency_anywhere_wins() -> None:
    text = "how long does it last? why cant i breathe"
    labels = {"how long does it last?": "faq/duration", "why cant i breathe": "emergency"}
    result = _run(text, {text: "faq/duration", **labels})
    assert result.get("intent")["name"] == "faq"  # the router decides emergencies on the text


def test_a_follow_up_is_read_with_the_previous_question() -> None:
    previous = _previous("what triggers flare-ups?", "faq/triggers")
    result = _run(
        "and wine?",
        {"and wine?": "out_of_scope", "what triggers flare-ups? and wine?": "faq/triggers"},
        previous,
    )
    assert reading(result).label == "faq/triggers"
    assert result.get(UNDERSTOOD_AS_KEY) == "what triggers flare-ups? and wine?"


@pytest.mark.parametrize(
    ("uncovered", "expected"), [("faq/triggers", "not_in_article/other"), (None, "faq/triggers")]
)
def test_a_thing_the_last_answer_does_not_speak_of_goes_to_staff(
    uncovered: str | None, expected: str
) -> None:
    previous = _previous("what triggers flare-ups?", "faq/triggers")
    labels = {"and coffee?": "out_of_scope", "what triggers flare-ups? and coffee?": "faq/triggers"}
    also = {"and coffee?": {UNCOVERED_KEY: uncovered}}
    assert reading(_run("and coffee?", labels, previous, also)).label == expected


def test_a_named_thing_keeps_the_last_topic_over_a_confident_wrong_reading() -> None:
    previous = _previous("what causes rosacea?", "faq/causes")
    text = "what about the mites, what do they do?"
    labels = {text: "faq/what_to_expect", f"what causes rosacea? {text}": "faq/causes"}
    assert reading(_run(text, labels, previous)).label == "faq/causes"


@pytest.mark.parametrize(
    ("alone", "expected"),
    [
        ("not_in_article/price:0.99", "not_in_article/price"),  # surely what the page leaves out
        ("not_in_article/price:0.6", "faq/dose"),  # unsure alone: the last topic
    ],
)
def test_a_follow_up_sure_to_ask_what_the_page_leaves_out_asks_that(
    alone: str, expected: str
) -> None:
    previous = _previous("cuantas unidades ponen", "faq/dose")
    text = "y a como cobran la unidad"
    labels = {text: alone, f"cuantas unidades ponen {text}": "faq/dose"}
    assert reading(_run(text, labels, previous)).label == expected


def test_a_question_that_stands_on_its_own_is_not_bent() -> None:
    previous = _previous("what triggers flare-ups?", "faq/triggers")
    located = "and where are you located?"
    labels = {located: "faq/location", f"what triggers flare-ups? {located}": "faq/triggers"}
    assert reading(_run(located, labels, previous)).label == "faq/location"
    cat = "my cat has mites"
    labels = {cat: "out_of_scope", f"what triggers flare-ups? {cat}": "faq/causes"}
    assert reading(_run(cat, labels, previous)).label == "out_of_scope"


@pytest.mark.parametrize(
    ("text", "alone", "expected"),
    [
        # Closing with "then", unsure alone: about the last topic's subject.
        ("how thick is the needle then", "out_of_scope:0.74", "faq/pain"),
        ("the needle tho?", "nlu_fallback:0.3", "faq/pain"),
        # Sure to be off topic, or a reply of its own, it stays what it is.
        ("whats the weather tomorrow then", "out_of_scope:0.99", "out_of_scope"),
        ("alright then", "affirm:0.7", "affirm"),
        # Without the closing word, an unsure off-topic reading stands.
        ("how thick is a sewing needle", "out_of_scope:0.74", "out_of_scope"),
    ],
)
def test_a_closing_then_ties_an_unsure_message_to_the_last_topic(
    text: str, alone: str, expected: str
) -> None:
    previous = _previous("is it gonna hurt", "faq/pain")
    labels = {text: alone, f"is it gonna hurt {text}": "faq/pain"}
    assert reading(_run(text, labels, previous)).label == expected


def _semantic(label: str, confidence: float) -> dict[str, Any]:
    return {SEMANTIC_KEY: [{"name": label, "confidence": confidence}]}


def _keys(result: Message) -> list[str]:
    """The topics answered: each question's, or the one reading's."""
    return [q["key"] for q in result.get(QUESTIONS_KEY) or []] or [reading(result).label]


def test_a_follow_up_both_readings_put_on_another_topic_asks_about_that_topic() -> None:
    # Read with the last question, the text is mostly that question.
    previous = _previous("whats your phone number", "faq/contact")
    text = "and the address?"
    labels = {text: "faq/location:0.99", f"whats your phone number {text}": "faq/contact"}
    sure = {text: _semantic("faq/location", 0.95)}
    assert reading(_run(text, labels, previous, sure)).label == "faq/location"
    # DIET alone, or a semantic reading that is unsure or of another topic, is not enough.
    for unsure in ({}, _semantic("faq/location", 0.5), _semantic("faq/source", 0.95)):
        assert reading(_run(text, labels, previous, {text: unsure})).label == "faq/contact"


def test_asking_which_topic_is_meant_takes_the_last_topic_when_it_is_one_of_them() -> None:
    previous = _previous("is it going to hurt", "faq/pain")
    text = "the needles tho?"
    labels = {text: "clarify_topic:0.46", f"is it going to hurt {text}": "faq/pain"}
    options = [{"key": "faq/pain"}, {"key": "faq/what_to_expect"}]
    assert reading(_run(text, labels, previous, {text: {CLARIFY_KEY: options}})).label == (
        "faq/pain"
    )
    others = [{"key": "faq/contact"}, {"key": "faq/booking"}]
    result = _run(text, labels, previous, {text: {CLARIFY_KEY: others}})
    assert reading(result).label == "clarify_topic"


@pytest.mark.parametrize(
    ("text", "alone", "expected"),
    [
        # Unsure alone, and a choice of the last topic and another with it: the other.
        ("for how long", "nlu_fallback:0.5", "faq/duration"),
        ("for how long", "out_of_scope:0.67", "faq/duration"),
        # A bare question word behind a preposition asks however sure its reading alone is.
        ("for how long", "out_of_scope:0.95", "faq/duration"),
        # Sure alone, it keeps its reading; a thing named after an opener is not asked about.
        ("for how long in total", "out_of_scope:0.95", "out_of_scope"),
        ("and the redness?", "nlu_fallback:0.5", "nlu_fallback"),
        # The other topic not among the text's own readings at all: no other is asked
        # ("is that per cheek or total" after the dose for "rose asia" is not what it is).
        ("for how long?", "nlu_fallback:0.5", "nlu_fallback"),
    ],
)
def test_a_choice_with_the_last_question_is_the_topic_that_question_was_not(
    text: str, alone: str, expected: str
) -> None:
    previous = _previous("will it calm down the redness", "faq/results")
    along = f"will it calm down the redness {text}"
    labels = {text: alone, along: "clarify_topic:0.44"}
    options = [{"key": "faq/duration"}, {"key": "faq/results"}]
    semantic = [
        {"name": "faq/duration", "confidence": 0.44},
        {"name": "faq/results", "confidence": 0.25},
    ]
    ranked = "out_of_scope" if text.endswith("?") else "faq/duration"
    also: dict[str, dict[str, Any]] = {
        along: {CLARIFY_KEY: options, SEMANTIC_KEY: semantic},
        text: {SEMANTIC_KEY: [{"name": "out_of_scope", "confidence": 0.6},
                              {"name": ranked, "confidence": 0.2}]},
    }  # fmt: skip
    result = _run(text, labels, previous, also)
    assert reading(result).label == expected
    if expected == "faq/duration":  # 0.44 of the 0.75 the results leave: sure enough to answer
        assert reading(result).confidence == pytest.approx(0.44 / 0.75)


@pytest.mark.parametrize(
    ("alone", "along", "expected"),
    [
        # Sure alone of something else, the context reading only echoing the last topic.
        ("help:0.96", "faq/triggers", "help"),
        # The context reading names another topic: the follow-up is read in context.
        ("help:0.96", "faq/treatments", "faq/treatments"),
        # Unsure alone: bent back to the last topic, as before.
        ("help:0.6", "faq/triggers", "faq/triggers"),
        # Sure alone that it is off topic: not the last topic again either.
        ("out_of_scope:0.91", "faq/triggers", "out_of_scope"),
        ("out_of_scope:0.6", "faq/triggers", "faq/triggers"),
    ],
)
def test_a_new_question_sure_of_another_intent_is_not_the_last_topic_again(
    alone: str, along: str, expected: str
) -> None:
    previous = _previous("what triggers flare ups", "faq/triggers")
    text = "so what are my options for treating it"
    labels = {text: alone, f"what triggers flare ups {text}": along}
    assert reading(_run(text, labels, previous)).label == expected


@pytest.mark.parametrize(
    ("offered", "expected"),
    [
        # A choice that leaves the last topic out asks something else: the choice stands.
        (["faq/treatments"], "clarify_topic"),
        # A choice that holds the last topic is bent back to it, as before.
        (["faq/treatments", "faq/triggers"], "faq/triggers"),
    ],
)
def test_a_new_question_offered_as_another_topic_is_not_the_last_topic_again(
    offered: list[str], expected: str
) -> None:
    previous = _previous("what triggers flare ups", "faq/triggers")
    text = "so what are my options for treating it"
    labels = {text: "clarify_topic:0.48", f"what triggers flare ups {text}": "faq/triggers"}
    options = {CLARIFY_KEY: [{"key": key, "question": key} for key in offered]}
    assert reading(_run(text, labels, previous, also={text: options})).label == expected


STORY = "had pad thai extra hot last night and woke up bright red. is spicy food a trigger"
BARE = "is spicy food a trigger"


@pytest.mark.parametrize(
    ("whole", "bare", "expected"),
    [
        # Unsure, or only "not in the article", of the story: the question alone is clear.
        ("nlu_fallback:0.4", "faq/triggers", "faq/triggers"),
        ("not_in_article/other", "faq/triggers", "faq/triggers"),
        ("out_of_scope:0.6", "faq/triggers", "faq/triggers"),
        # Sure the story is off topic, or sure of a precise topic: it stays.
        ("out_of_scope:0.95", "faq/triggers", "out_of_scope"),
        ("not_in_article/personal", "faq/triggers", "not_in_article/personal"),
        # The question alone must be clear to both readings.
        ("nlu_fallback:0.4", "faq/triggers:0.6", "nlu_fallback"),
    ],
)
def test_the_question_behind_a_story_is_read_alone_when_the_story_misled(
    whole: str, bare: str, expected: str
) -> None:
    label = bare.partition(":")[0]
    semantic = _semantic(label, float(bare.partition(":")[2] or 0.9))
    result = _run(STORY, {STORY: whole, BARE: bare}, also={BARE: semantic})
    assert reading(result).label == expected


def test_a_story_in_front_of_one_of_several_questions_is_left_out_for_it() -> None:
    story = "my cheeks went bright red after a curry last night."
    text = f"{story} is spicy food a trigger? and how long does botox last"
    labels = {
        f"{story} {BARE}?": "out_of_scope:0.5",
        f"{BARE}?": "faq/triggers",
        "how long does botox last": "faq/duration",
    }
    result = _run(text, labels, also={f"{BARE}?": _semantic("faq/triggers", 0.9)})
    assert [q["key"] for q in result.get(QUESTIONS_KEY)] == ["faq/triggers", "faq/duration"]


def test_no_earlier_topic_no_context() -> None:
    visitor = Message({"text": "and wine?"})
    previous = {"text": "hi", "intent": {"name": "greet", "confidence": 1.0}}
    assert SPLITTER.process([visitor], _tracker(previous)) == [visitor]
    assert SPLITTER.process([visitor], None) == [visitor]


def test_shortcuts_are_never_split() -> None:
    visitor = Message({"text": "/faq and /greet? how long"})
    assert SPLITTER.process([visitor], _tracker(None)) == [visitor]


def test_added_messages_say_whose_they_are() -> None:
    visitor = Message({"text": "how many units and does it hurt?"})
    added = SPLITTER.process([visitor], _tracker(None))[1:]
    roles = [m.data[ROLE_KEY][:2] for m in added]
    assert roles == [
        ("part", visitor),
        ("part", visitor),
        ("part_context", visitor),
        ("part_named", visitor),
    ]
    # "does it hurt?" may lean on the question before it, or name what "it" is: those
    # readings are added too.
    assert added[2].get("text") == "how many units does it hurt?"
    assert added[3].get("text") == "does botox hurt?"


def test_a_question_leaning_on_the_one_before_is_read_with_it() -> None:
    text = "how long do the effects last and what are they"
    result = _run(
        text,
        {
            text: "faq/duration",
            "how long do the effects last": "faq/duration",
            "what are they": "nlu_fallback:0.4",
            "how long do the effects last what are they": "faq/results:0.8",
        },
    )
    assert [q["key"] for q in result.get(QUESTIONS_KEY)] == ["faq/duration", "faq/results"]
    assert result.get(QUESTIONS_KEY)[1]["text"] == "how long do the effects last what are they"


def test_a_leaning_question_sure_of_itself_keeps_its_own_reading() -> None:
    text = "how many units and does it hurt?"
    result = _run(
        text,
        {
            text: "faq/dose",
            "how many units": "faq/dose",
            "does it hurt?": "faq/pain",
            "how many units does it hurt?": "faq/dose",
        },
    )
    assert [q["key"] for q in result.get(QUESTIONS_KEY)] == ["faq/dose", "faq/pain"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        # Read with the question before it, a choice of that question's topic and another.
        (["faq/what_is_rosacea", "faq/triggers"], ["faq/what_is_rosacea", "faq/triggers"]),
        # Neither option is the other question's: the choice stays unanswered.
        (["faq/causes", "faq/triggers"], ["faq/what_is_rosacea"]),
    ],
)
def test_a_choice_with_the_question_before_it_is_the_topic_that_question_is_not(
    options: list[str], expected: list[str]
) -> None:
    text = "what is rosacea, what triggers it"
    labels = {
        text: "faq/what_is_rosacea",
        "what is rosacea": "faq/what_is_rosacea",
        "what triggers it": "nlu_fallback:0.5",
        "what is rosacea what triggers it": "clarify_topic:0.7",
    }
    choice = {CLARIFY_KEY: [{"key": k} for k in options]}
    result = _run(text, labels, also={"what is rosacea what triggers it": choice})
    assert _keys(result) == expected


def test_a_question_alone_asking_which_topic_may_ask_the_other_question_again() -> None:
    text = "it takes more units than forehead botox, is that right? how many do you use?"
    first = "it takes more units than forehead botox is that right?"
    labels = {
        text: "faq/dose",
        first: "faq/dose",
        "how many do you use?": "clarify_topic:0.7",
        f"{first} how many do you use?": "faq/dose",
    }
    options = {CLARIFY_KEY: [{"key": "faq/dose"}, {"key": "faq/what_to_expect"}]}
    result = _run(text, labels, also={"how many do you use?": options})
    assert reading(result).label == "faq/dose"
    assert result.get(QUESTIONS_KEY) is None


@pytest.mark.parametrize(
    ("own", "semantic", "expected"),
    [
        # Pointing back, it is on the message's subject: a sure topic of the semantic reading.
        ("out_of_scope:0.56", ("faq/duration", 0.84), ["faq/results", "faq/duration"]),
        ("nlu_fallback:0.4", ("faq/duration", 0.84), ["faq/results", "faq/duration"]),
        # Unsure, or the same topic as the other question: not a second answer.
        ("out_of_scope:0.56", ("faq/duration", 0.4), ["faq/results"]),
        ("out_of_scope:0.56", ("faq/results", 0.84), ["faq/results"]),
    ],
)
def test_a_question_pointing_back_is_on_the_subject_of_the_one_before(
    own: str, semantic: tuple[str, float], expected: list[str]
) -> None:
    text = "what results do people see and how long do they last"
    labels = {
        text: "faq/results",
        "what results do people see": "faq/results",
        "how long do they last": own,
        "what results do people see how long do they last": "faq/results",
    }
    result = _run(text, labels, also={"how long do they last": _semantic(*semantic)})
    assert _keys(result) == expected


def test_a_question_without_pointing_back_keeps_its_off_topic_reading() -> None:
    text = "how long does botox last and how long does a tattoo take to heal"
    labels = {
        text: "faq/duration",
        "how long does botox last": "faq/duration",
        "how long does a tattoo take to heal": "out_of_scope:0.56",
    }
    semantic = {"how long does a tattoo take to heal": _semantic("faq/results", 0.84)}
    result = _run(text, labels, also=semantic)
    assert reading(result).label == "faq/duration"
    assert result.get(QUESTIONS_KEY) is None


@pytest.mark.parametrize(
    ("alone", "named", "expected"),
    [
        # Off topic or unsure alone, "what sets rosacea off" is clear to both readings.
        ("out_of_scope:0.7", "faq/triggers", ["faq/causes", "faq/triggers"]),
        ("nlu_fallback:0.5", "faq/triggers", ["faq/causes", "faq/triggers"]),
        # Another topic alone, "it" named is clearly this one: what "it" means decides.
        ("faq/source:0.9", "faq/triggers", ["faq/causes", "faq/triggers"]),
        # Sure alone, or named no clearer: the part's own reading stands.
        ("out_of_scope:0.95", "faq/triggers", ["faq/causes"]),
        ("nlu_fallback:0.5", "faq/triggers:0.6", ["faq/causes"]),
    ],
)
def test_a_part_pointing_back_is_read_with_its_pronoun_named(
    alone: str, named: str, expected: list[str]
) -> None:
    text = "what causes rosacea, what sets it off"
    labels = {
        text: "faq/causes",
        "what causes rosacea": "faq/causes",
        "what sets it off": alone,
        "what causes rosacea what sets it off": "faq/causes",
        "what sets rosacea off": named,
    }
    confidence = float(named.partition(":")[2] or 0.9)
    semantic = {"what sets rosacea off": _semantic("faq/triggers", confidence)}
    result = _run(text, labels, also=semantic)
    assert _keys(result) == expected
    # Staff are shown the visitor's own words.
    assert all("rosacea off" not in q["text"] for q in result.get(QUESTIONS_KEY) or [])


@pytest.mark.parametrize(
    ("alone", "named", "expected"),
    [
        # Unsure alone: the named question is its own, not the last one again.
        ("nlu_fallback:0.42", "faq/causes", "faq/causes"),
        ("faq/causes:0.6", "faq/causes", "faq/causes"),
        # Named no clearer: read with the last question, as before.
        ("nlu_fallback:0.42", "faq/causes:0.5", "faq/how_common"),
        # Sure alone: its own reading.
        ("faq/candidate:0.95", "faq/causes", "faq/candidate"),
    ],
)
def test_a_follow_up_pointing_back_is_read_with_its_pronoun_named(
    alone: str, named: str, expected: str
) -> None:
    previous = _previous("how many people have rosacea", "faq/how_common")
    text = "why do people get it"
    labels = {
        text: alone,
        f"how many people have rosacea {text}": "faq/how_common",
        "why do people get rosacea": named,
    }
    confidence = float(named.partition(":")[2] or 0.9)
    semantic = {"why do people get rosacea": _semantic("faq/causes", confidence)}
    assert reading(_run(text, labels, previous, also=semantic)).label == expected


@pytest.mark.parametrize(
    ("text", "named", "expected"),
    [
        # "ok" and a question of its own after the staff offer: the question, named.
        ("ok so what is it exactly", "ok so what is rosacea exactly", "faq/what_is_rosacea"),
        # A plain yes, or no question word after the "ok": the answer to the offer stands.
        ("yes what is it exactly", "yes what is rosacea exactly", "affirm"),
        ("ok so is it", "ok so is rosacea", "affirm"),
    ],
)
def test_an_ok_before_a_question_is_not_a_yes(text: str, named: str, expected: str) -> None:
    previous = _previous("is rosacea contagious", "not_in_article/other")
    labels = {text: "affirm:0.98", named: "faq/what_is_rosacea"}
    semantic = {named: _semantic("faq/what_is_rosacea", 0.94)}
    assert reading(_run(text, labels, previous, also=semantic)).label == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # After the opener, a story: its two questions are both answered.
        (
            "so my derm finally said the word rosacea last week. what is it, and can botox help?",
            ["faq/what_is_rosacea", "faq/botox_help"],
        ),
        # After the opener, one thing named: the clauses ask about it once.
        ("so what about daxxify, can botox help?", ["faq/botox_help"]),
    ],
)
def test_an_opener_before_a_story_does_not_make_its_questions_one(
    text: str, expected: list[str]
) -> None:
    first, _, _ = text.rpartition(", ")
    labels = {text: "faq/botox_help", first: "faq/what_is_rosacea"}
    labels["can botox help?"] = "faq/botox_help"
    result = _run(text, labels)
    assert _keys(result) == expected


@pytest.mark.parametrize(
    ("alone", "expected"),
    [
        # Barely off topic alone (the Spanish threshold is 0.2): read with the last question.
        ("out_of_scope:0.21", "faq/pain"),
        # Off topic by more: it stays so.
        ("out_of_scope:0.5", "out_of_scope"),
    ],
)
def test_a_short_follow_up_barely_off_topic_is_read_in_context(alone: str, expected: str) -> None:
    previous = _previous("duele?", "faq/pain")
    text = "con que adormecen"
    labels = {text: alone, f"duele? {text}": "faq/pain"}
    assert reading(_run(text, labels, previous)).label == expected


@pytest.mark.parametrize(
    ("along", "expected"),
    [
        # Sure alone that it is off topic, a bare question word still asks about the last topic.
        ("faq/vs_wrinkles", "faq/vs_wrinkles"),
        # Read with the last question, a choice of it and another: the other.
        ("clarify_topic:0.6", "faq/duration"),
    ],
)
def test_a_bare_question_word_asks_about_the_last_topic(along: str, expected: str) -> None:
    previous = _previous("is the botox injected into muscle", "faq/vs_wrinkles")
    text = "how lon then"
    context = f"is the botox injected into muscle {text}"
    labels = {text: "out_of_scope:0.99", context: along}
    options = [{"key": key, "question": "?"} for key in ("faq/vs_wrinkles", "faq/duration")]
    ranking = [
        {"name": "out_of_scope", "confidence": 0.9},
        {"name": "faq/duration", "confidence": 0.05},
    ]
    also: dict[str, dict[str, Any]] = {
        context: {CLARIFY_KEY: options},
        text: {SEMANTIC_KEY: ranking},
    }
    assert reading(_run(text, labels, previous, also=also)).label == expected


@pytest.mark.parametrize(
    ("alone", "semantic", "expected"),
    [
        # Unsure alone, the earlier topic the semantic reading ranks well above the other.
        ("nlu_fallback:0.5", {"faq/triggers": 0.13, "faq/treatments": 0.01}, "faq/triggers"),
        # Too weak a ranking, or no clear lead: as before.
        ("nlu_fallback:0.5", {"faq/triggers": 0.05, "faq/treatments": 0.01}, "nlu_fallback"),
        ("nlu_fallback:0.5", {"faq/triggers": 0.13, "faq/treatments": 0.1}, "nlu_fallback"),
        # Sure alone: its own reading.
        ("out_of_scope:0.95", {"faq/triggers": 0.13, "faq/treatments": 0.01}, "out_of_scope"),
    ],
)
def test_going_back_takes_the_earlier_topic_the_message_names(
    alone: str, semantic: dict[str, float], expected: str
) -> None:
    earlier = (_previous("what triggers rosacea", "faq/triggers"),)
    previous = _previous("what treatments are there", "faq/treatments")
    text = "wait what was the thing about wine again"
    also = {text: {SEMANTIC_KEY: [{"name": k, "confidence": v} for k, v in semantic.items()]}}
    result = _run(text, {text: alone}, previous, also=also, earlier=earlier)
    assert reading(result).label == expected


@pytest.mark.parametrize(
    ("named_confidence", "expected"),
    [
        # Its pronoun named, the question clearly asks about another topic: that topic.
        (0.81, "faq/what_is_rosacea"),
        # Named no clearer: read with the last question, as before.
        (0.4, "not_in_article/other"),
    ],
)
def test_a_follow_up_opener_before_a_clearly_named_question_asks_that_question(
    named_confidence: float, expected: str
) -> None:
    previous = _previous("is rosacea contagious", "not_in_article/other")
    text = "so what is it then"
    named = "so what is rosacea then"
    labels = {
        text: "nlu_fallback:0.38",
        f"is rosacea contagious {text}": "not_in_article/other",
        named: "faq/what_is_rosacea",
    }
    semantic = {named: _semantic("faq/what_is_rosacea", named_confidence)}
    assert reading(_run(text, labels, previous, also=semantic)).label == expected


@pytest.mark.parametrize(
    ("between", "text", "expected"),
    [
        # A follow-up with no topic leaves the thread to the question before it.
        ("coffee too?", "ok what about tequila", "faq/triggers"),
        ("coffee too?", "and tequila?", "faq/triggers"),
        # A message of its own between them ends the thread; so does a text that does not
        # open like a follow-up.
        ("whats the capital of australia", "ok what about tequila", "nlu_fallback"),
        ("coffee too?", "tequila is fine right", "nlu_fallback"),
    ],
)
def test_a_thread_continues_past_a_follow_up_that_had_no_topic(
    between: str, text: str, expected: str
) -> None:
    first = _previous("what triggers the flushing", "faq/triggers")
    previous = {"text": between, "intent": {"name": "out_of_scope", "confidence": 1.0}}
    labels = {text: "nlu_fallback:0.5", f"what triggers the flushing {text}": "faq/triggers"}
    assert reading(_run(text, labels, previous, earlier=(first,))).label == expected
