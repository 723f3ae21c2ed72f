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
    # Spanish the way visitors type it: no accents, misspelt, colloquial, Spanglish.
    "se me esta cerrando la garganta ayuda",
    "siento q se me cierra la garganta",
    "no puedo respirar bien desde hace rato",
    "me falta el aire y me siento rara",
    "casi no puedo respirar",
    "no puedo jalar aire",
    "batallo para respirar desde la cita",
    "me estoy ahogando",
    "siento que me asfixio",
    "nesecito ayuda no puedo resirar",
    "me silba el pecho cuando respiro",
    "tengo la lengua inchada",
    "se me inflamaron los labios bien feo",
    "los parpados se me hincharon muchisimo despues del botox",
    "se me puso gorda la lengua",
    "la garganta se me esta cerrando",
    "no puedo pasar saliva",
    "se me atora la comida en la garganta",
    "trago con mucha dificultad",
    "veo todo borrozo",
    "estoy viendo doble desde ayer",
    "de repente se me nublo la vista",
    "no veo nada del ojo izquierdo",
    "perdí la vista de un ojo después del relleno",
    "me voy a desmayar",
    "siento que me desmayo",
    "casi me desmayo en el baño",
    "estoy bien mareado y todo me da vueltas",
    "me siento muy mareada",
    "me desmayé",
    "mi mama se desmayo despues del botox",
    "tengo calentura desde que me pusieron el botox",
    "me salio pus del piquete",
    "se me traba la lengua y no se me entiende cuando hablo",
    "no me salen las palabras",
    "arrastro las palabras",
    "hablo como borracha desde hace una hora",
    "se me durmió la cara",
    "no siento la cara",
    "tengo la mitad de la cara dormida",
    "se me chueco la boca de un lado",
    "no puedo mover un lado de la cara",
    "creo que me esta dando una reacion alergica",
    "me dio alergia y me pica mucho la garganta",
    "ronchas por todo el cuerpo y me pica la garganta",
    "choque anafilactico",
    "me llene de ronchitas por todo el cuerpo",
    "siento el pecho apretado",
    "tengo opresion en el pecho",
    "me aprieta el pecho y me cuesta respirar",
    "me puse botox hace 2 dias y ahorita me esta costando mucho respirar q hago",
    "creo que me esta dando un derrame",
    "mi hijo esta convulsionando",
    "no reacciona, esta inconsciente",
    "no puedo breathe bien",
    "tengo swelling en los labios",
    "my garganta se siente cerrada",
    "veo blurry desde el botox",
    # English, misspelt and colloquial.
    "cant catch my breath",
    "shortnes of breath since this morning",
    "struggling to get air in",
    "she's not breathing",
    "my throat is closing up",
    "my tounge is swolen",
    "alergic reaction to the shots",
    "i think its anafalactic shock",
    "my throat is so itchy and my lips tingle",
    "everything is blurry",
    "i see double",
    "blurry vison after botox",
    "words keep coming out wrong",
    "half my face is numb",
    "can't feel my lips",
    "one side of my face is drooping",
    "i feel really dizzy and lightheaded",
    "the room is spinning",
    "tightness in my chest",
    "my chest feels heavy",
    "my mom is having a seizure",
    "he's unconscious",
    "i just fainted",
    "it hurts when i swallow",
    # Signs told indirectly: colour, weight, a crooked smile, jerking, a numb arm.
    "his lips look bluish",
    "like a brick sitting on my chest",
    "my dad's smile went crooked",
    "one side of her face won't move",
    "her arms are jerking and shaking",
    "se me entumio el brazo izquierdo de repente",
    "a mi esposa le dio un ataque y se cayo",
    "se le pusieron los labios azules",
    "mi mama no respira bien",
    "siento un peso enorme en el pecho",
    # Procedures by name, and a procedure followed by when it was done.
    "did microneedling 2 days ago and now i have a fever",
    "the area around the filler is turning grey",
    "se me ampollo la piel despues del laser",
    # The subjunctive after "es normal que": the visitor is reporting it.
    "¿es normal que se me hinche la cara así?",
    "es normal que me cueste respirar despues del botox",
    "es normal que no pueda tragar bien",
]


@pytest.mark.parametrize("text", RED_FLAGS)
def test_red_flags_are_detected(text: str) -> None:
    assert detect(text), text


NOT_RED_FLAGS = [
    # The clinic numbing the skin is part of the visit.
    "do you numb the face first",
    "do u numb my lips before the shots",
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
    # A prediction, not a report: the infinitive is not matched.
    "el botox me va a hinchar la cara?",
    "se me cae el pelo, ustedes tratan eso?",
    "se me cae un poquito el párpado después del botox, es normal?",
    # A pet's symptom is not the visitor's.
    "mi perro no puede respirar bien por el calor",
    "my dog can't breathe well in this heat, any vet nearby?",
    # Someone else's fainting in the past, or a habit, is history rather than an emergency.
    "mi abuela se desmayó el año pasado, ella se puede poner botox?",
    "me desmayo cuando veo agujas, me pueden acostar?",
    "my friend fainted at her wedding years ago, is botox safe for her?",
    "i had a seizure last year, is botox safe for me?",
    "¿el botox causa mareos?",
    "¿es posible que salgan ampollas después del botox?",
    "me siento un poco mareada por no desayunar, a que hora abren?",
    "tengo calentura, puedo ir mañana a mi cita?",
    "me salió un grano con pus en la barbilla, el botox ayuda?",
    "soy alérgica a la penicilina, puedo ponerme botox?",
    "no veo nada sobre los precios en su página",
    "no encuentro la direccion, no veo bien el mapa",
    "me cobraron doble, veo doble cargo en mi tarjeta",
    "no puedo hablar por teléfono ahorita, me pueden escribir?",
    "no puedo hablar inglés, hay alguien en español?",
    "¿puedo estar al aire libre después del botox?",
    "tengo la cara caída por la edad, el botox sirve?",
    "quiero el paquete doble para ojos y frente",
    "no puedo mover mi cita al lunes?",
    "my hair is falling out, can you help",
    "i'm dying to try botox lol",
    "i can't wake up early for a 7am appointment",
    "the photos on your site are blurry",
    "breathing exercises for rosacea flares?",
    # Swelling outside the airway asked about in general, wished away, or what a treatment is for.
    "how long do lips stay swollen after filler?",
    "es normal que los labios queden inflamados despues del relleno?",
    "I want natural lips, not swollen looking",
    "do you do anything for swollen eyelids in the morning?",
    # Numbness from an anaesthetic, breath lost to stairs, an idiom, an appointment missed.
    "my lips were numb for an hour from the anesthetic, totally normal right?",
    "se me durmio la boca con la anestesia del dentista",
    "completely breathless after climbing your stairs lol",
    "me quede sin aire de subir las escaleras",
    "le dio un ataque de risa a mi hermana",
    "I missed my laser appointment yesterday because of a fever",
    "¿es normal que se hinche un poco después?",
    "no quiero que se me hinche la cara para la boda",
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


def test_a_spanish_drooping_eyelid_is_named_with_another_sign() -> None:
    found = detect("se me cae el parpado y veo doble")
    assert set(found.symptoms) == {"vision (es)", "drooping eyelid"}


@pytest.mark.parametrize(
    "text",
    [
        "the redness is spreading all over my face and getting worse",
        "la rojez se me extiende cada vez mas rapido",
        "lo rojo de la mejilla se esta regando y esta caliente",
    ],
)
def test_redness_spreading_now_is_a_sign_without_a_treatment(text: str) -> None:
    assert detect(text).symptoms == ("spreading redness",)


@pytest.mark.parametrize(
    "text",
    [
        "my redness is spreading to my chin over the years and getting worse",
        "my rosacea has spread to my nose, is it getting worse?",
        "does the redness spread and get worse over time",
        "la rosacea se extiende?",
    ],
)
def test_redness_that_spread_over_time_is_not_a_sign(text: str) -> None:
    assert not detect(text)
