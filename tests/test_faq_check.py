"""`bot faq check` catches each problem it claims to catch, and points at the file and line.

Each case breaks a clean copy of the project in one way (as a hand edit would) and expects the
check to fail with a message naming the place."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import cli
from bot.editor import validate
from tests.test_faq_cli import copy_project

Breakage = Callable[[Path], object]


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def last_line_of(path: Path, text: str) -> int:
    lines = path.read_text().splitlines()
    return max(n for n, line in enumerate(lines, 1) if line == text)


def faq_nlu(root: Path) -> Path:
    return root / "data" / "nlu.yml"


def faq_answers(root: Path) -> Path:
    return root / "data" / "responses" / "faq.yml"


def unanswered_answers(root: Path) -> Path:
    return root / "data" / "responses" / "not_in_article.yml"


def stories(root: Path) -> Path:
    return root / "tests" / "test_stories.yml"


def keep_examples(root: Path, intent: str, keep: int) -> None:
    lines = faq_nlu(root).read_text().splitlines()
    start = lines.index(f"- intent: {intent}") + 2
    end = start
    while end < len(lines) and lines[end].startswith("    - "):
        end += 1
    del lines[start + keep : end]
    faq_nlu(root).write_text("\n".join(lines) + "\n")


def add_example(root: Path, intent: str, example: str) -> None:
    edit(
        faq_nlu(root),
        f"- intent: {intent}\n  examples: |\n",
        f"- intent: {intent}\n  examples: |\n    - {example}\n",
    )


def remove_story(root: Path, topic: str) -> None:
    edit(
        stories(root),
        re.search(
            rf"  - story: \"faq: {topic}\"\n(?:      .*\n|    .*\n)+", stories(root).read_text()
        ).group(0),  # type: ignore[union-attr]
        "",
    )


CASES: dict[str, tuple[Breakage, str, Callable[[Path], str]]] = {
    # name: (break the copy, expected message, expected "file:line")
    "too few examples": (
        lambda r: keep_examples(r, "faq/dose", 5),
        "faq/dose has 5 example questions; every FAQ needs at least 8 (add 3 more",
        lambda r: f"data/nlu.yml:{line_of(faq_nlu(r), '- intent: faq/dose')}",
    ),
    "no answer": (
        lambda r: edit(faq_answers(r), "  utter_faq/source:", "  utter_faq/sources:"),
        "faq/source has example questions but no answer",
        lambda r: f"data/nlu.yml:{line_of(faq_nlu(r), '- intent: faq/source')}",
    ),
    "orphan answer": (
        lambda r: edit(faq_answers(r), "  utter_faq/source:", "  utter_faq/sources:"),
        "utter_faq/sources answers a topic that has no example questions",
        lambda r: f"data/responses/faq.yml:{line_of(faq_answers(r), 'utter_faq/sources:')}",
    ),
    "two answers": (
        lambda r: edit(
            faq_answers(r),
            "  utter_faq/location:\n",
            '  utter_faq/location:\n    - text: "We are in Portland."\n',
        ),
        "utter_faq/location has 2 variants; keep exactly one answer",
        lambda r: f"data/responses/faq.yml:{line_of(faq_answers(r), 'utter_faq/location:')}",
    ),
    "answer written twice": (
        lambda r: unanswered_answers(r).write_text(
            unanswered_answers(r).read_text() + '  utter_faq/dose:\n    - text: "Twice."\n'
        ),
        "utter_faq/dose is written twice",
        lambda r: (
            f"data/responses/not_in_article.yml:{line_of(unanswered_answers(r), 'utter_faq/dose:')}"
        ),
    ),
    "no conversation test": (
        lambda r: remove_story(r, "pain"),
        "faq/pain has no conversation test",
        lambda r: f"data/nlu.yml:{line_of(faq_nlu(r), '- intent: faq/pain')}",
    ),
    "conversation test for no topic": (
        lambda r: edit(stories(r), '"faq: source"', '"faq: sources"'),
        "conversation test 'faq: sources' is for a topic that does not exist",
        lambda r: f"tests/test_stories.yml:{line_of(stories(r), 'faq: sources')}",
    ),
    "conversation test of the wrong shape": (
        lambda r: edit(
            stories(r),
            "        intent: faq/source\n      - action: utter_faq\n",
            "        intent: faq/source\n      - action: utter_faq\n"
            "      - action: utter_anything_else\n",
        ),
        "conversation test 'faq: source' should be one visitor message labelled faq/source",
        lambda r: f"tests/test_stories.yml:{line_of(stories(r), 'faq: source')}",
    ),
    "example for two topics": (
        lambda r: add_example(r, "faq/dose", "how long does it last"),
        "'how long does it last' is an example for faq/duration and also for faq/dose",
        # Reported where it appears the second time, naming the first.
        lambda r: f"data/nlu.yml:{last_line_of(faq_nlu(r), '    - how long does it last')}",
    ),
    "near-duplicate across topics": (
        lambda r: add_example(r, "faq/dose", "how long does it lasst"),
        "is nearly the same question as 'how long does it lasst' (faq/dose, data/nlu.yml:",
        lambda r: f"data/nlu.yml:{last_line_of(faq_nlu(r), '    - how long does it last')}",
    ),
    "near-duplicate with an unanswerable question": (
        lambda r: add_example(r, "faq/booking", "gift card please"),
        "'gift card please' (faq/booking) is nearly the same question as 'gift card' "
        "(not_in_article/other",
        lambda r: f"data/nlu.yml:{line_of(faq_nlu(r), 'gift card please')}",
    ),
    "held-out example trained on": (
        lambda r: add_example(r, "faq/what_is_rosacea", "wat even is rosacea lol"),
        "'wat even is rosacea lol' is in the held-out test set",
        lambda r: f"data/nlu.yml:{line_of(faq_nlu(r), 'wat even is rosacea lol')}",
    ),
    "conversation test contradicts the examples": (
        lambda r: edit(
            stories(r),
            "          how many units of botox do you use\n",
            "          how long does it last\n",
        ),
        "the conversation test expects 'how long does it last' to be faq/dose, but data/nlu.yml:",
        lambda r: (
            f"tests/test_stories.yml:{line_of(stories(r), '          how long does it last')}"
        ),
    ),
    "too many sentences": (
        lambda r: edit(
            faq_answers(r), "was 10-20 units.", "was 10-20 units. It varies. Ask us. Really."
        ),
        "utter_faq/dose has 4 sentences; keep answers to at most 3",
        lambda r: f"data/responses/faq.yml:{line_of(faq_answers(r), 'utter_faq/dose:')}",
    ),
    "too long": (
        lambda r: edit(
            faq_answers(r), "was 10-20 units.", "was 10-20 units, " + "and so on " * 45 + "."
        ),
        "characters long; keep answers under 450",
        lambda r: f"data/responses/faq.yml:{line_of(faq_answers(r), 'utter_faq/dose:')}",
    ),
    "number not in the article": (
        lambda r: edit(faq_answers(r), "was 10-20 units.", "was 10-25 units."),
        "utter_faq/dose states 25, which the article (content/botox-for-rosacea.txt) does not",
        lambda r: f"data/responses/faq.yml:{line_of(faq_answers(r), 'utter_faq/dose:')}",
    ),
    "a price": (
        lambda r: edit(faq_answers(r), "was 10-20 units.", "was 10-20 units, about $ per unit."),
        "utter_faq/dose mentions a price ($)",
        lambda r: f"data/responses/faq.yml:{line_of(faq_answers(r), 'utter_faq/dose:')}",
    ),
    "button sends a command": (
        lambda r: edit(faq_answers(r), 'payload: "What causes rosacea?"', 'payload: "/faq"'),
        "button 'What causes it?' sends '/faq'; buttons send a plain question",
        lambda r: f"data/responses/faq.yml:{line_of(faq_answers(r), 'utter_faq/what_is_rosacea:')}",
    ),
    "broken YAML": (
        lambda r: edit(
            faq_answers(r), '  utter_faq/dose:\n    - text: "', '  utter_faq/dose:\n    - text: ""'
        ),
        "not valid YAML",
        lambda r: f"data/responses/faq.yml:{line_of(faq_answers(r), 'utter_faq/dose:') + 1}",
    ),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("pristine") / "project")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def check(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> tuple[int, str]:
    code = cli.main(["faq", "check", "--project", str(root), *extra])
    return code, capsys.readouterr().out


@pytest.mark.parametrize("case", list(CASES))
def test_check_catches(case: str, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    breakage, message, place = CASES[case]
    breakage(project)
    code, out = check(capsys, project, "--no-rasa")
    assert code == 1, out
    problem = next((line for line in out.splitlines() if message in line), None)
    assert problem is not None, out
    assert problem.startswith(place(project)), (problem, place(project))
    assert "error" in problem


def test_a_clean_project_passes_every_check_and_rasa_data_validate(
    pristine: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(capsys, pristine)
    assert code == 0, out
    assert "Running `rasa data validate`" in out
    assert out.rstrip().endswith("All checks passed for 17 FAQs (0 warning(s)).")


def test_rasa_data_validate_failures_are_reported(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = project / "data" / "rules" / "faq.yml"
    edit(rules, "      - action: utter_faq\n", "      - action: utter_faq_answer\n")
    code, out = check(capsys, project)
    assert code == 1
    failed = [line for line in out.splitlines() if line.startswith("rasa data validate:")]
    assert failed and "utter_faq_answer" in out, out
    # Checked again in the same process (an editor's session; Rasa keeps state between
    # loads in process): the same verdict.
    again = [str(p) for p in validate.rasa_validate(project)]
    assert again == failed


def test_a_repeated_example_is_a_warning_not_an_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_example(project, "faq/dose", "how many units")
    code, out = check(capsys, project, "--no-rasa")
    assert code == 0, out
    assert "warning: 'how many units' is listed twice for faq/dose" in out
    assert "(1 warning(s))" in out
