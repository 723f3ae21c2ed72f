"""`rasa data validate` on a project, run in process with Rasa's `Validator`, its verdicts and
warnings turned into the editor's problem list.

The same checks `rasa data validate` runs (rasa/cli/utils.py `validate_files` in Rasa 3.6), in
the same order, with Rasa's own filter of the warnings it expects; what each check says is
caught as a warning rather than read back from printed output.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.editor.checks import Problem

# Warnings `rasa data validate` always gives for this design (tests/test_faq_check.py checks
# the repository's data with them): responses that only the form or our actions send look
# unused to it, the retrieval intents are declared in the domain as well as implied by
# data/responses, and the intents the NLU sets itself (bot/nlu/) have no examples.
KNOWN_WARNINGS = re.compile(
    r"The utterance 'utter_(?:ask_handoff_\w+|invalid_\w+|offer_handoff|default|clarify_topic)'"
    r" is not used"
    r"|duplicated intents have been found across multiple domain files: faq, not_in_article"
    r"|The intent '(?:several_questions(?:_mixed)?|clarify_topic)' is listed in the domain file"
)
SOURCE = "rasa data validate"


@contextmanager
def _warnings_caught() -> Iterator[list[str]]:
    """Every UserWarning raised inside, as text, except those Rasa's CLI filters out itself."""
    from rasa.utils.common import EXPECTED_WARNINGS

    said: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        # "always", whatever the process asked for before (Rasa's CLI set-up asks for "once").
        warnings.simplefilter("always")
        for category, message in EXPECTED_WARNINGS:
            warnings.filterwarnings("ignore", message=f".*{message}", category=category)
        yield said
    said.extend(str(w.message).strip() for w in caught if issubclass(w.category, UserWarning))


def _steps(max_history: int | None) -> dict[str, Callable[[Any], bool]]:
    """Rasa's checks by what they check; each False fails the validation."""
    return {
        "domain": lambda v: all(
            [  # a list, not a generator: Rasa runs every check even after one fails
                v.verify_domain_validity(),
                v.verify_actions_in_stories_rules(),
                v.verify_forms_in_stories_rules(),
                v.verify_form_slots(),
                v.verify_slot_mappings(),
            ]
        ),
        "NLU data": lambda v: v.verify_nlu(True),
        "story structure": lambda v: v.verify_story_structure(True, max_history=max_history),
    }


def rasa_validate(root: Path, max_history: int | None = None) -> list[Problem]:
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.validator import Validator

    problems: list[Problem] = []

    def warned(said: list[str]) -> None:
        for message in said:
            if not KNOWN_WARNINGS.search(message):
                problems.append(Problem(SOURCE, None, message, f"rasa-warning:{message}"))

    try:
        with _warnings_caught() as said:
            importer = TrainingDataImporter.load_from_config(
                config_path=str(root / "config.yml"),
                domain_path=str(root / "domain.yml"),
                training_data_paths=[str(root / "data")],
            )
            validator = Validator.from_importer(importer)
            empty = importer.get_domain().is_empty()
    except Exception as error:  # broken files: Rasa's own message says which and why
        return [Problem(SOURCE, None, f"failed: {error}", "rasa-failed")]
    warned(said)
    if empty:
        return [Problem(SOURCE, None, "failed: the domain is empty", "rasa-failed")]
    for what, step in _steps(max_history).items():
        with _warnings_caught() as said:
            good = step(validator)
        if good:
            warned(said)
            continue
        detail = "; ".join(said[-5:]) or "no reason given"
        problems.append(Problem(SOURCE, None, f"failed ({what}): {detail}", "rasa-failed"))
    return problems
