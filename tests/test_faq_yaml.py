"""The FAQ files are edited as YAML data: a file laid out by hand, with comments, blank lines
and another indentation than Rasa's, keeps all of them through an edit, and the lines the
editor reports are still the file's own."""

from __future__ import annotations

import difflib
import io
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.emitter import Emitter
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.editor import nlu, responses, roundtrip, stories, yamlemitter
from bot.editor.project import EditorError
from bot.editor.responses import Button
from tests.test_faq_cli import PARKING_QUESTIONS, add_parking_args, copy_project, run, snapshot

NLU = """\
# FAQ examples, laid out by hand: four spaces, dashes indented.
version: "3.1"
nlu:
    # Topics from the clinic's article.
    -   intent: faq/what   # the first topic
        examples: |
            - what is it
            - what's that

    # Ask the office about this one.
    -   intent: faq/where
        examples: |
            - where are you

    -   intent: faq/when
        examples: |
            - when are you open
# Keep the list in the article's order.
"""


def test_examples_added_to_a_hand_laid_out_file_change_one_line() -> None:
    edited = nlu.replace(NLU, "nlu.yml", "faq/where", ["where are you", "where is the clinic"])
    assert edited == NLU.replace(
        "            - where are you\n",
        "            - where are you\n            - where is the clinic\n",
    )


def test_a_renamed_topic_keeps_the_comment_on_its_line() -> None:
    edited = nlu.replace(NLU, "nlu.yml", "faq/what", ["what is it", "what's that"], "faq/what_is")
    assert edited == NLU.replace("faq/what   # the first", "faq/what_is # the first")


def test_a_removed_topic_leaves_the_comments_and_spacing_around_it() -> None:
    edited = nlu.remove(NLU, "nlu.yml", "faq/when")
    assert edited == NLU.replace(
        "    -   intent: faq/when\n        examples: |\n            - when are you open\n", ""
    )


def test_an_added_topic_follows_the_files_layout() -> None:
    edited = nlu.append(NLU, "nlu.yml", "faq/parking", ["where do I park"])
    assert edited == NLU.replace(
        "            - when are you open\n",
        "            - when are you open\n\n"
        "    -   intent: faq/parking\n        examples: |\n            - where do I park\n",
    )


def test_lines_are_the_files_own() -> None:
    lines = NLU.splitlines()
    blocks = nlu.parse(NLU, "nlu.yml")
    assert [lines[b.line - 1].split()[:3] for b in blocks] == [
        ["-", "intent:", intent] for intent in ("faq/what", "faq/where", "faq/when")
    ]
    assert [(e.text, lines[e.line - 1].strip()) for b in blocks for e in b.examples] == [
        (e, f"- {e}") for e in ("what is it", "what's that", "where are you", "when are you open")
    ]
    assert [b.end for b in blocks] == [8, 13, 17]


RESPONSES = """\
version: "3.1"
# Answers, by hand.
responses:
    utter_faq/what:   # the first answer
    -   text: "It is the first thing."
        buttons:
        -   title: "Where?"
            payload: "Where are you?"
    -   condition:
        -   type: slot
            name: language
            value: es
        text: Es la primera cosa.
    # where has no translation yet
    utter_faq/where:
    -   text: "At the clinic."
# the end
"""
SPANISH_WHERE = """\
    -   condition:
        -   type: slot
            name: language
            value: es
        text: "En la clínica."
"""


def test_answers_in_a_hand_laid_out_file() -> None:
    name, what = "faq.yml", "utter_faq/what"
    new_answer = responses.render(what, "It is first.", [])
    assert responses.replace(RESPONSES, name, what, new_answer) == RESPONSES.replace(
        '"It is the first thing."\n        buttons:\n        -   title: "Where?"\n'
        '            payload: "Where are you?"\n',
        '"It is first."\n',
    )
    spanish = responses.render_translation("es", "En la clínica.", [])
    assert responses.set_translation(RESPONSES, name, "utter_faq/where", "es", spanish) == (
        RESPONSES.replace('At the clinic."\n', 'At the clinic."\n' + SPANISH_WHERE)
    )
    assert responses.remove(RESPONSES, name, what) == (
        RESPONSES[: RESPONSES.index("    utter_faq/what")]
        + RESPONSES[RESPONSES.index("    # where has") :]
    )
    added = responses.append(RESPONSES, name, responses.render("utter_faq/when", "Daily.", []))
    assert added == RESPONSES.replace(
        "# the end", '    utter_faq/when:\n    -   text: "Daily."\n# the end'
    )
    entries = responses.parse(RESPONSES, name)
    assert [(e.name, e.line) for e in entries] == [(what, 4), ("utter_faq/where", 15)]
    assert entries[0].buttons == (Button("Where?", "Where are you?"),)


STORY_WHAT = """\
- story: "faq: what"
  steps:
  - user: |
      what is it
    intent: faq/what
  - action: utter_faq
"""
STORY_WHERE = STORY_WHAT.replace("what is it", "where are you").replace("what", "where")
STORIES = f"""\
version: "3.1"
stories:
# FAQ stories first
{STORY_WHAT}
# the rest
- story: greeting
  steps:
  - user: |
      hi
    intent: greet
  - active_loop:
  - action: utter_greet
"""


def test_conversation_tests_in_a_hand_laid_out_file() -> None:
    name = "test_stories.yml"
    added = stories.add_faq(STORIES, name, "where", "where are you")
    assert added == STORIES.replace(STORY_WHAT, STORY_WHAT + STORY_WHERE)
    assert stories.remove_faq(added, name, "where") == STORIES
    renamed = stories.replace_faq(STORIES, name, "what", "where", "where are you")
    assert renamed == STORIES.replace(STORY_WHAT, STORY_WHERE)
    found = stories.parse(STORIES, name)
    assert [(s.name, s.line, [(m.text, m.line) for m in s.messages]) for s in found] == [
        ("faq: what", 4, [("what is it", 7)]),
        ("greeting", 12, [("hi", 15)]),
    ]


def test_broken_yaml_is_reported_with_its_line() -> None:
    broken = NLU.replace("    -   intent: faq/where\n", "    -   intent: [faq/where\n")
    with pytest.raises(EditorError, match=r"^nlu\.yml:1[0-9]: not valid YAML"):
        nlu.parse(broken, "nlu.yml")


def test_the_cache_hands_out_copies() -> None:
    first = roundtrip.load(NLU, "nlu.yml")
    first["nlu"][0]["intent"] = "changed"
    assert roundtrip.load(NLU, "nlu.yml")["nlu"][0]["intent"] == "faq/what"
    assert nlu.parse(NLU, "nlu.yml")[0].intent == "faq/what"


def _reindented(text: str) -> str:
    """data/nlu.yml written the other common way, with a comment above each block."""
    text = re.sub(r"^- intent: (\S+)$", r"  # \1\n  - intent: \1  # hand-written", text, flags=re.M)
    text = text.replace("\n  examples: |\n", "\n    examples: |\n")
    return re.sub(r"^    - ", "        - ", text, flags=re.M)


def test_a_reindented_project_file_is_edited_in_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_project(tmp_path / "project")
    path = project / "data" / "nlu.yml"
    before = _reindented(path.read_text())
    path.write_text(before)
    question = "how many units go in each cheek"
    code, out = run(
        capsys, "faq", "edit", "dose", "--add-question", question, "--project", str(project)
    )
    assert code == 0, out
    changes = [
        line
        for line in difflib.unified_diff(before.splitlines(), path.read_text().splitlines(), n=0)
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))
    ]
    assert changes == [f"+        - {question}"]

    edited = path.read_text()
    assert run(capsys, *add_parking_args(project, "--keep-similar"))[0] == 0
    after = path.read_text()
    assert after == edited + "  - intent: faq/parking\n    examples: |\n" + "".join(
        f"        - {q}\n" for q in PARKING_QUESTIONS
    )
    faq = snapshot(project).faq("parking")
    assert faq is not None and faq.examples == PARKING_QUESTIONS

    # Its lines are still the ones problems are reported on.
    lines = after.splitlines()
    start = lines.index("  - intent: faq/dose  # hand-written")
    end = next(i for i in range(start + 2, len(lines)) if not lines[i].startswith("        - "))
    path.write_text("\n".join(lines[: start + 7] + lines[end:]) + "\n")
    code, out = run(capsys, "faq", "check", "--no-rasa", "--project", str(project))
    assert code == 1
    assert f"data/nlu.yml:{start + 1}: error: faq/dose has 5 example questions" in out, out


LITERALS = st.text(st.sampled_from(["a", "é", " ", "\n", "\t", "#", ":", "-", "\r", "\u2028"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(LITERALS, min_size=1, max_size=4))
def test_the_faster_emitter_writes_what_ruamels_writes(texts: list[str]) -> None:
    assert yamlemitter.emitter() is yamlemitter.FasterEmitter  # the ruamel it was written for
    data = {
        "nlu": [
            {"intent": f"faq/t{i}", "examples": LiteralScalarString(text)}
            for i, text in enumerate(texts)
        ]
    }
    assert _dumped(data, yamlemitter.FasterEmitter) == _dumped(data, Emitter)


def _dumped(data: object, emitter: type[Emitter]) -> str:
    yaml = YAML(typ="rt")
    yaml.Emitter = emitter
    yaml.indent(mapping=4, sequence=6, offset=2)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
