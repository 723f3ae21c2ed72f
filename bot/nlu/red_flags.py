"""Red-flag symptoms that must reach the emergency message whatever the classifier thinks.

The classifier has an `emergency` intent too, but a panicked, misspelled message is exactly where
its confidence is least reliable, so these patterns run on the raw text and win over it.
They err on the side of firing: a general question that names a red-flag symptom gets the
emergency message (which is worded "if you are having ...") followed by the staff offer.

Signs that need a clinician the same day rather than 911 (fever, pus, blisters, spreading redness,
severe pain, fainting) are words that also appear in ordinary questions ("can Botox cause a fever?",
"pus-filled bumps", "tylenol for a fever"), so they count only when the visitor reports them after
a treatment, not when they ask about them in general.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Words that turn a body function into a complaint: "can't breathe", "hard to swallow".
_TROUBLE = (
    r"(?:can ?not|can'?t|cant|cnt|unable|not able|hard(?:ly)?|barely|trouble|troubles|"
    r"difficult(?:y|ies)?|dificult\w*|struggl\w*|problems?|issues?|having a hard time|"
    r"hurts? to|painful to|short(?:ness)? of|labou?red|gasping|difficulty)"
)
_BREATHE = r"(?:br[ea]{1,2}th\w*|breth\w*|brea?the?\w*|brathe?\w*|bereath\w*)"
_SWALLOW = r"(?:swal+o\w*|swol+ow\w*|swalow\w*|swalo\w*|swallo\w*)"
_SWELL = r"(?:swell\w*|swel\w*|swoll?en\w*|swolen|swolle\w*|puff\w*|balloon\w*|blown up|blew up)"
_THROAT = r"(?:throat|throught|throt|thraot|troat|throut)"
_SWELL_PLACE = rf"(?:{_THROAT}|tongue|lips?|mouth|face|facial|eyes?|eyelids?|cheeks?|neck|airway)"
_WHOSE = r"(?:my|her|his|their|the)"
_EYELID = r"(?:eye ?lids?|eyelids?|eye ?brows?|eye)"
_DROOP = r"(?:droop\w*|drop\w*|sag\w*|ptosis|fallen|falling|hanging|heavy|lower\w*|closing)"


def _near(first: str, second: str, gap: int = 4) -> str:
    """`first`, then up to `gap` words, then `second` (in that order)."""
    return rf"\b{first}\b(?:\W+\w+){{0,{gap}}}?\W+{second}"


def _either_order(a: str, b: str, gap: int = 4) -> str:
    return rf"(?:{_near(a, b, gap)}|{_near(b, a, gap)})"


_PATTERNS: dict[str, list[str]] = {
    "breathing": [
        _near(_TROUBLE, _BREATHE),
        _near(_BREATHE, r"(?:harder|worse|hard|difficult|labou?red|shallow|tight\w*)", gap=3),
        r"\bshort(?:ness)? of br\w*",
        r"\bwheez\w*",
        r"\bgasp\w* for air\b",
        r"\bcan'?t get (?:enough )?air\b",
        r"\bchok(?:e|es|ing)\b",
        r"\bchest (?:is |feels )?(?:tight|closing)\w*",
        r"\bsuffocat\w*",
    ],
    "swallowing": [
        _near(_TROUBLE, _SWALLOW),
        _near(_SWALLOW, r"(?:harder|worse|hard|difficult|painful)", gap=3),
        rf"\bstuck (?:\w+ ){{0,3}}(?:{_SWALLOW}|{_THROAT})",
        r"\b(?:dysphagia)\b",
    ],
    "swelling": [
        _either_order(_SWELL_PLACE, _SWELL, gap=3),
        rf"\b(?:{_THROAT}|airway|tongue) (?:\w+ ){{0,3}}(?:closing|tight|thick)\w*",
    ],
    "allergic reaction": [
        r"\banaph\w*",
        r"\bana?phyla\w*",
        r"\ballerg\w* (?:reaction|attack|shock)\b",
        r"\bepi ?pen\b",
        r"\bhives\b",
    ],
    "vision": [
        r"\b(?:blurr?(?:y|ed|ing)?|blury|double|doubled|lost|losing|loss of|dim|fuzzy) "
        r"(?:\w+ )?(?:vision|visions|eyesight|sight)\b",
        r"\b(?:vision|eyesight|sight) (?:\w+ ){0,3}(?:blur\w*|double|doubl\w*|gone|dark\w*|"
        r"went|changed|weird|fuzzy)",
        r"\bseeing (?:double|two of|everything twice)\b",
        r"\b(?:can'?t|cannot|cant|unable to) see "
        r"(?:properly|clearly|well|straight|anything|right|out)",
        r"\b(?:hard to|trouble|difficulty|problems?|struggling to) (?:see|seeing|focus\w*)\b",
        r"\beyes? (?:\w+ ){0,2}(?:blurr?\w*|fuzzy)",
        r"\bblind\w*\b",
        r"\bdiplopia\b",
        r"\b(?:vision|eyesight|sight) (?:problems?|issues?|trouble)\b",
    ],
    "speech": [
        r"\bslurr?\w*",
        r"\b(?:trouble|hard|difficult\w*|struggl\w*|problems?) (?:to )?(?:speak|talk)\w*",
        r"\b(?:can'?t|cannot|unable to) (?:speak|talk) (?:properly|clearly|right|normally)",
        r"\b(?:speech|voice) (?:is |sounds |seems )?(?:\w+ )?"
        r"(?:weird|strange|off|slow|garbled|funny)",
    ],
    "chest pain": [
        r"\bchest (?:pains?|hurt\w*|pressure|tightness|is tight|feels tight|squeez\w*)",
        r"\bpains? in (?:my |the )?chest\b",
        r"\bheart attack\b",
        r"\b(?:having|had|think i'?m having) a stroke\b",
    ],
    # Fainting happening now, with or without a treatment ("about to faint", "i'm passing
    # out"); fainting asked about in general stays an after-treatment sign below.
    "fainting now": [
        r"\b(?:about to|going to|gonna|goin to) (?:faint|pass out|black out|collapse)\b",
        r"\b(?:i'?m|im|i am|she'?s|he'?s) (?:fainting|passing out|blacking out|collapsing)\b",
        r"\bi (?:keep|kept) (?:fainting|passing out|blacking out)\b",
        r"\bi (?:feel|am feeling|'m feeling) (?:like )?(?:i'?m )?(?:going to |gonna )?faint\b",
    ],
    "weakness": [
        r"\b(?:muscle|body|arms?|legs?|neck|whole body|all over) (?:\w+ ){0,2}"
        r"(?:weak\w*|limp|numb)\b",
        r"\bweak\w* (?:\w+ ){0,3}(?:all over|spreading|in my (?:arms?|legs?|body|neck))",
        rf"\b(?:can'?t|cannot|unable to) (?:lift|hold up|hold) {_WHOSE} (?:arms?|head)\b",
    ],
}

# Spanish, accents optional: the same symptoms, reported the way Spanish speakers write them.
_PATTERNS["breathing (es)"] = [
    r"\b(?:no puedo|no pued[oe]|me cuesta|dificultad (?:para|al)|trabajo para|problemas? para)"
    r" (?:\w+ )?respirar",
    r"\bme (?:estoy )?ahog(?:o|ando)\b",
    r"\bfalta de aire\b|\bsin aire\b|\bno me entra (?:el )?aire\b",
]
_PATTERNS["swallowing (es)"] = [
    r"\b(?:no puedo|me cuesta|dificultad (?:para|al)|problemas? para) (?:\w+ )?tragar",
]
_PATTERNS["swelling (es)"] = [
    r"\bhinch(?:a|ada|ado|adas|ados|ando|o|ó|azon|azón)\b(?:\W+\w+){0,4}?\W+"
    r"(?:garganta|lengua|labios?|cara|ojos?|parpados?|párpados?|boca|cuello)",
    r"\b(?:garganta|lengua|labios?|cara|ojos?|boca|cuello)\b(?:\W+\w+){0,3}?\W+"
    r"(?:hinch\w*|inflam\w*)",
    r"\b(?:cierra|cerrando|cerro|cerrado|cerrada) (?:\w+ )?garganta\b|\bgarganta cerrada\b",
]
_PATTERNS["allergic reaction (es)"] = [
    r"\breacci[oó]n al[eé]rgica\b",
    r"\banafila\w*",
    r"\b(?:urticaria|ronchas)\b",
]
_PATTERNS["vision (es)"] = [
    r"\b(?:nubl\w*|borros\w*) (?:\w+ )?(?:la )?vista\b|\bvista (?:\w+ )?(?:nublada|borrosa)\b",
    r"\bveo (?:doble|borroso|nublado|todo borroso)\b",
    r"\bvisi[oó]n (?:doble|borrosa|nublada)\b",
    r"\bno (?:puedo ver|veo) (?:bien|nada|claro)\b",
]
_PATTERNS["chest pain (es)"] = [
    r"\bdolor (?:en el|de|del) pecho\b|\bme duele el pecho\b|\bpresi[oó]n en el pecho\b",
    r"\bataque (?:al coraz[oó]n|card[ií]aco)\b|\binfarto\b",
]
_PATTERNS["speech (es)"] = [
    r"\b(?:no puedo|me cuesta|dificultad para|problemas? para) (?:hablar|pronunciar|articular)\b",
    r"\b(?:hablo|habla|hablando) (?:\w+ )?(?:raro|arrastrando|trabad\w*|enredad\w*)",
]
_PATTERNS["weakness (es)"] = [
    r"\b(?:brazos?|piernas?|cuerpo|cuello|musculos?) (?:\w+ ){0,2}"
    r"(?:debil\w*|dormid\w*|entumid\w*|sin fuerzas?)\b",
    r"\b(?:no tengo|sin|me quede sin|perdi(?:endo)? (?:la )?) ?fuerzas? (?:en|para)\b",
    r"\bdebilidad (?:muscular|en (?:los|las|el|todo))\b",
    r"\bno (?:puedo|puede) (?:levantar|sostener) (?:los brazos|el brazo|la cabeza)\b",
]
_PATTERNS["fainting (es)"] = [r"\bme desmay[eéoó]\w*|\bdesmayo\b|\bperd[ií] el conocimiento\b"]

_DROOPING_EYELID = re.compile(_either_order(_EYELID, _DROOP, gap=3))


def _compile(groups: dict[str, list[str]]) -> dict[str, list[re.Pattern[str]]]:
    return {name: [re.compile(p) for p in patterns] for name, patterns in groups.items()}


_COMPILED = _compile(_PATTERNS)

_TREATMENT = (
    r"(?:botox|botx|tox|injections?|injects?|shots?|jabs?|treatments?|appointment|appt|procedure)"
)
# The message is about a treatment the person has had, not a general health question.
_AFTER_TREATMENT = re.compile(
    rf"\b(?:after|since|from) (?:\S+ ){{0,2}}{_TREATMENT}\b"
    rf"|\b(?:had|got|getting|having) (?:my |the |a |her |his |some )?(?:\S+ )?{_TREATMENT}\b"
    r"|\binjection (?:site|spot|point|area)s?\b|\binjected (?:area|spot|site|point)s?\b"
    r"|\bwhere (?:\S+ ){0,2}inject\w*"
    # Spanish: "después del botox", "desde que me inyectaron", "donde me pusieron el botox".
    r"|\b(?:despues|desde|luego) (?:de |del |de la |de las |de los |que )?(?:\S+ ){0,3}"
    r"(?:botox|inyecci\w*|inyect\w*|tratamiento|cita|procedimiento|aplicacion|piquetes?)\b"
    r"|\b(?:piquetes?|sitio|zona|lugar|punto|puntos) (?:de (?:la |las )?|del? )"
    r"(?:inyecci\w*|piquetes?|botox)"
    r"|\b(?:me|le|nos|les) (?:la |lo |las |los )?"
    r"(?:pusieron|puso|inyectaron|aplicaron|picaron)\b"
    r"|\b(?:me|se) (?:puse|puso|pusieron|hice|hizo) (?:el |la |un |una )?"
    r"(?:botox|inyeccion|tratamiento)"
)
# A general question ("can Botox cause blisters?") rather than a report ("I have blisters").
_QUESTION_OPENER = re.compile(
    r"^(?:can|could|does|do|will|would|might|may|should|is there|are there|what if|"
    r"how (?:likely|common|often)|is it (?:possible|common|likely|usual|rare)|"
    r"(?:el botox |la inyeccion )?(?:puede|pueden|podria|causa|provoca|da)|"
    r"es (?:normal|posible|comun)|que pasa si|hay riesgo)\b"
)
_REPORT = re.compile(
    r"\b(?:i have|i'?ve|i'?m|i am|i got|i feel|i noticed|i see|i just|my|mine|"
    r"(?:she|he|they)(?: has| have|'s| is| are)|her|his|their|"
    r"tengo|tiene|me|mi|mis|le|su|sus|estoy|esta|siento)\b"
)
_SKIN = r"\b(?:skin|area|spot|site|patch) (?:\w+ ){0,4}"
_AFTER_TREATMENT_SIGNS: dict[str, list[str]] = {
    "fainting": [
        r"\b(?:passed out|passing out|pass out|fainted|fainting|feel(?:ing)? faint|black(?:ed|ing) "
        r"out|unconscious|unresponsive|seizures?|convuls\w*)\b",
    ],
    "infection": [
        r"(?<!hay )(?<!yellow )\bfever\w*|\bfeverish\b|\bchills\b|\bhigh temperature\b",
        # A fever given as a reading: "a temperature of 102", "temp is 38.5", "running a temp".
        r"\b(?:temperature|temp)\b (?:of |is |was |at |around )?(?:10[0-9]|3[89])\b"
        r"|\brunning a (?:temperature|temp)\b",
        r"\bpus\b(?![- ]?filled)|\booz\w*|\bdischarg\w*",
        r"\binfect(?:ed|ion)\b",
        r"\b(?:hot|warm) to (?:the )?touch\b",
        _either_order(
            r"(?:red\w*|rash\w*|swell\w*|swollen|pain\w*|warmth|hot)",
            r"(?:spread\w*|streak\w*)",
            gap=4,
        ),
    ],
    "blistering": [r"\bblister\w*"],
    "severe pain": [
        r"\b(?:severe|intense|excruciating|unbearable|extreme|horrible|terrible|worsening) "
        r"(?:\w+ )?(?:pain|ache|aching|throbbing)\b",
        r"\bpain\b (?:\w+ ){0,3}(?:getting worse|worse and worse|unbearable|severe)",
    ],
    # "Is black" describes a skin tone, so black counts only as a change ("turning black").
    "skin colour change": [
        rf"{_SKIN}(?:turn\w*|going|gone|went|is|looks) (?:\w+ )?"
        r"(?:white|grey|gray|blue|purple|dusky|mottled)\b",
        rf"{_SKIN}(?:turn\w*|going|gone|went) (?:\w+ )?black\b",
    ],
}
# Spanish: the same signs, as Spanish speakers report them ("me salieron ampollas").
_AFTER_TREATMENT_SIGNS["infection (es)"] = [
    r"\b(?:fiebre|calentura|escalofrios)\b",
    r"\bpus\b|\bsupura\w*|\binfectad[oa]s?\b|\binfeccion\b",
    r"\bcaliente al (?:tacto|tocar)\b",
    _either_order(
        r"(?:roj\w*|enrojec\w*|hinchaz\w*|dolor|rash|sarpullido)",
        r"(?:extend\w*|regand\w*|rega\w*|propag\w*|expand\w*|corriendo)",
        gap=5,
    ),
]
_AFTER_TREATMENT_SIGNS["blistering (es)"] = [r"\bampolla\w*|\bvejiga\w*|\bllagas?\b"]
_AFTER_TREATMENT_SIGNS["weakness (es)"] = [r"\bdebil\w*|\bsin fuerzas?\b"]
_AFTER_TREATMENT_SIGNS["severe pain (es)"] = [
    r"\b(?:dolor|hinchazon|hinchad[oa]|caliente) (?:\w+ ){0,4}"
    r"(?:empeor\w*|peor|cada vez mas|aumenta\w*)",
    r"\bdolor (?:muy |bien |super )?(?:fuerte|intenso|insoportable|terrible|horrible|tremendo)",
    r"\bme duele (?:\w+ ){0,3}(?:muchisimo|horrible|cada vez mas|insoportable)",
]
_AFTER_TREATMENT_SIGNS["skin colour change (es)"] = [
    r"\b(?:piel|zona|area|parte) (?:\w+ ){0,4}(?:se (?:puso|pone|esta poniendo|volvio) |esta )"
    r"(?:\w+ )?(?:blanc|gris|azul|morad|negr)\w*",
]
_COMPILED_AFTER_TREATMENT = _compile(_AFTER_TREATMENT_SIGNS)

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


@dataclass(frozen=True)
class RedFlag:
    symptoms: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.symptoms)


def normalise(text: str) -> str:
    """Lower case, straight apostrophes, no accents (Spanish is often typed without them)."""
    bare = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).lower())
    bare = "".join(c for c in bare if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", bare).strip()


def detect(text: str) -> RedFlag:
    """Which red-flag symptoms `text` describes; a drooping eyelid counts only with another one."""
    clean = normalise(text)
    found = _matching(_COMPILED, clean)
    if _reports_after_treatment(clean):
        found += _matching(_COMPILED_AFTER_TREATMENT, clean)
    if found and _DROOPING_EYELID.search(clean):
        found.append("drooping eyelid")
    return RedFlag(tuple(found))


def _matching(groups: dict[str, list[re.Pattern[str]]], clean: str) -> list[str]:
    return [name for name, patterns in groups.items() if any(p.search(clean) for p in patterns)]


def _reports_after_treatment(clean: str) -> bool:
    if not _AFTER_TREATMENT.search(clean):
        return False
    return _REPORT.search(clean) is not None or _QUESTION_OPENER.search(clean) is None
