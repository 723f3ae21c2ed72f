"""NLU training files (data/nlu/*.yml) as text: intent blocks with the line of each example."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.editor import yamltext
from bot.editor.project import EditorError

_INTENT = re.compile(r"^- intent:\s*(\S+)\s*$")
_EXAMPLE = re.compile(r"^    - (.*?)\s*$")
MAX_QUESTION_CHARS = 300


@dataclass(frozen=True)
class Example:
    text: str
    line: int  # 1-based line in the file


@dataclass(frozen=True)
class Block:
    intent: str
    start: int  # 0-based index of the `- intent:` line
    end: int  # 0-based index after the block's last non-blank line
    examples: tuple[Example, ...]

    @property
    def line(self) -> int:
        return self.start + 1

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.examples]


def parse(text: str, name: str) -> list[Block]:
    """The intent blocks of an NLU file, checked against a real YAML parse of it."""
    lines = text.splitlines()
    blocks: list[Block] = []
    starts = [i for i, line in enumerate(lines) if line.startswith("- ")]
    for number, start in enumerate(starts):
        limit = starts[number + 1] if number + 1 < len(starts) else len(lines)
        end = start + 1
        while end < limit and (not lines[end].strip() or lines[end].startswith(" ")):
            end += 1
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        match = _INTENT.match(lines[start])
        if not match:
            continue
        examples = []
        in_examples = False
        for index in range(start + 1, end):
            line = lines[index]
            if line.rstrip() in ("  examples: |", "  examples: |-", "  examples: |+"):
                in_examples = True
            elif in_examples and (example := _EXAMPLE.match(line)):
                examples.append(Example(example.group(1), index + 1))
        blocks.append(Block(match.group(1), start, end, tuple(examples)))
    _verify(text, name, blocks)
    return blocks


def _verify(text: str, name: str, blocks: list[Block]) -> None:
    data = yamltext.load(text, name) or {}
    parsed = [
        (str(item["intent"]), _examples_of(item.get("examples")))
        for item in data.get("nlu") or []
        if isinstance(item, dict) and "intent" in item
    ]
    scanned = [(b.intent, b.texts) for b in blocks]
    if parsed != scanned:
        for (intent, examples), block in zip(parsed, blocks, strict=False):
            if (intent, examples) != (block.intent, block.texts):
                raise EditorError(
                    f"{name}:{block.line}: the layout of `{intent}` is not the usual one "
                    "(`- intent:` then `  examples: |` and `    - question` lines); "
                    "fix it by hand or ask a developer"
                )
        raise EditorError(f"{name}: the intent blocks are not laid out the usual way")


def _examples_of(value: object) -> list[str]:
    if not isinstance(value, str):
        return []
    return [line[2:].strip() for line in value.splitlines() if line.startswith("- ")]


def render(intent: str, examples: Sequence[str]) -> list[str]:
    return [f"- intent: {intent}", "  examples: |", *(f"    - {e}" for e in examples)]


def find(blocks: Sequence[Block], intent: str) -> Block | None:
    return next((b for b in blocks if b.intent == intent), None)


def replace(
    text: str, name: str, intent: str, examples: Sequence[str], new_intent: str | None = None
) -> str:
    """The intent's block rewritten with these examples (a second block of it is merged in)."""
    lines = text.splitlines()
    blocks = [b for b in parse(text, name) if b.intent == intent]
    if not blocks:
        raise EditorError(f"{name}: there is no `{intent}`")
    for block in reversed(blocks[1:]):
        end = block.end
        while end < len(lines) and not lines[end].strip():
            end += 1
        del lines[block.start : end]
    lines[blocks[0].start : blocks[0].end] = render(new_intent or intent, examples)
    return yamltext.join_lines(lines)


def append(text: str, name: str, intent: str, examples: Sequence[str]) -> str:
    blocks = parse(text, name)
    lines = text.rstrip("\n").splitlines()
    if not lines:
        lines = ['version: "3.1"', "nlu:"]
    # Follow the file's own habit: a blank line between blocks or none.
    spaced = len(blocks) > 1 and not text.splitlines()[blocks[1].start - 1].strip()
    return yamltext.join_lines([*lines, *([""] if spaced else []), *render(intent, examples)])


def remove(text: str, name: str, intent: str) -> str:
    lines = text.splitlines()
    blocks = parse(text, name)
    block = find(blocks, intent)
    if block is None:
        raise EditorError(f"{name}: there is no `{intent}`")
    end = block.end
    while end < len(lines) and not lines[end].strip():
        end += 1
    del lines[block.start : end]
    return yamltext.join_lines(lines)


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
