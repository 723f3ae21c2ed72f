"""Whether a message describes rosacea's signs on the visitor's own skin.

"why does my face go red after curry" shares its food words with off-topic questions ("best hot
sauce brand"), and the semantic reading often calls it off topic. A face that goes red, flushes
or burns is what the article is about, so such a message keeps the FAQ topic both readings name
(`bot/nlu/semantic.py`). Pure text rules, English and Spanish, accents optional.
"""

from __future__ import annotations

import re

_FACE = (
    r"face|faces|cheeks?|nose|chin|forehead|skin|complexion|"
    r"cara|carita|cachetes?|cachetitos?|mejillas?|nariz|frente|piel|rostro|barbilla"
)
_REDNESS = (
    r"red|redder|reddish|redness|flush\w*|blush\w*|burn\w*|hot|tomato|beet|lobster|pink|"
    r"splotchy|blotchy|rash\w*|bumps?|pimples?|"
    r"roj[oa]s?|rojiz[oa]|enrojec\w*|rubor\w*|sonroj\w*|colorad[oa]s?|chapead[oa]s?|"
    r"ard\w*|quem\w*|caliente|granit[oa]s?|manchas?"
)
_WINDOW = r"(?:\W+\w+){0,6}?\W+"  # up to six words between the face and its redness
_ON_THE_FACE = re.compile(
    rf"\b(?:{_FACE}){_WINDOW}(?:{_REDNESS})\b|\b(?:{_REDNESS}){_WINDOW}(?:{_FACE})\b",
    re.IGNORECASE,
)
# Words that name the condition or its episodes outright.
_NAMED = re.compile(
    r"\b(?:rosacea|ros[aá]cea|rosasea|rosacia|flare[\s-]?ups?|flares?|flaring|brotes?)\b",
    re.IGNORECASE,
)


def describes_signs(text: str) -> bool:
    """The face going red, flushing or burning, or the condition named ("flare-up")."""
    return bool(_ON_THE_FACE.search(text) or _NAMED.search(text))
