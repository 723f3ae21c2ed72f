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
    # Same-day signs count when reported after a treatment.
    "I have a fever and the injection site is hot and spreading red",
    "there's pus coming out of one of the injection spots",
    "my skin burns and is blistering where they injected",
    "i passed out after my botox appointment",
    "is it normal to have a fever after my botox?",
    "severe pain at the injection site since yesterday",
    "the skin where they injected is turning black",
    "since the shots my temp is 101 and the spot is sore",
    "so dizzy right now, i think im gonna pass out",
    "she's fainting, what do i do",
    # Spanish, accents or not.
    "desde ayer que me inyectaron tengo fiebre y escalofríos",
    "le salieron ampollas a mi hermana donde le aplicaron la inyección",
    "despues de la cita lo rojo se me esta extendiendo al cuello",
    "me duele muchisimo la frente desde el tratamiento",
    "la zona del piquete se esta poniendo morada despues del botox",
    "tengo los brazos muy debiles y no tengo fuerza para nada",
    "desde el botox hablo raro, como arrastrando las palabras",
    "la inyección tiene pus desde que me la pusieron",
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
    # Questions about a sign, or the sign without a treatment, are not reports of it.
    "can botox cause a fever?",
    "does botox cause blisters",
    "is it possible to get an infection after botox",
    "can you pass out from botox",
    "tylenol dose for a fever in adults",
    "what temperature should the room be for botox storage",
    "will i faint when i see the needle",
    "My daughter's rosacea causes little pus-filled spots on her chin. Would Botox help?",
    "my rosacea redness is spreading to my nose",
    "I had botox and my face burns a bit",
    "my skin is black and I had laser treatment before, can botox help my rosacea",
    "el botox puede causar fiebre?",
    "es posible que salgan ampollas despues del botox",
    "tengo fiebre, puedo ir a mi cita de botox mañana?",
    "mi rosacea se esta extendiendo a la nariz",
    "cuanto dura el botox para la rosacea",
]


@pytest.mark.parametrize("text", NOT_RED_FLAGS)
def test_ordinary_messages_are_not_red_flags(text: str) -> None:
    assert not detect(text), text


def test_detection_names_the_symptoms() -> None:
    found = detect("my eyelid is droopy and I have double vision")
    assert set(found.symptoms) == {"vision", "drooping eyelid"}


def test_after_treatment_signs_are_named() -> None:
    found = detect("got botox 2 days ago and now I have a fever and blisters")
    assert set(found.symptoms) == {"infection", "blistering"}


def test_spanish_after_treatment_signs_are_named() -> None:
    found = detect("me puse botox hace 2 dias y ahora tengo calentura y ampollas")
    assert set(found.symptoms) == {"infection (es)", "blistering (es)"}
