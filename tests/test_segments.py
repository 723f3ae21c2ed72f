"""How a message divides into questions and whether it leans on the previous turn (no model)."""

from __future__ import annotations

import pytest

from bot.nlu.segments import (
    asks_besides,
    ends_leaning,
    is_elliptical,
    is_fragment,
    leans_on_context,
    names_new_question,
    reads_as_question,
    split_questions,
    typed_suggestion,
    with_subject,
    without_story,
)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("how many units and does it hurt?", ["how many units", "does it hurt?"]),
        ("what causes it and what should I avoid", ["what causes it", "what should I avoid"]),
        ("Does it help? Also, where are you?", ["Does it help?", "Also where are you?"]),
        ("wat causes rosacea n wat triggers it", ["wat causes rosacea", "wat triggers it"]),
        ("whats the phone number and the address", ["whats the phone number", "whats the address"]),
        # Contractions typed without their apostrophe still ask.
        ("whos a candidate and wheres the clinic", ["whos a candidate", "wheres the clinic"]),
        ("how many units how long does it last", ["how many units", "how long does it last"]),
        # Spanish questions of a word or two, typed one after another.
        ("duele cuanto cuesta cuanto dura", ["duele", "cuanto cuesta", "cuanto dura"]),
        # Spanish: one question word, or a request, asking for two things.
        ("cual es el telefono y la direccion", ["cual es el telefono", "cual es la direccion"]),
        ("me da el telefono y la direccion", ["me da el telefono", "me da la direccion"]),
        # A question word behind a preposition still opens a question.
        ("en que se diferencia, y duele?", ["en que se diferencia", "duele?"]),
        ("is it safe and for how long does it work", ["is it safe", "for how long does it work"]),
        # Spanish yes/no questions have no question word: a last clause ending in "?" after one.
        ("como es la cita, me adormecen?", ["como es la cita", "me adormecen?"]),
        ("duele y cuanto dura", ["duele", "cuanto dura"]),
        ("que tratamientos hay y botox es mejor?", ["que tratamientos hay", "botox es mejor?"]),
        # A request is a question too ("describe", "walk me through").
        ("describe the visit plus where are you", ["describe the visit", "where are you"]),
        # A count of what follows ("two questions -") is no statement in front of the first.
        (
            "two questions - where are you, and is there parking?",
            ["two questions - where are you", "is there parking?"],
        ),
        ("quick q: how many units, and does it hurt", ["quick q: how many units", "does it hurt"]),
        (
            "dos preguntas: donde estan, y cuanto dura?",
            ["dos preguntas: donde estan", "cuanto dura?"],
        ),
        # A yes/no question typed straight after a sentence with its own verb.
        ("how common is rosacea is it genetic", ["how common is rosacea", "is it genetic"]),
        ("does it hurt do you numb the skin first", ["does it hurt", "do you numb the skin first"]),
        ("whats the address is there parking", ["whats the address", "is there parking"]),
        (
            "whats the dose how long does it work how do i book",
            ["whats the dose", "how long does it work", "how do i book"],
        ),
        (
            "how many units how long it lasts does it hurt",
            ["how many units", "how long it lasts", "does it hurt"],
        ),
        (
            "im 3 months pregnant can i get it. how long does it last",
            ["im 3 months pregnant can i get it.", "how long does it last"],
        ),
        # "+" joins questions too, and "r u" asks like "are you".
        ("what causes rosacea + is it common", ["what causes rosacea", "is it common"]),
        ("r u open sundays + can i text to book", ["r u open sundays", "can i text to book"]),
        # Spanish yes/no questions open with the verb; "otra cosa" starts another question.
        (
            "duele el piquete otra cosa aceptan aseguranza",
            ["duele el piquete", "aceptan aseguranza"],
        ),
        # A statement closed by "or not" asks.
        (
            "estoy amamantando se puede o no y como saco la cita",
            ["estoy amamantando se puede o no", "como saco la cita"],
        ),
        # A yes/no verb after a question word and its noun is that question's own.
        (
            "does it hurt how many units do you use and does insurance cover it",
            ["does it hurt", "how many units do you use", "does insurance cover it"],
        ),
        (
            "I have rosacea. My face is red. How long does it last? Is it safe?",
            ["I have rosacea. My face is red. How long does it last?", "Is it safe?"],
        ),
        # Asking for an appointment, "but" and "y tambien saber si" before a question.
        (
            "i want to book but first is dysport just as good",
            ["i want to book", "is dysport just as good"],
        ),
        (
            "quiero hacer cita y tambien saber si manejan xeomin",
            ["quiero hacer cita", "saber si manejan xeomin"],
        ),
        # Spanish typed short: "q" (qué), "xq" (por qué), "a q"; a clause closed by "se puede".
        ("q es la rosacea y xq da", ["q es la rosacea", "xq da"]),
        (
            "donde queda la clinica y a q numero mando text",
            ["donde queda la clinica", "a q numero mando text"],
        ),
        (
            "soy buena candidata? y si estoy dando pecho se puede",
            ["soy buena candidata?", "y si estoy dando pecho se puede"],
        ),
        # A short request asks as a question does.
        ("phone number pls and whats the address", ["phone number pls", "whats the address"]),
        ("address pls. also is there parking", ["address pls.", "is there parking"]),
        # Spanish: "si" (whether) and a verb, a question word put last, a yes/no question as a
        # statement with "?", and whether the treatment does something, in a statement's order.
        ("cuanto cuesta y si duele mucho", ["cuanto cuesta", "si duele mucho"]),
        (
            "tienen horario los domingos? y la direccion cual es",
            ["tienen horario los domingos?", "y la direccion cual es"],
        ),
        (
            "lo ponen en el musculo como pa las arrugas? y cuantas unidades",
            ["lo ponen en el musculo como pa las arrugas?", "cuantas unidades"],
        ),
        (
            "el botox sirve pa la rosacea otra cosa aceptan kaiser",
            ["el botox sirve pa la rosacea", "aceptan kaiser"],
        ),
        (
            "I'd like to set up a treatment, and do you carry Daxxify as well?",
            ["I'd like to set up a treatment", "do you carry Daxxify as well?"],
        ),
        (
            "im breastfeeding, is that ok? and if so how do i book",
            ["im breastfeeding is that ok?", "and if so how do i book"],
        ),
    ],
)  # fmt: skip
def test_several_questions_are_cut_in_the_visitors_order(text: str, parts: list[str]) -> None:
    assert split_questions(text) == parts


@pytest.mark.parametrize(
    "text",
    [
        "how long does it last",
        "can you avoid spicy food and alcohol?",
        "what causes redness and flushing",
        "how long does the numbing and the injection take",
        "can you tell me what causes it",
        "ok so my cheeks have been red since my 20s and a friend said botox?? what does it do",
        "every time i drink wine my face goes red, is that rosacea",
        "is rosacea just red cheeks or is there more to it",
        "what does it do",
        "me da miedo la aguja y el dolor",  # "it scares me": a feeling, not a request
        "no se cuanto cuesta",  # "I don't know how much it costs": no question before it
        # A story in front of a yes/no question, and a choice between two things, are one question.
        "cada vez que tomo vino se me pone roja la cara, es rosacea?",
        "es rosacea o es alergia?",
        "y si me lo pongo antes de la boda?",  # "and if": a condition, not "whether"
        "its not that red but is it rosacea",  # "but" after a statement: its context
        "is it different from wrinkle botox, the one for lines?",
        # A question word with only a noun before "do you" is one question, not two.
        "how many units do you use",
        "what kind of needle do you use",
        "how much botox will i need",
        "i want to know does it hurt",
        "how long is it",
        "things are bad, how long does it last",  # "things" that are no count of questions
        # A comparison names two things, and Spanish "que" and "como" without accents join.
        "cual es la diferencia entre el botox cosmetico y el de rosacea",
        "whats the difference between wrinkle botox and rosacea botox",
        "es el mismo procedimiento que el botox de arrugas o cambia algo",
        "es igual como el botox de las arrugas",
        # "do it" is an order, not a question.
        "my husband finally said just do it already. so how do i actually book",
    ],
)
def test_one_question_stays_whole(text: str) -> None:
    assert split_questions(text) == [text]


def test_a_story_in_front_of_a_question_is_its_context() -> None:
    text = "my cheeks burn after wine. my sister has it too. is it genetic?"
    assert split_questions(text) == [text]


@pytest.mark.parametrize(
    ("text", "question"),
    [
        (
            "had pad thai extra hot last night and woke up bright red. is spicy food a trigger",
            "is spicy food a trigger",
        ),
        # A question word and two more words ask a whole question, however short.
        ("ok ill call them. whats the address", "whats the address"),
        # Three words of context are enough to carry the whole's reading away.
        (
            "before anyone tries botox, what do doctors normally suggest for rosacea",
            "what do doctors normally suggest for rosacea",
        ),
        (
            "my sister has it and so does my mom, how many people have rosacea",
            "how many people have rosacea",
        ),
        # No story: a short opener, or no statement at all.
        ("hi there. how common is rosacea", None),
        ("how common is rosacea", None),
        # The question needs the story: a pronoun, or four words or fewer naming nothing.
        ("my dog has red itchy skin on his face. can botox help with that at all", None),
        ("i literally fainted at my covid shot lol. ouch factor??", None),
        ("my dog has red itchy skin on his face. can botox help it", None),
        # A pronoun that is the subject after what the question named points at that.
        (
            "ive had this for 6 yrs, cut out dairy and gluten. does anybody know what causes "
            "rosacea or is it just a mystery",
            "does anybody know what causes rosacea or is it just a mystery",
        ),
        # A pronoun for what the story named is named.
        (
            "my mother in law keeps saying my red cheeks are just rosacea. what is it actually",
            "what is rosacea actually",
        ),
        ("my sister got botox for her rosacea and loved it. does it hurt?", "does botox hurt?"),
        # Four words that name the treatment stand alone.
        (
            "tengo años con los cachetes rojos y ya probe de todo, cremas. el botox si sirve?",
            "el botox si sirve?",
        ),
        # A story and its question in one sentence: the last clause that asks, after a comma.
        (
            "mi comadre me mando este link por el whats, neta el botox ayuda con la rosacea?",
            "neta el botox ayuda con la rosacea?",
        ),
        # A story told after the question is not cut off.
        ("does botox for sweaty armpits really work? asking for my husband", None),
        # Two questions are the splitter's.
        ("my face is red all the time. what causes it and how common is it", None),
    ],
)
def test_the_question_behind_a_story_stands_without_it(text: str, question: str | None) -> None:
    assert without_story(text) == question


def test_more_than_three_questions_are_left_whole() -> None:
    text = "what is it? what causes it? can botox help? how long does it last?"
    assert split_questions(text) == [text]


@pytest.mark.parametrize(
    ("text", "elliptical"),
    [
        ("and wine?", True),
        ("what about the mites, what do they do?", True),
        ("how about alcohol", True),
        ("so is botox any better?", True),
        ("what triggers flare-ups?", False),
        ("my cat has mites", False),
    ],
)
def test_follow_ups_are_recognised_by_how_they_open(text: str, elliptical: bool) -> None:
    assert is_elliptical(text) is elliptical


def test_a_follow_up_may_still_ask_a_whole_new_question() -> None:
    assert names_new_question("and where are you located?")
    assert names_new_question("so is botox any better?")
    assert not names_new_question("and wine?")
    assert not names_new_question("what about the mites, what do they do?")
    # Spanish needs fewer words: a verb makes "y duele?" a question of its own.
    assert names_new_question("y duele?")
    assert names_new_question("y cuanto dura?")
    assert not names_new_question("y cuanto?")
    assert not names_new_question("y el vino?")


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("actually never mind, how long does it last", True),
        ("the units?", True),
        ("ok so what is rosacea", True),
        ("a friend of mine told me that botox is the best thing ever??", False),
        ("Sam Lee", False),
        ("que diga que no duele", False),  # what something should say, not "qué"
        ("que dura mas, el botox o las cremas?", True),
        ("and if so how do i book", True),
        ("si es asi, como saco cita", True),
        ("y si no q otros tratamientos hay", True),
    ],
)
def test_questions_are_read_past_their_openers(text: str, question: bool) -> None:
    assert reads_as_question(text) is question


@pytest.mark.parametrize(
    ("text", "leaning"),
    [
        ("how thick is the needle then", True),
        ("so is botox any better then?", True),
        ("the needles tho?", True),
        ("y cuanto dura entonces", True),
        ("how thick is the needle", False),
        ("then how long does it last", False),  # an opener, read as a follow-up by its start
    ],
)
def test_a_closing_then_leans_on_the_previous_turn(text: str, leaning: bool) -> None:
    assert ends_leaning(text) is leaning
    assert leans_on_context(text) or not leaning


@pytest.mark.parametrize(
    ("question", "before", "named"),
    [
        # The page's subject when nothing was named, the treatment for what a treatment does.
        ("what sets it off", "what causes it", "what sets rosacea off"),
        ("why do i have this in the first place", "", "why do i have rosacea in the first place"),
        ("how long does it last", "", "how long does botox last"),
        ("does it even work?", "i'm pregnant, can i get it", "does botox even work?"),
        # The last thing named before it.
        ("is it genetic", "does botox help with the redness", "is rosacea genetic"),
        ("is it safe", "what do the injections involve", "is botox safe"),
        # A study named last is what "it" asks about, unless it asks what a treatment does.
        ("what did it find", "which paper is this", "what did the study find"),
        ("who published it", "is there research on this", "who published the study"),
        ("does it work", "which study is this", "does botox work"),
        # A pronoun in front of what it names, none at all, or a long question.
        ("is this treatment safe", "", None),
        ("how many units", "", None),
        ("so my cheeks go red when it is hot out and i wonder what that means", "", None),
        # Spanish: what a treatment does, its subject left out, is the treatment's.
        ("y eso cuanto dura", "", "y eso cuanto dura el botox"),
    ],
)
def test_a_pronoun_is_named_by_what_came_before(
    question: str, before: str, named: str | None
) -> None:
    assert with_subject(question, before) == named


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("how lon", True),
        ("how deep then", True),
        ("ok how much?", True),
        ("cada cuanto?", True),
        ("where", True),
        ("with what?", True),
        # A question with its own words, or a thing named.
        ("how are you", False),
        ("whats the weather", False),
        ("how long does it last", False),
    ],
)
def test_a_bare_question_word_is_a_fragment(text: str, fragment: bool) -> None:
    assert is_fragment(text) is fragment


@pytest.mark.parametrize(
    ("question", "before", "named"),
    [
        # Spanish leaves its subject out: the one named last goes at the end.
        ("y es de familia?", "que es eso de la rosacea?", "y es de familia la rosacea?"),
        ("de que año es?", "en que estudio se basan", "de que año es el estudio?"),
        # What a treatment does is the treatment's, whatever was named.
        ("y duele?", "que causa la rosacea", "y duele el botox?"),
        # Nothing named, a subject of its own, or "eso" pointing at the answer: left.
        ("es dermatologo?", "", None),
        ("y el botox es caro?", "que es la rosacea", None),
        ("y eso es de familia?", "que es la rosacea", None),
    ],
)
def test_a_spanish_question_gets_the_subject_it_leaves_out(
    question: str, before: str, named: str | None
) -> None:
    assert with_subject(question, before, answered=True) == named


def test_after_an_answer_only_it_is_named() -> None:
    # "that" after the dose points at the number just given, not at rosacea.
    assert with_subject("is that per cheek or total", "what is the dose", answered=True) is None
    assert with_subject("why do i have this", "what is rosacea", answered=True) is None
    named = with_subject("is it genetic", "what is rosacea", answered=True)
    assert named == "is rosacea genetic"


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("and what did it find", 0),
        ("y que encontro?", 1),  # typed without the accents and the opening mark
        ("ok usual treatments pls", 2),
        # More than two words besides, or a word of the title missing.
        ("how long does it last after the second round", None),
        ("what did the study find", None),
    ],
)
def test_a_suggestion_is_recognised_when_typed(text: str, index: int | None) -> None:
    titles = ["What did it find?", "¿Qué encontró?", "Usual treatments", "How long does it last?"]
    assert typed_suggestion(text, titles) == index


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("thx. and the phone", True),
        ("gracias, y el telefono?", True),
        ("thanks!", False),
        ("thank you so much, bye", False),
    ],
)
def test_a_question_besides_thanks_is_found(text: str, asks: bool) -> None:
    assert asks_besides(text) is asks
