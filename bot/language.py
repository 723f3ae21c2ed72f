"""Which language a visitor writes in: English or Spanish, or too short to tell.

Visitors mix in the other language's words ("el botox", "la cita", "appointment"), leave out
accents and write a few words at a time, so a character-level guess on one short message is
unreliable. Here each language's common function words and spellings are counted; a message
is called Spanish or English only when one side clearly leads, and otherwise `None`, which
leaves the conversation's language as it was ("ok", "sí", a phone number, a name).
"""

from __future__ import annotations

import re

ENGLISH, SPANISH = "en", "es"
LANGUAGE_KEY = "language"
LANGUAGE_NAMES = {ENGLISH: "English", SPANISH: "Spanish"}


# Words that are common in one language and rare in the other (after lowercasing, accents kept
# and dropped alike). Shared spellings ("no", "a", "me", "son") are left out.
def _cues(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SPANISH = _cues(
    """
    el la los las un una unos unas del al de que qué q y o pero por para con sin como cómo
    cuanto cuánto cuanta cuánta cuantos cuántos cuantas cuántas cuando cuándo donde dónde
    quien quién cual cuál porque porqué xq pq es está esta están estan son soy estoy hay
    tengo tiene tienen puedo puede pueden podria podría quiero quisiera necesito sirve
    funciona dura duele duelen hace hacen hacer ser estar mi mis tu tus su sus usted ustedes
    yo nosotros ellos ella ellas le les lo se sí si también tambien muy más mas menos mucho
    mucha muchos muchas poco algo nada hola gracias buenos buenas días dias tardes noches
    adiós adios cita citas cara piel rojo roja rojos rojas enrojecimiento rosácea
    tratamiento tratamientos inyección inyecciones aguja agujas unidades precio cuesta
    costo seguro embarazada embarazo dolor después despues antes ahora hoy mañana manana
    semana meses años anos vez veces cosa bien mal mejor peor ayuda ayudar hablar llamar
    persona enfermera médico medico clínica clinica consulta dirección direccion
    teléfono telefono correo nombre causa causas provoca provocan qué pasa sobre entre
    este esta estos estas ese esa eso aquí aqui allí alli ya todavía todavia siempre nunca
    hasta desde cuál cuáles ustedes vale claro dale sale oiga disculpe perdón perdon en
    tienen manejan efectos secundarios receta dinero mando porfa favor pa qué cuánto
    """
)
_ENGLISH = _cues(
    """
    the and or but of to for with without how what when where who which why is are was
    were be been do does did can could would should will have has had my your our their
    it its it's this that these those there here i'm i've you're don't doesn't can't
    about from into after before long much many does hurt last work help thanks thank
    hello hi hey yes yeah okay please face skin red redness treatment treatments needle
    units price cost insurance pregnant pain book appointment address phone email name
    cause causes trigger triggers get got make makes take takes want need know tell
    """
)
ENGLISH_WORDS = _ENGLISH  # the English cue words, for the trained detector in bot/nlu/language.py
_SPANISH_LETTERS = re.compile(r"[ñ¿¡áéíóú]")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
MIN_LEAD = 2  # how many more cue words one language needs, a Spanish letter counting as one


def cue_counts(text: str, more_spanish: frozenset[str] = frozenset()) -> tuple[int, int]:
    """How many Spanish and English cue words `text` holds (a Spanish letter counting as one)."""
    lowered = text.lower()
    words = _WORD.findall(lowered)
    spanish = sum(w in _SPANISH or w in more_spanish for w in words)
    spanish += 1 if _SPANISH_LETTERS.search(lowered) else 0
    return spanish, sum(w in _ENGLISH for w in words)


def is_spanglish(spanish: int, english: int) -> bool:
    """A mixed message from a Spanish speaker: Spanish words among English ones, about as many
    ("how many units pa la rosacea?", "can I make an appointment? o sea como hago cita").
    Spanish speakers borrow English nouns and questions; English speakers rarely borrow two
    Spanish words, so a reply in Spanish is the better guess."""
    return spanish >= 2 and spanish >= english - 1


def detect(text: str) -> str | None:
    """`es`, `en`, or None when the message is too short or mixed to tell."""
    spanish, english = cue_counts(text)
    # One Spanish cue and no English one ("recomiendame una serie") is Spanish too.
    if (spanish - english >= MIN_LEAD) or (spanish >= 1 and english == 0):
        return SPANISH
    if english - spanish >= MIN_LEAD:
        return ENGLISH
    return None
