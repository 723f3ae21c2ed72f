"""`bot faq add/edit/remove/list` on temporary copies of the project: the three files an FAQ
lives in change together, stay loadable, keep their comments, and pass the checks."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import cli
from bot.editor import checks
from bot.editor.project import Files, Project
from bot.editor.snapshot import Snapshot
from tests.conftest import ROOT

PROJECT_FILES = ("config.yml", "domain.yml", "credentials.yml", "endpoints.yml")
PROJECT_DIRS = ("data", "content")


def copy_project(dest: Path) -> Path:
    """What an editor's checkout holds: config, domain, data, the article, the conversation
    tests and the held-out set; build/ (the spaCy pipeline) is linked, not copied."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, dest / name)
    for name in PROJECT_DIRS:
        shutil.copytree(ROOT / name, dest / name)
    (dest / "tests" / "data").mkdir(parents=True)
    shutil.copy2(ROOT / "tests" / "test_stories.yml", dest / "tests" / "test_stories.yml")
    shutil.copy2(ROOT / "tests" / "data" / "nlu_heldout.yml", dest / "tests" / "data")
    (dest / "build").symlink_to(ROOT / "build", target_is_directory=True)
    return dest


PARKING_QUESTIONS = (
    "where can I park when I come for my appointment",
    "do you have parking for patients",
    "is there a parking lot at Aluma",
    "where should I park when I visit the clinic",
    "is street parking available near Aluma Aesthetics",
    "can I park my car at the clinic",
    "what are the parking options near your office",
    "where do patients park",
)
PARKING_ANSWER = (
    "Aluma Aesthetics is at 1421 SE 13th Ave, Portland, OR 97214. Our article has no parking "
    "details, so call or text our office at 503-688-9235 and we'll tell you where to park."
)
PARKING_TEST = "is there anywhere to park near you?"
# The examples of not_in_article/other that mention parking (data/nlu/not_in_article.yml).
UNANSWERED_PARKING = (
    "is there parking",
    "where do I park",
    "is parking free at the clinic",
    "Is there somewhere to park near the clinic?",
    "parking?",
    "is there a lot or street parking",
)


def add_parking_args(project: Path, *extra: str) -> list[str]:
    args = ["faq", "add", "--project", str(project), "--topic", "parking"]
    for question in PARKING_QUESTIONS:
        args += ["--question", question]
    return [*args, "--answer", PARKING_ANSWER, "--test-question", PARKING_TEST, *extra]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    return code, capsys.readouterr().out


def snapshot(project: Path) -> Snapshot:
    return Snapshot(Files(Project(project)))


def digest(project: Path) -> str:
    files = sorted(p for p in project.rglob("*.yml") if "build" not in p.parts)
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def intents(project: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in [project / "data" / "nlu.yml", *sorted((project / "data" / "nlu").glob("*.yml"))]:
        for block in load(path)["nlu"]:
            if "intent" in block:
                lines = block["examples"].splitlines()
                found[block["intent"]] = [x[2:].strip() for x in lines if x.startswith("- ")]
    return found


def test_add_writes_examples_answer_and_conversation_test_together(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = intents(project)
    code, out = run(capsys, *add_parking_args(project, "--move-similar"))
    assert code == 0, out
    after = intents(project)
    assert after["faq/parking"] == [*PARKING_QUESTIONS, *UNANSWERED_PARKING]
    assert [e for e in before["not_in_article/other"] if e not in UNANSWERED_PARKING] == after[
        "not_in_article/other"
    ]
    assert {k: v for k, v in after.items() if k not in ("faq/parking", "not_in_article/other")} == {
        k: v for k, v in before.items() if k != "not_in_article/other"
    }
    answers = load(project / "data" / "responses" / "faq.yml")["responses"]
    assert answers["utter_faq/parking"] == [{"text": PARKING_ANSWER}]
    stories = load(project / "tests" / "test_stories.yml")["stories"]
    story = next(s for s in stories if s["story"] == "faq: parking")
    assert story["steps"] == [
        {"user": PARKING_TEST + "\n", "intent": "faq/parking"},
        {"action": "utter_faq"},
    ]
    # The FAQ stories stay together, before the other conversation tests.
    names = [s["story"] for s in stories]
    assert names.index("faq: parking") == max(
        i for i, n in enumerate(names) if n.startswith("faq: ")
    )
    # Hand-written comments survive.
    assert (
        (project / "data" / "responses" / "faq.yml")
        .read_text()
        .startswith((ROOT / "data" / "responses" / "faq.yml").read_text().split("version:")[0])
    )
    assert "Each FAQ has a story named" in (project / "tests" / "test_stories.yml").read_text()
    # A new FAQ has no Spanish version yet: a warning until `bot faq add --lang es`.
    assert [p.key for p in checks.run(snapshot(project))] == ["untranslated:es:parking"]
    assert "moved 'parking?' here from not_in_article/other" in out
    # The conversation test and the held-out example that still say "no answer" are pointed out.
    assert "is there parking near the clinic?" in out and "nlu_heldout.yml" in out
    assert "bot train" in out


def test_added_files_are_what_rasa_reads(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, *add_parking_args(project, "--keep-similar"))[0] == 0
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config(
        str(project / "config.yml"), str(project / "domain.yml"), [str(project / "data")]
    )
    nlu = importer.get_nlu_data()
    parking = [m for m in nlu.intent_examples if m.get("intent_response_key") == "faq/parking"]
    assert {m.get("text") for m in parking} == set(PARKING_QUESTIONS)
    assert nlu.responses["utter_faq/parking"] == [{"text": PARKING_ANSWER}]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (["--topic", "dose"], "the topic 'dose' already exists (data/nlu.yml:"),
        (["--topic", "Parking Spots"], "cannot be a topic name"),
        (["--answer", "   "], "the answer is empty"),
        (["--questions", "3"], "has 3 example questions; an FAQ needs at least 8"),
        (["--extra-question", "where is the [lot](place)"], "entity markup"),
        (["--extra-question", "/faq"], "starts with '/'"),
        (["--answer", "Parking is $5 for 2 hours."], "states 5, 2, which the article"),
        (["--answer", "One. Two. Three. Four."], "has 4 sentences"),
        # In the held-out test set (tests/data/nlu_heldout.yml): never to be trained on.
        (["--extra-question", "is there parking near the clinic"], "held-out test set"),
        # Already an example of another FAQ.
        (["--extra-question", "where is the clinic"], "also for faq/location"),
        # Nearly the same as another FAQ's example ("how long does it last").
        (["--extra-question", "How long does it lasst?"], "nearly the same question"),
    ],
)
def test_add_refuses_mistakes_and_changes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str], change: list[str], message: str
) -> None:
    args = add_parking_args(project, "--keep-similar")
    if change[0] == "--questions":
        kept = int(change[1])
        args = [a for a in args if a not in PARKING_QUESTIONS[kept:]]
        args = [
            a for i, a in enumerate(args) if not (a == "--question" and args[i + 1] == "--question")
        ]
        args = _drop_dangling(args)
    elif change[0] == "--extra-question":
        args += ["--question", change[1]]
    else:
        flag = args.index(change[0])
        args[flag + 1] = change[1]
    before = digest(project)
    code, out = run(capsys, *args)
    assert code == 1
    assert message in out, out
    assert digest(project) == before


def _drop_dangling(args: list[str]) -> list[str]:
    cleaned: list[str] = []
    for index, arg in enumerate(args):
        if arg == "--question" and (index + 1 == len(args) or args[index + 1].startswith("--")):
            continue
        cleaned.append(arg)
    return cleaned


def test_add_asks_what_to_do_with_questions_it_used_to_call_unanswerable(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest(project)
    code, out = run(capsys, *add_parking_args(project))
    assert code == 1
    lines = (project / "data" / "nlu" / "not_in_article.yml").read_text().splitlines()
    line = lines.index("    - is there parking") + 1
    assert f"data/nlu/not_in_article.yml:{line}  is there parking  (not_in_article/other)" in out
    assert "--move-similar" in out and "--keep-similar" in out
    assert digest(project) == before


def test_add_interactively(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(
        [
            "parking",
            *PARKING_QUESTIONS,
            "",
            PARKING_ANSWER,
            "Where are you?|Where is the clinic?",
            "",
            "",  # the conversation test: take the first question
            "y",  # move the parking examples that said "not in the article"
        ]
    )
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    code, out = run(capsys, "faq", "add", "--project", str(project))
    assert code == 0, out
    faq = snapshot(project).faq("parking")
    assert faq is not None
    assert faq.examples == (*PARKING_QUESTIONS, *UNANSWERED_PARKING)
    assert faq.test_question == PARKING_QUESTIONS[0]
    assert [(b.title, b.payload) for b in faq.buttons] == [
        ("Where are you?", "Where is the clinic?")
    ]
    # A new FAQ has no Spanish version yet: a warning until `bot faq add --lang es`.
    assert [p.key for p in checks.run(snapshot(project))] == ["untranslated:es:parking"]


def test_edit_changes_answer_questions_and_test(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current = snapshot(project).faq("dose")
    assert current is not None
    new_answer = "In the studies, the typical dose of Botox for rosacea was 10-20 units."
    code, out = run(
        capsys,
        *("faq", "edit", "dose", "--project", str(project)),
        *("--answer", new_answer + " That's per treatment in the studies."),
        *("--add-question", "how many units will my injector use for rosacea"),
        *("--remove-question", current.examples[0]),
        *("--test-question", "how much botox goes in for rosacea"),
        "--no-buttons",
    )
    assert code == 0, out
    faq = snapshot(project).faq("dose")
    assert faq is not None
    assert faq.answer.startswith(new_answer)
    assert faq.examples[-1] == "how many units will my injector use for rosacea"
    assert current.examples[0] not in faq.examples
    assert len(faq.examples) == len(current.examples)
    assert faq.test_question == "how much botox goes in for rosacea"
    assert faq.buttons == ()
    assert checks.run(snapshot(project)) == []
    # Only the dose entries changed.
    other = snapshot(project).faq("duration")
    assert other == Snapshot(Files(Project(ROOT))).faq("duration")


def test_edit_interactively(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(project).faq("pain")
    assert before is not None
    answers = iter(
        [
            "",  # keep the answer
            "will I feel the needle much",
            "does the numbing cream hurt",
            "",
            "1 3",  # remove the first and third questions
            "",  # keep the conversation test
        ]
    )
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    code, out = run(capsys, "faq", "edit", "pain", "--project", str(project))
    assert code == 0, out
    assert f"  1. {before.examples[0]}" in out and f"Answer: {before.answer}" in out
    after = snapshot(project).faq("pain")
    assert after is not None
    assert after.examples == (
        *(e for i, e in enumerate(before.examples) if i not in (0, 2)),
        "will I feel the needle much",
        "does the numbing cream hurt",
    )
    assert (after.answer, after.test_question) == (before.answer, before.test_question)


def test_edit_renames_a_topic_everywhere(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(project).faq("vs_wrinkles")
    code, out = run(
        capsys, "faq", "edit", "vs_wrinkles", "--rename", "wrinkle_botox", "--project", str(project)
    )
    assert code == 0, out
    after = snapshot(project)
    assert after.faq("vs_wrinkles") is None
    renamed = after.faq("wrinkle_botox")
    assert before is not None and renamed is not None
    assert (renamed.examples, renamed.answer, renamed.test_question) == (
        before.examples,
        before.answer,
        before.test_question,
    )
    assert checks.run(after) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nothere", "--answer", "x"], "there is no FAQ 'nothere'"),
        (["dose", "--remove-question", "not one of them"], "has no example question"),
        (["dose", "--answer", "About 40 units."], "states 40"),
        (["dose", "--rename", "duration"], "the topic 'duration' already exists"),
    ],
)
def test_edit_refuses_mistakes(
    project: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    before = digest(project)
    code, out = run(capsys, "faq", "edit", *args, "--project", str(project))
    assert code == 1 and message in out, out
    assert digest(project) == before


def test_edit_refuses_to_leave_fewer_than_eight_questions(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, *add_parking_args(project, "--keep-similar"))[0] == 0
    before = digest(project)
    code, out = run(
        capsys,
        "faq",
        "edit",
        "parking",
        "--remove-question",
        PARKING_QUESTIONS[0],
        "--project",
        str(project),
    )
    assert code == 1 and "has 7 example questions" in out
    assert digest(project) == before


def test_remove_leaves_nothing_orphaned(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    removed = snapshot(project).faq("results")
    assert removed is not None
    code, out = run(capsys, "faq", "remove", "results", "--yes", "--project", str(project))
    assert code == 0, out
    after = snapshot(project)
    assert after.faq("results") is None
    assert "faq/results" not in intents(project)
    assert "utter_faq/results" not in load(project / "data" / "responses" / "faq.yml")["responses"]
    assert "faq: results" not in (project / "tests" / "test_stories.yml").read_text()
    # Its questions now get "I don't have that information" and the staff offer, not a guess.
    assert set(removed.examples) <= set(intents(project)["not_in_article/other"])
    # The button that asked it ("What results?") is gone from the other answers...
    payloads = [b.payload for f in after.faqs() for b in f.buttons]
    assert "What results does Botox give for rosacea?" not in payloads
    assert "'What results?' under botox_help" in out
    # ... and the menu button in domain.yml, which editors do not change, is pointed out.
    assert "domain.yml:" in out and "'What results does Botox give for rosacea?'" in out
    assert checks.run(after) == []


def test_remove_refuses_to_break_a_conversation_test(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The mid-form conversation test asks "how long does botox for rosacea last?" as an FAQ;
    # keeping duration's questions as "not in the article" would contradict it.
    before = digest(project)
    code, out = run(capsys, "faq", "remove", "duration", "--yes", "--project", str(project))
    assert code == 1
    assert "tests/test_stories.yml:" in out and "'how long does botox for rosacea last?'" in out
    assert digest(project) == before


def test_remove_can_discard_the_questions(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = len(intents(project)["not_in_article/other"])
    code, out = run(
        capsys, "faq", "remove", "source", "--yes", "--discard-questions", "--project", str(project)
    )
    assert code == 0, out
    assert len(intents(project)["not_in_article/other"]) == other
    assert checks.run(snapshot(project)) == []


def test_remove_asks_first(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = digest(project)
    monkeypatch.setattr("builtins.input", lambda prompt="": "n")
    code, out = run(capsys, "faq", "remove", "source", "--project", str(project))
    assert code == 1 and "Nothing was changed" in out
    assert digest(project) == before


def test_list_shows_topics_counts_answers_and_last_change(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git = ["git", "-C", str(project), "-c", "user.name=Test", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "data"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "data"], check=True)
    assert (
        run(
            capsys,
            "faq",
            "edit",
            "pain",
            "--add-question",
            "will I feel the needle much",
            "--project",
            str(project),
        )[0]
        == 0
    )
    code, out = run(capsys, "faq", "list", "--project", str(project))
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert lines["topic"].split() == ["topic", "examples", "answer", "last", "changed"]
    count = len(intents(project)["faq/dose"])
    assert lines["dose"].split()[1] == str(count)
    assert "In the studies, the typical dose of Botox for rosacea was 1…" in lines["dose"]
    from datetime import date

    assert lines["dose"].rstrip().endswith(date.today().isoformat())
    assert lines["pain"].rstrip().endswith("not committed yet")
    assert out.rstrip().endswith("17 FAQs")


def test_the_installed_command_works_on_a_copy(project: Path) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "bot"), "faq", "list", "--project", str(project)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "what_is_rosacea" in result.stdout and result.stdout.rstrip().endswith("17 FAQs")


@pytest.fixture(autouse=True)
def _no_writes_to_the_repository() -> Iterator[None]:
    before = {p: p.stat().st_mtime_ns for p in (ROOT / "data").rglob("*.yml")}
    yield
    assert before == {p: p.stat().st_mtime_ns for p in (ROOT / "data").rglob("*.yml")}
