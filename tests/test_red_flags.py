import pytest

from bot.nlu.red_flags import detect

RED_FLAGS = [
    "I can't breathe properly since my botox this morning",
    "its hard to swalow after the injections",
    "my throat feels tight and scratchy",
    "my lips and tongue are swelling up!!",
    "face is swollen and hot after treatment",
    "I think I'm having a severe allergic reaction",
    "my vision is blurry since the shots",
    "seeing double after my appointment",
    "my eyelid is drooping and my speech is slurred",
    "her eyelid dropped and she has trouble swallowing",
    "cant hold my head up and my arms feel weak all over",
    "shortness of breath after botox",
]


@pytest.mark.parametrize("text", RED_FLAGS)
def test_red_flags_are_detected(text: str) -> None:
    assert detect(text), text


NOT_RED_FLAGS = [
    "How long does Botox for rosacea last?",
    "my eyelid is a bit droopy after botox",  # alone it is a question for staff, not 911
    "what causes the redness on my cheeks",
    "I have an issue with my bill, can I talk to someone",
    "can't see the price anywhere on your site",
    "book a table for two tonight",
    "my face feels tight after the treatment",
    "how do I prevent SQL injection",
]


@pytest.mark.parametrize("text", NOT_RED_FLAGS)
def test_ordinary_messages_are_not_red_flags(text: str) -> None:
    assert not detect(text), text


def test_detection_names_the_symptoms() -> None:
    found = detect("my eyelid is droopy and I have double vision")
    assert set(found.symptoms) == {"vision", "drooping eyelid"}
