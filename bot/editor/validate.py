"""`rasa data validate` on a project, its output turned into the editor's problem list."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
SOURCE = "rasa data validate"


def rasa_validate(root: Path, timeout: float = 600) -> list[Problem]:
    result = subprocess.run(
        [
            *(sys.executable, "-m", "rasa", "data", "validate"),
            *("--domain", "domain.yml", "--data", "data", "--config", "config.yml"),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = _ANSI.sub("", result.stdout + "\n" + result.stderr)
    problems = []
    for line in output.splitlines():
        if "UserWarning:" in line and not KNOWN_WARNINGS.search(line):
            message = line.split("UserWarning:", 1)[1].strip()
            problems.append(Problem(SOURCE, None, message, f"rasa-warning:{message}"))
    if result.returncode != 0:
        errors = [
            line.strip()
            for line in output.splitlines()
            if re.search(r"\bERROR\b|Error|error:", line) and "Warning" not in line
        ]
        detail = "; ".join(errors[-5:]) or (output.strip().splitlines() or ["no output"])[-1]
        problems.append(
            Problem(SOURCE, None, f"failed (exit {result.returncode}): {detail}", "rasa-failed")
        )
    return problems
