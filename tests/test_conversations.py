"""tests/test_stories.yml through `rasa test --fail-on-prediction-errors`, with the server's
fixes: every FAQ, the fallbacks, unanswerable questions, the emergency and the handoff paths,
NLU included."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.evaluation import evaluate, misunderstood, story_examples
from testkit.servers import trained_model
from tests.conftest import ROOT

pytestmark = pytest.mark.model


def test_conversation_stories_pass_without_prediction_errors(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.rasa_server",  # `rasa test` with the server's fixes, as visitors get them
            "test",
            "core",
            "--model",
            str(trained_model()),
            "--stories",
            "tests/test_stories.yml",
            "--endpoints",
            str(tmp_path / "none.yml"),
            "--out",
            str(tmp_path / "results"),
            "--fail-on-prediction-errors",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    failed = tmp_path / "results" / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, details or (result.stdout[-3000:] + result.stderr[-3000:])
    assert "Correct:" in result.stdout + result.stderr


def test_every_visitor_message_in_the_stories_is_understood_as_labelled() -> None:
    # `rasa test` reduces `faq/dose` to `faq` in stories, so the topics are checked here.
    examples = story_examples(ROOT / "tests" / "test_stories.yml")
    wrong = misunderstood(evaluate(trained_model(), examples))
    assert len(examples) > 40
    assert not wrong


def test_every_faq_topic_has_a_conversation_test() -> None:
    stories = (ROOT / "tests" / "test_stories.yml").read_text()
    responses = (ROOT / "data" / "responses" / "faq.yml").read_text()
    topics = [
        line.split("utter_faq/")[1].rstrip(":")
        for line in responses.splitlines()
        if line.strip().startswith("utter_faq/")
    ]
    assert topics
    missing = [t for t in topics if f"intent: faq/{t}\n" not in stories]
    assert not missing
