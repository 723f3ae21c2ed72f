"""`bot faq ... --lang es`: an FAQ's Spanish examples and answer are edited with the same
commands and checks as the English ones, and `bot faq check` finds a topic missing in one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_faq_cli import (
    PARKING_ANSWER,
    add_parking_args,
    copy_project,
    digest,
    load,
    run,
)

PARKING_ES = (
    "donde me estaciono cuando vaya a mi cita",
    "tienen estacionamiento para pacientes",
    "hay parqueadero en aluma",
    "donde puedo dejar el carro",
    "se puede estacionar en la calle cerca de la clinica",
    "hay lugar para estacionarse",
    "donde parquean los pacientes",
    "el estacionamiento es gratis",
)
PARKING_ANSWER_ES = (
    "Aluma Aesthetics está en 1421 SE 13th Ave, Portland, OR 97214. Nuestro artículo no habla "
    "del estacionamiento; llame o envíe un mensaje de texto al 503-688-9235."
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def es_intents(project: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for block in load(project / "data" / "es" / "nlu.yml")["nlu"]:
        if "intent" in block:
            lines = block["examples"].splitlines()
            found[block["intent"]] = [x[2:].strip() for x in lines if x.startswith("- ")]
    return found


def variants(project: Path, topic: str) -> list[dict[str, Any]]:
    return list(load(project / "data" / "responses" / "faq.yml")["responses"][f"utter_faq/{topic}"])


def spanish(project: Path, topic: str) -> list[dict[str, Any]]:
    return [
        v
        for v in variants(project, topic)
        if v.get("condition") == [{"type": "slot", "name": "language", "value": "es"}]
    ]


def add_spanish_parking(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    args = ["faq", "add", "--lang", "es", "--topic", "parking", "--project", str(project)]
    for question in PARKING_ES:
        args += ["--question", question]
    return run(
        capsys, *args, "--answer", PARKING_ANSWER_ES, "--button", "Contacto|¿Cómo los llamo?"
    )


def test_a_new_faq_is_reported_until_it_has_its_spanish_version(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, *add_parking_args(project, "--move-similar"))[0] == 0
    code, out = run(capsys, "faq", "check", "--no-rasa", "--project", str(project))
    assert code == 0  # a warning: Spanish visitors get less, but nothing is broken
    assert "faq/parking has no es example questions and no answer" in out
    assert "1 warning(s)" in out

    code, out = add_spanish_parking(project, capsys)
    assert code == 0, out
    assert "Added the es version of faq/parking: 8 example questions" in out
    assert PARKING_ANSWER in out  # the English answer, to compare
    assert es_intents(project)["faq/parking"] == list(PARKING_ES)
    [translation] = spanish(project, "parking")
    assert translation["text"] == PARKING_ANSWER_ES
    assert translation["buttons"] == [{"title": "Contacto", "payload": "¿Cómo los llamo?"}]
    assert variants(project, "parking")[0]["text"] == PARKING_ANSWER  # English untouched
    code, out = run(capsys, "faq", "check", "--no-rasa", "--project", str(project))
    assert code == 0 and "(0 warning(s))" in out, out


def test_editing_the_spanish_version_leaves_the_english_one(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    english_before = variants(project, "duration")[0]
    examples_before = es_intents(project)["faq/duration"]
    new = "En los estudios, el efecto duró unos tres meses."
    code, out = run(
        capsys,
        "faq",
        "edit",
        "duration",
        "--lang",
        "es",
        "--answer",
        new,
        "--add-question",
        "cada cuanto hay que volver a ponerse botox",
        "--remove-question",
        examples_before[0],
        "--project",
        str(project),
    )
    assert code == 0, out
    assert [v["text"] for v in spanish(project, "duration")] == [new]
    assert variants(project, "duration")[0] == english_before
    after = es_intents(project)["faq/duration"]
    assert after == [*examples_before[1:], "cada cuanto hay que volver a ponerse botox"]
    code, out = run(capsys, "faq", "list", "--lang", "es", "--project", str(project))
    assert code == 0
    assert f"  es: {new}" in out and f"  en: {english_before['text']}" in out


def test_spanish_answers_get_the_same_checks(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest(project)
    code, out = run(
        capsys,
        "faq",
        "edit",
        "dose",
        "--lang",
        "es",
        "--answer",
        "Cuesta 300 dólares por sesión.",
        "--project",
        str(project),
    )
    assert code == 1 and "states 300, which the article" in out
    code, out = run(
        capsys,
        "faq",
        "add",
        "--lang",
        "es",
        "--topic",
        "parking",
        "--question",
        "donde me estaciono",
        "--answer",
        PARKING_ANSWER_ES,
        "--project",
        str(project),
    )
    assert code == 1 and "add it in English with `bot faq add` first" in out
    code, out = run(
        capsys,
        "faq",
        "edit",
        "pain",
        "--lang",
        "es",
        "--remove-question",
        "nope",
        "--project",
        str(project),
    )
    assert code == 1 and "has no es example question 'nope'" in out
    assert digest(project) == before  # nothing was written


def test_spanish_examples_without_an_english_faq_are_an_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project / "data" / "es" / "nlu.yml"
    path.write_text(
        path.read_text()
        + "- intent: faq/parking\n  examples: |\n"
        + "".join(f"    - {q}\n" for q in PARKING_ES)
    )
    code, out = run(capsys, "faq", "check", "--no-rasa", "--project", str(project))
    assert code == 1
    assert "faq/parking has es examples but there is no English FAQ 'parking'" in out


def test_removing_or_renaming_a_topic_takes_its_spanish_examples_along(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, *add_parking_args(project, "--move-similar"))[0] == 0
    assert add_spanish_parking(project, capsys)[0] == 0
    code, out = run(
        capsys, "faq", "edit", "parking", "--rename", "car_park", "--project", str(project)
    )
    assert code == 0, out
    assert es_intents(project)["faq/car_park"] == list(PARKING_ES)
    assert "faq/parking" not in es_intents(project)
    code, out = run(capsys, "faq", "remove", "car_park", "--yes", "--project", str(project))
    assert code == 0, out
    intents = es_intents(project)
    assert "faq/car_park" not in intents
    assert set(PARKING_ES) <= set(intents["not_in_article/other"])
    code, out = run(capsys, "faq", "check", "--no-rasa", "--project", str(project))
    assert code == 0, out


def test_adding_a_spanish_question_leaves_the_answers_file_as_it_was(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = project / "data" / "responses" / "faq.yml"
    before = answers.read_bytes()
    code, out = run(
        capsys,
        "faq",
        "edit",
        "booking",
        "--lang",
        "es",
        "--add-question",
        "como le hago para apartar mi lugar el sabado",
        "--project",
        str(project),
    )
    assert code == 0, out
    assert answers.read_bytes() == before
    assert "como le hago para apartar mi lugar el sabado" in es_intents(project)["faq/booking"]
