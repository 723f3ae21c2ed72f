"""Red-flag symptoms that must reach the emergency message whatever the classifier thinks.

The classifier has an `emergency` intent too, but a panicked, misspelled message is exactly where
its confidence is least reliable, so these patterns run on the raw text and win over it.
They err on the side of firing: a general question that names a red-flag symptom gets the
emergency message (which is worded "if you are having ...") followed by the staff offer.
"""

from __future__ import annotations

import re
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
    "weakness": [
        r"\b(?:muscle|body|arms?|legs?|neck|whole body|all over) (?:\w+ ){0,2}"
        r"(?:weak\w*|limp|numb)\b",
        r"\bweak\w* (?:\w+ ){0,3}(?:all over|spreading|in my (?:arms?|legs?|body|neck))",
        rf"\b(?:can'?t|cannot|unable to) (?:lift|hold up|hold) {_WHOSE} (?:arms?|head)\b",
    ],
}

_DROOPING_EYELID = re.compile(_either_order(_EYELID, _DROOP, gap=3))
_COMPILED = {name: [re.compile(p) for p in patterns] for name, patterns in _PATTERNS.items()}

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


@dataclass(frozen=True)
class RedFlag:
    symptoms: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.symptoms)


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(_APOSTROPHES).lower()).strip()


def detect(text: str) -> RedFlag:
    """Which red-flag symptoms `text` describes; a drooping eyelid counts only with another one."""
    clean = normalise(text)
    found = [name for name, patterns in _COMPILED.items() if any(p.search(clean) for p in patterns)]
    if found and _DROOPING_EYELID.search(clean):
        found.append("drooping eyelid")
    return RedFlag(tuple(found))
