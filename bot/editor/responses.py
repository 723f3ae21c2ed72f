"""Response files (data/responses/*.yml): one entry per response, with its line, edited as
round-trip YAML so the rest of the file stays as it was written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.editor import roundtrip, yamlcomments, yamltext
from bot.editor.project import EditorError

# Responses two spaces in, their variants' dashes two more: how Rasa writes a domain.
LAYOUT = roundtrip.Layout(mapping=2, sequence=4, offset=2)
TEMPLATE = 'version: "3.1"\nresponses:\n'


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Response:
    name: str
    start: int  # 0-based index of the `  utter_...:` line
    end: int  # 0-based index after its last line that is not blank or a comment
    variants: tuple[dict[str, Any], ...]

    @property
    def line(self) -> int:
        return self.start + 1

    @property
    def default(self) -> dict[str, Any]:
        """The variant without a condition: the English answer. The others are its
        translations, each chosen by the `language` slot."""
        plain = [v for v in self.variants if isinstance(v, dict) and "condition" not in v]
        return plain[0] if plain else {}

    @property
    def translations(self) -> tuple[dict[str, Any], ...]:
        return tuple(v for v in self.variants if isinstance(v, dict) and "condition" in v)

    def translation(self, language: str) -> dict[str, Any] | None:
        return next((v for v in self.translations if variant_language(v) == language), None)

    @property
    def text(self) -> str:
        return str(self.default.get("text") or "")

    @property
    def buttons(self) -> tuple[Button, ...]:
        return buttons_of(self.default)


def buttons_of(variant: dict[str, Any]) -> tuple[Button, ...]:
    return tuple(
        Button(str(b.get("title", "")), str(b.get("payload", "")))
        for b in variant.get("buttons") or []
        if isinstance(b, dict)
    )


def variant_language(variant: dict[str, Any]) -> str | None:
    """The language a translation is for: its only condition is on the `language` slot."""
    conditions = variant.get("condition") or []
    only = conditions[0] if len(conditions) == 1 else None
    if isinstance(only, dict) and only.get("name") == "language":
        return str(only.get("value"))
    return None


def parse(text: str, name: str) -> list[Response]:
    data = roundtrip.shared(text, name)
    section = _section(data, name)
    starts = [int(section.lc.key(key)[0]) for key in section]
    ends = roundtrip.ends(text, starts, roundtrip.stop_after(data, "responses", text))
    entries = []
    for (key, variants), start, end in zip(section.items(), starts, ends, strict=True):
        if not isinstance(variants, list):
            raise EditorError(
                f"{name}:{start + 1}: `{key}` should be a list of answers (`- text: ...`)"
            )
        entries.append(Response(str(key), start, end, tuple(roundtrip.plain(variants))))
    return entries


def _section(data: Any, name: str) -> CommentedMap:
    return roundtrip.section(
        data, "responses", CommentedMap, name, "a mapping of each response name to its answers"
    )


def render(name: str, text: str, buttons: Sequence[Button] = ()) -> list[str]:
    lines = [f"  {name}:", f"    - text: {yamltext.quoted(text)}"]
    if buttons:
        lines.append("      buttons:")
        for button in buttons:
            lines.append(f"        - title: {yamltext.quoted(button.title)}")
            lines.append(f"          payload: {yamltext.quoted(button.payload)}")
    return lines


def render_translation(language: str, text: str, buttons: Sequence[Button] = ()) -> list[str]:
    """A conditional variant chosen when the `language` slot is `language`."""
    lines = [
        "    - condition:",
        "        - type: slot",
        "          name: language",
        f"          value: {language}",
        f"      text: {yamltext.quoted(text)}",
    ]
    if buttons:
        lines.append("      buttons:")
        for button in buttons:
            lines.append(f"        - title: {yamltext.quoted(button.title)}")
            lines.append(f"          payload: {yamltext.quoted(button.payload)}")
    return lines


def set_translation(text: str, name: str, key: str, language: str, lines_for: list[str]) -> str:
    """`key`'s translation into `language` replaced by (or added as) `lines_for`."""
    data = roundtrip.load(text, name)
    variants = _variants(data, name, key)
    after = yamlcomments.detach(variants)
    for index in reversed(range(len(variants))):
        variant = variants[index]
        if isinstance(variant, dict) and variant_language(roundtrip.plain(variant)) == language:
            del variants[index]
    variants.extend(roundtrip.fragment(lines_for, name))
    yamlcomments.attach(variants, after)
    return roundtrip.dump(data, text, name, LAYOUT)


def _variants(data: Any, name: str, key: str) -> CommentedSeq:
    variants = _section(data, name).get(key)
    if not isinstance(variants, CommentedSeq):
        raise EditorError(f"{name}: there is no `{key}`")
    return variants


def find(entries: Sequence[Response], name: str) -> Response | None:
    return next((e for e in entries if e.name == name), None)


def replace(text: str, name: str, key: str, lines_for: list[str]) -> str:
    """`key`'s English answer replaced by `lines_for`; its translations are kept as they are."""
    data = roundtrip.load(text, name)
    section = _section(data, name)
    variants = _variants(data, name, key)
    ((new_key, fresh),) = roundtrip.fragment(lines_for, name).items()
    after = yamlcomments.detach(variants)
    for index in reversed(range(len(variants))):
        if not (isinstance(variants[index], dict) and "condition" in variants[index]):
            del variants[index]
    for index, variant in enumerate(fresh):
        variants.insert(index, variant)
    yamlcomments.attach(variants, after)
    if new_key != key:
        _rename(section, key, str(new_key))
    return roundtrip.dump(data, text, name, LAYOUT)


def _rename(section: CommentedMap, key: str, new_key: str) -> None:
    """The entry under a new name, in the same place and with its comments."""
    position = list(section).index(key)
    comments = section.ca.items.pop(key, None)
    value = section[key]
    del section[key]
    section.insert(position, new_key, value)
    if comments is not None:
        section.ca.items[new_key] = comments


def append(text: str, name: str, lines_for: list[str]) -> str:
    data = roundtrip.document(text, name, TEMPLATE)
    if not isinstance(data.get("responses"), CommentedMap):
        data["responses"] = CommentedMap()
    section = data["responses"]
    ((key, value),) = roundtrip.fragment(lines_for, name).items()
    if key in section:
        raise EditorError(f"{name}: `{key}` is already there")
    # The new entry goes right after the last one, before the lines that ended the section.
    yamlcomments.insert_after(section, list(section)[-1] if section else None, key, value)
    return roundtrip.dump(data, text, name, LAYOUT)


def remove(text: str, name: str, key: str) -> str:
    data = roundtrip.load(text, name)
    section = _section(data, name)
    if key not in section:
        raise EditorError(f"{name}: there is no `{key}`")
    yamlcomments.remove(section, key)
    return roundtrip.dump(data, text, name, LAYOUT)
