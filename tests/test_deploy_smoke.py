"""The parts of `bot deploy` that need no server or model: which questions the smoke test
asks, how it judges answers, how the previous model is found, and failing early."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot import cli, deploy
from bot.editor import smoke
from bot.editor.project import Files, Project
from bot.editor.snapshot import Snapshot
from tests.conftest import ROOT
from tests.test_faq_cli import copy_project


def parse(label: str, confidence: float = 0.9) -> dict[str, Any]:
    """What Rasa's /model/parse returns, reduced to what the smoke test reads."""
    intent, _, topic = label.partition("/")
    result: dict[str, Any] = {"intent": {"name": intent, "confidence": confidence}}
    if topic:
        result["response_selector"] = {
            intent: {
                "response": {
                    "intent_response_key": label,
                    "utter_action": f"utter_{label}",
                    "confidence": confidence,
                }
            }
        }
    return result


def domain(cases: list[smoke.Case]) -> dict[str, list[dict[str, str]]]:
    """The responses of a model trained on the project's data."""
    return {f"utter_{c.label}": [{"text": c.answer}] for c in cases}


@pytest.fixture(scope="module")
def cases() -> list[smoke.Case]:
    return smoke.cases(Project(ROOT))


def test_every_faq_is_asked_its_conversation_test_and_a_sample(cases: list[smoke.Case]) -> None:
    faqs = Snapshot(Files(Project(ROOT))).faqs()
    tests = [c for c in cases if c.kind == smoke.TEST]
    assert [c.label for c in tests] == [f"faq/{f.topic}" for f in faqs]
    assert all(c.text == f.test_question for c, f in zip(tests, faqs, strict=True))
    for faq in faqs:
        sample = [c for c in cases if c.kind == smoke.EXAMPLE and c.label == f"faq/{faq.topic}"]
        assert len(sample) == smoke.EXAMPLES_PER_TOPIC
        assert {c.text for c in sample} <= set(faq.examples)
        assert {c.answer for c in sample} == {faq.answer}
    assert smoke.cases(Project(ROOT)) == cases  # the same sample every time


def test_right_topic_and_text_passes(cases: list[smoke.Case]) -> None:
    result = smoke.judge(cases, [parse(c.label) for c in cases], domain(cases))
    assert result.passed and not result.failures
    assert (
        result.summary()
        == f"17 conversation tests and 85 example questions: {len(cases)}/{len(cases)} right"
    )


def test_a_failed_conversation_test_fails(cases: list[smoke.Case]) -> None:
    parses = [parse(c.label) for c in cases]
    first_test = next(i for i, c in enumerate(cases) if c.kind == smoke.TEST)
    parses[first_test] = parse("nlu_fallback")
    result = smoke.judge(cases, parses, domain(cases))
    assert not result.passed
    assert str(result.failures[0]).endswith("understood as nlu_fallback")


def test_a_few_missed_examples_are_tolerated_but_not_many(cases: list[smoke.Case]) -> None:
    examples = [i for i, c in enumerate(cases) if c.kind == smoke.EXAMPLE]
    parses = [parse(c.label) for c in cases]
    parses[examples[0]] = parse("nlu_fallback")
    assert smoke.judge(cases, parses, domain(cases)).passed  # 84 of 85 examples
    for index in examples[:10]:
        parses[index] = parse("out_of_scope")
    assert not smoke.judge(cases, parses, domain(cases)).passed  # 75 of 85


def test_the_right_topic_with_the_wrong_text_always_fails(cases: list[smoke.Case]) -> None:
    # A model whose domain answers `dose` with another text: what visitors would get.
    responses = domain(cases)
    responses["utter_faq/dose"] = [{"text": "Some other answer."}]
    result = smoke.judge(cases, [parse(c.label) for c in cases], responses)
    assert not result.passed
    assert all(f.case.label == "faq/dose" for f in result.failures)
    assert len(result.failures) == 1 + smoke.EXAMPLES_PER_TOPIC
    assert "answered 'Some other answer.'" in str(result.failures[0])


def test_the_previous_model_is_found_by_name(tmp_path: Path) -> None:
    project = Project(tmp_path)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "aluma-1.tar.gz").write_bytes(b"x")
    assert deploy.find_previous("aluma-1.tar.gz", project) == tmp_path / "models" / "aluma-1.tar.gz"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "aluma-0.tar.gz").write_bytes(b"x")
    (tmp_path / "models" / deploy.RECORD).write_text(
        json.dumps(
            {
                "model": str(tmp_path / "models" / "aluma-1.tar.gz"),
                "previous": str(elsewhere / "aluma-0.tar.gz"),
            }
        )
    )
    assert deploy.find_previous("aluma-0.tar.gz", project) == elsewhere / "aluma-0.tar.gz"
    assert deploy.find_previous("aluma-9.tar.gz", project) is None


def test_an_unreachable_server_stops_deploy_before_anything_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from testkit.servers import free_port

    monkeypatch.setenv("BOT_RASA_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("RASA_TOKEN", "secret-token-abc")
    project = copy_project(tmp_path / "project")
    code = cli.main(["deploy", "--project", str(project), "--model", str(tmp_path / "x.tar.gz")])
    out = capsys.readouterr().out
    assert code == 1
    assert "error: not deployed: cannot reach the Rasa server" in out
    assert "secret-token-abc" not in out
