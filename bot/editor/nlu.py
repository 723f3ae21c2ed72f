"""NLU training files (data/nlu/*.yml): intent blocks with the line of each example, edited as
round-trip YAML so the rest of the file stays as it was written."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.editor import roundtrip, yamlcomments
from bot.editor.project import EditorError

MAX_QUESTION_CHARS = 300
# `- intent:` at the left margin, examples four spaces in: how Rasa writes NLU files.
LAYOUT = roundtrip.Layout(mapping=2, sequence=2, offset=0)
TEMPLATE = 'version: "3.1"\nnlu:\n'


@dataclass(frozen=True)
class Example:
    text: str
    line: int  # 1-based line in the file


@dataclass(frozen=True)
class Block:
    intent: str
    start: int  # 0-based index of the `- intent:` line
    end: int  # 0-based index after the block's last line that is not blank or a comment
    examples: tuple[Example, ...]

    @property
    def line(self) -> int:
        return self.start + 1

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.examples]


def parse(text: str, name: str) -> list[Block]:
    """The intent blocks of an NLU file (its `- synonym:`, `- regex:` ... entries are skipped)."""
    data = roundtrip.shared(text, name)
    items = _items(data, name)
    starts = [int(items.lc.item(i)[0]) for i in range(len(items))]
    ends = roundtrip.ends(text, starts, roundtrip.stop_after(data, "nlu", text))
    return [
        Block(str(item["intent"]), start, end, _examples(item))
        for item, start, end in zip(items, starts, ends, strict=True)
        if _intent(item) is not None
    ]


def _items(data: Any, name: str) -> CommentedSeq:
    return roundtrip.section(data, "nlu", CommentedSeq, name, "a list of `- intent:` blocks")


def _intent(item: Any) -> str | None:
    return str(item["intent"]) if isinstance(item, dict) and "intent" in item else None


def _examples(item: Any) -> tuple[Example, ...]:
    value = item.get("examples")
    if not isinstance(value, str):
        return ()
    line = item.lc.value("examples")[0] + 1
    # A `|` block has one example per line, starting on the line after the `|`.
    step = 1 if isinstance(value, LiteralScalarString) else 0
    return tuple(
        Example(text[2:].strip(), line + (index + 1) * step)
        for index, text in enumerate(value.splitlines())
        if text.startswith("- ")
    )


def render(intent: str, examples: Sequence[str]) -> list[str]:
    return [f"- intent: {intent}", "  examples: |", *(f"    - {e}" for e in examples)]


def find(blocks: Sequence[Block], intent: str) -> Block | None:
    return next((b for b in blocks if b.intent == intent), None)


def replace(
    text: str, name: str, intent: str, examples: Sequence[str], new_intent: str | None = None
) -> str:
    """The intent's block rewritten with these examples (a second block of it is merged in)."""
    data = roundtrip.load(text, name)
    items = _items(data, name)
    indices = [i for i, item in enumerate(items) if _intent(item) == intent]
    if not indices:
        raise EditorError(f"{name}: there is no `{intent}`")
    fresh = roundtrip.fragment(render(new_intent or intent, examples), name)[0]
    block = items[indices[0]]
    block["intent"] = fresh["intent"]
    block["examples"] = fresh["examples"]
    for index in reversed(indices[1:]):
        yamlcomments.remove(items, index)
    return roundtrip.dump(data, text, name, LAYOUT)


def append(text: str, name: str, intent: str, examples: Sequence[str]) -> str:
    """A new block after the last one (before the lines that ended the list)."""
    data = roundtrip.document(text, name, TEMPLATE)
    if not isinstance(data.get("nlu"), CommentedSeq):
        data["nlu"] = CommentedSeq()
    items = data["nlu"]
    blocks = [item for item in items if _intent(item) is not None]
    # Follow the file's own habit: a blank line between blocks or none.
    between = yamlcomments.following(blocks[0]).splitlines() if len(blocks) > 1 else []
    spaced = any(not line.strip() for line in between)
    last = len(items) - 1 if items else None
    yamlcomments.insert_after(
        items, last, None, roundtrip.fragment(render(intent, examples), name)[0]
    )
    if spaced and last is not None:
        yamlcomments.attach(items[last], "\n")
    return roundtrip.dump(data, text, name, LAYOUT)


def remove(text: str, name: str, intent: str) -> str:
    data = roundtrip.load(text, name)
    items = _items(data, name)
    index = next((i for i, item in enumerate(items) if _intent(item) == intent), None)
    if index is None:
        raise EditorError(f"{name}: there is no `{intent}`")
    yamlcomments.remove(items, index)
    return roundtrip.dump(data, text, name, LAYOUT)


def question_problem(question: str) -> str | None:
    """Why a visitor question cannot be used as a training example, if it cannot."""
    if not question.strip():
        return "an example question is empty"
    if "\n" in question.strip():
        return f"{question!r} spans several lines; give each question on its own line"
    if question.strip().startswith("/"):
        return f"{question!r} starts with '/', which Rasa reads as a command, not a question"
    if re.search(r"\]\s*[({]", question):
        return f"{question!r} contains '](' or ']{{', which Rasa reads as entity markup"
    if len(question) > MAX_QUESTION_CHARS:
        return f"{question[:40]!r}... is longer than {MAX_QUESTION_CHARS} characters"
    return None


def clean(question: str) -> str:
    return " ".join(question.replace("\t", " ").split())
