"""Conversation tests (tests/test_stories.yml), one "faq: <topic>" story per FAQ, edited as
round-trip YAML so the rest of the file stays as it was written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from bot.editor import roundtrip, yamlcomments, yamltext

FAQ_PREFIX = "faq: "
# Stories two spaces in, their steps' dashes two more: how Rasa writes stories.
LAYOUT = roundtrip.Layout(mapping=2, sequence=4, offset=2)


@dataclass(frozen=True)
class LabelledMessage:
    text: str
    label: str
    line: int  # 1-based


@dataclass(frozen=True)
class Story:
    name: str
    start: int  # 0-based index of the `  - story:` line
    end: int  # 0-based index after its last line that is not blank or a comment
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
    data = roundtrip.shared(text, name)
    items = _items(data, name)
    starts = [int(items.lc.item(i)[0]) for i in range(len(items))]
    ends = roundtrip.ends(text, starts, roundtrip.stop_after(data, "stories", text))
    stories = []
    for story, start, end in zip(items, starts, ends, strict=True):
        if not isinstance(story, dict):
            continue
        steps = [s for s in story.get("steps") or [] if isinstance(s, dict)]
        stories.append(
            Story(
                str(story.get("story", "")),
                start,
                end,
                tuple(roundtrip.plain(s) for s in steps),
                _messages(steps),
            )
        )
    return stories


def _items(data: Any, name: str) -> CommentedSeq:
    return roundtrip.section(data, "stories", CommentedSeq, name, "a list of `- story:` entries")


def _messages(steps: Sequence[Any]) -> tuple[LabelledMessage, ...]:
    found = []
    for step in steps:
        if "user" not in step or "intent" not in step:
            continue
        value = step["user"]
        line = step.lc.value("user")[0]
        if isinstance(value, (LiteralScalarString, FoldedScalarString)):
            # The text starts on the line after the `|`, below any blank lines it begins with.
            line += 1 + len(value) - len(value.lstrip("\n"))
        found.append(LabelledMessage(str(value).strip(), str(step["intent"]), line + 1))
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


def _faq_indices(items: Sequence[Any], topic: str | None = None) -> list[int]:
    """Where the FAQ stories are (only `topic`'s, if given)."""
    return [
        index
        for index, story in enumerate(items)
        if isinstance(story, dict)
        and str(story.get("story", "")).startswith(FAQ_PREFIX)
        and (topic is None or str(story["story"])[len(FAQ_PREFIX) :].strip() == topic)
    ]


def add_faq(text: str, name: str, topic: str, question: str) -> str:
    """The FAQ story goes after the last one (they come first, in topic order)."""
    data = roundtrip.document(text, name, "stories:\n")
    if not isinstance(data.get("stories"), CommentedSeq):
        data["stories"] = CommentedSeq()
    items = data["stories"]
    faq = _faq_indices(items)
    story = roundtrip.fragment(render(topic, question), name)[0]
    yamlcomments.insert_after(items, faq[-1] if faq else None, None, story)
    return roundtrip.dump(data, text, name, LAYOUT)


def replace_faq(text: str, name: str, old_topic: str, topic: str, question: str) -> str:
    data = roundtrip.load(text, name)
    found = _faq_indices(_items(data, name), old_topic)
    if not found:
        return add_faq(text, name, topic, question)
    story = _items(data, name)[found[0]]
    fresh = roundtrip.fragment(render(topic, question), name)[0]
    after = yamlcomments.detach(story)
    story["story"] = fresh["story"]
    story["steps"] = fresh["steps"]
    yamlcomments.attach(story, after)
    return roundtrip.dump(data, text, name, LAYOUT)


def remove_faq(text: str, name: str, topic: str) -> str:
    data = roundtrip.load(text, name)
    items = _items(data, name)
    found = _faq_indices(items, topic)
    if not found:
        return text
    yamlcomments.remove(items, found[0])
    return roundtrip.dump(data, text, name, LAYOUT)
