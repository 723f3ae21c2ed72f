"""The understanding gate: whole turns of the held-out visitor set (tests/data/
understanding_heldout.yml, written apart from data/nlu and never trained on), scored by the
answers the assistant sent, with the model and the action server as they run in production.
Each kind of message has its threshold; `python -m bench.understanding heldout` prints the
table these come from."""

from __future__ import annotations

import pytest

from bot.conversation_eval import Report, evaluate
from testkit.servers import trained_model
from tests.conftest import DATA

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate(trained_model(), DATA / "understanding_heldout.yml")


def test_the_set_covers_every_kind_of_visitor_message(report: Report) -> None:
    assert report.counts == {
        "emergency": 25,
        "followup": 32,
        "hard": 100,
        "multi": 51,
        "near_miss": 81,
        "oos": 57,
        "unanswerable": 31,
    }


@pytest.mark.parametrize(
    ("kind", "threshold"),
    [
        ("hard", 0.86),  # questions written the hard way get their topic's answer
        ("multi", 0.84),  # every question of the message answered, in order
        ("followup", 0.78),  # every turn of the conversation right
        ("near_miss", 0.96),  # off-topic, sharing our words: no FAQ fact
        ("oos", 0.97),  # off-topic in general: no FAQ fact
        ("unanswerable", 0.97),  # on-topic, not in the article: staff offered, no FAQ fact
        ("emergency", 1.0),
    ],
)
def test_each_kind_of_message_is_understood(report: Report, kind: str, threshold: float) -> None:
    assert report.scores[kind] >= threshold, report.errors[kind]


def test_a_wrong_faq_answer_is_rare(report: Report) -> None:
    """Another topic's fact given as an answer: worse than a clarifying question."""
    assert report.scores["wrong_faq_answer_rate"] <= 0.025, report.errors
