"""Which messages describe rosacea's signs on the visitor's skin (no model)."""

from __future__ import annotations

import pytest

from bot.nlu.signs import describes_signs


@pytest.mark.parametrize(
    ("text", "signs"),
    [
        ("why does my face go red after curry", True),
        ("a glass of red wine makes my cheeks burn for like an hour", True),
        ("every time i drink my face goes tomato red", True),
        ("so what sets off a flare up", True),
        ("q desencadena el rubor de la cara", True),
        ("se me pone la cara bien colorada con el tequila", True),
        ("is botox for rosacea safe", True),  # the condition named
        ("best hot sauce brand", False),
        ("how long does a tattoo take to heal", False),
        ("red wine or white with fish", False),
        ("my car is red and the engine is hot", False),
        ("cuanto cuesta el vino tinto", False),
    ],
)
def test_a_face_going_red_or_the_condition_named(text: str, signs: bool) -> None:
    assert describes_signs(text) is signs
