"""The NLU quality gate, on held-out visitor phrasings the model was never trained on
(tests/data/nlu_heldout.yml, written independently of data/nlu)."""

from __future__ import annotations

import pytest

from bot.evaluation import Report, evaluate, load_examples
from testkit.servers import trained_model
from tests.conftest import DATA

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate(trained_model(), load_examples(DATA / "nlu_heldout.yml"))


def test_the_held_out_set_covers_every_kind_of_message(report: Report) -> None:
    assert report.counts["faq"] >= 200
    assert report.counts["out_of_scope"] >= 200
    assert report.counts["unanswerable"] >= 50
    assert report.counts["emergency"] >= 30


def test_faq_questions_get_the_right_answer(report: Report) -> None:
    # 0.94, not 0.95: an answer the semantic reading does not share is asked about instead of
    # given (bench/results/agreement.json), which took 5 of 214 right answers and all 8 FAQ
    # facts given to off-topic messages.
    assert report.scores["faq_accuracy"] >= 0.94, report.errors["faq_accuracy"]


def test_out_of_scope_messages_go_to_fallback(report: Report) -> None:
    assert report.scores["oos_fallback"] >= 0.97, report.errors["oos_fallback"]


def test_out_of_scope_messages_get_no_faq_answer(report: Report) -> None:
    assert report.scores["oos_no_faq"] >= 0.99, report.errors["oos_no_faq"]


def test_unanswerable_questions_are_handed_off_not_answered(report: Report) -> None:
    assert report.scores["unanswerable_handled"] >= 0.95, report.errors["unanswerable_handled"]


def test_every_emergency_is_routed(report: Report) -> None:
    assert report.scores["emergency_routed"] == 1.0, report.errors["emergency_routed"]
