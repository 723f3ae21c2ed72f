"""Conversation tests (tests/test_stories.yml) as text; one "faq: <topic>" story per FAQ."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.editor import yamltext
from bot.editor.project import EditorError

_STORY = re.compile(r"^  - story:")
FAQ_PREFIX = "faq: "


@dataclass(frozen=True)
class LabelledMessage:
    text: str
    label: str
    line: int  # 1-based


@dataclass(frozen=True)
class Story:
    name: str
    start: int  # 0-based index of the `  - story:` line
    end: int  # 0-based index after its last non-blank line
    steps: tuple[dict[str, Any], ...]
    messages: tuple[LabelledMessage, ...]

    @property
    def line(self) -> int:
        return self.start + 1

    @property
    def faq_topic(self) -> str | None:
        return self.name[len(FAQ_PREFIX) :].strip() if self.name.startswith(FAQ_PREFIX) else None

    def faq_question(self) -> str | None:
        """The visitor's question, if this story has the usual FAQ shape."""
        topic = self.faq_topic
        if topic is None or len(self.steps) != 2:
            return None
        ask, answer = self.steps
        if set(ask) != {"user", "intent"} or ask.get("intent") != f"faq/{topic}":
            return None
        if answer != {"action": "utter_faq"}:
            return None
        return str(ask["user"]).strip()


def parse(text: str, name: str) -> list[Story]:
    lines = text.splitlines()
    data = yamltext.load(text, name) or {}
    parsed = [s for s in data.get("stories") or [] if isinstance(s, dict)]
    starts = [i for i, line in enumerate(lines) if _STORY.match(line)]
    if len(starts) != len(parsed):
        raise EditorError(f"{name}: the stories are not laid out the usual way")
    stories = []
    for number, (start, story) in enumerate(zip(starts, parsed, strict=True)):
        end = starts[number + 1] if number + 1 < len(starts) else len(lines)
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1
        steps = tuple(s for s in story.get("steps") or [] if isinstance(s, dict))
        stories.append(
            Story(str(story.get("story", "")), start, end, steps, _messages(lines, start, steps))
        )
    return stories


def _messages(
    lines: list[str], start: int, steps: Sequence[dict[str, Any]]
) -> tuple[LabelledMessage, ...]:
    found = []
    cursor = start
    for step in steps:
        if "user" not in step:
            continue
        text = str(step["user"]).strip()
        line = next((i for i in range(cursor, len(lines)) if lines[i].strip() == text), cursor)
        cursor = line
        if "intent" in step:
            found.append(LabelledMessage(text, str(step["intent"]), line + 1))
    return tuple(found)


def render(topic: str, question: str) -> list[str]:
    return [
        f"  - story: {yamltext.quoted(FAQ_PREFIX + topic)}",
        "    steps:",
        "      - user: |",
        f"          {question}",
        f"        intent: faq/{topic}",
        "      - action: utter_faq",
    ]


def find_faq(stories: Sequence[Story], topic: str) -> Story | None:
    return next((s for s in stories if s.faq_topic == topic), None)


def add_faq(text: str, name: str, topic: str, question: str) -> str:
    """The FAQ story goes after the last one (they come first, in topic order)."""
    lines = text.splitlines()
    stories = parse(text, name)
    faq = [s for s in stories if s.faq_topic is not None]
    if faq:
        at = faq[-1].end
    else:
        try:
            at = next(i for i, line in enumerate(lines) if line.rstrip() == "stories:") + 1
        except StopIteration:
            lines += ["stories:"]
            at = len(lines)
    lines[at:at] = render(topic, question)
    return yamltext.join_lines(lines)


def replace_faq(text: str, name: str, old_topic: str, topic: str, question: str) -> str:
    lines = text.splitlines()
    story = find_faq(parse(text, name), old_topic)
    if story is None:
        return add_faq(text, name, topic, question)
    lines[story.start : story.end] = render(topic, question)
    return yamltext.join_lines(lines)


def remove_faq(text: str, name: str, topic: str) -> str:
    lines = text.splitlines()
    story = find_faq(parse(text, name), topic)
    if story is None:
        return text
    end = story.end
    # Keep the blank line that separates the FAQ stories from the rest.
    if end < len(lines) and not lines[end].strip() and story.start > 0:
        previous = lines[story.start - 1].strip()
        if not previous:
            end += 1
    del lines[story.start : end]
    return yamltext.join_lines(lines)
