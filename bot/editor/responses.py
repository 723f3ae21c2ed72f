"""Response files (data/responses/*.yml) as text: one entry per response, with its line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.editor import yamltext
from bot.editor.project import EditorError

_KEY = re.compile(r"^  ([^\s#][^:]*):\s*(?:#.*)?$")


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Response:
    name: str
    start: int  # 0-based index of the `  utter_...:` line
    end: int  # 0-based index after its last non-blank line
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


def _section(lines: list[str]) -> tuple[int, int]:
    """The lines of the top-level `responses:` mapping: (first entry line, end)."""
    try:
        top = next(i for i, line in enumerate(lines) if line.rstrip() == "responses:")
    except StopIteration:
        return len(lines), len(lines)
    end = top + 1
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith((" ", "#"))):
        end += 1
    return top + 1, end


def parse(text: str, name: str) -> list[Response]:
    lines = text.splitlines()
    first, last = _section(lines)
    starts = [i for i in range(first, last) if _KEY.match(lines[i])]
    data = yamltext.load(text, name) or {}
    parsed = data.get("responses") or {}
    entries = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else last
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1
        key = _KEY.match(lines[start])
        assert key is not None
        entry = key.group(1).strip().strip("\"'")
        variants = parsed.get(entry)
        if not isinstance(variants, list):
            raise EditorError(f"{name}:{start + 1}: `{entry}` is not laid out the usual way")
        entries.append(Response(entry, start, end, tuple(v for v in variants)))
    if [e.name for e in entries] != list(parsed):
        raise EditorError(f"{name}: the responses are not laid out the usual way")
    return entries


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
    lines = text.splitlines()
    entry = find(parse(text, name), key)
    if entry is None:
        raise EditorError(f"{name}: there is no `{key}`")
    own = lines[entry.start : entry.end]
    translations = _translation_lines(own)
    head = own[: len(own) - len(translations)] if translations else own
    kept: list[str] = []
    for chunk in _chunks(translations):
        variants = yamltext.load("\n".join(line[4:] for line in chunk), name) or [{}]
        if variant_language(variants[0]) != language:
            kept += chunk
    lines[entry.start : entry.end] = head + kept + lines_for
    return yamltext.join_lines(lines)


def _chunks(variant_lines: list[str]) -> list[list[str]]:
    chunks: list[list[str]] = []
    for line in variant_lines:
        if line.startswith("    - ") or not chunks:
            chunks.append([])
        chunks[-1].append(line)
    return chunks


def find(entries: Sequence[Response], name: str) -> Response | None:
    return next((e for e in entries if e.name == name), None)


def replace(text: str, name: str, key: str, lines_for: list[str]) -> str:
    """`key`'s English answer replaced by `lines_for`; its translations are kept as they are."""
    lines = text.splitlines()
    entry = find(parse(text, name), key)
    if entry is None:
        raise EditorError(f"{name}: there is no `{key}`")
    lines[entry.start : entry.end] = lines_for + _translation_lines(lines[entry.start : entry.end])
    return yamltext.join_lines(lines)


def _translation_lines(entry_lines: list[str]) -> list[str]:
    """The lines of an entry's conditional variants (`    - condition:` to the next variant)."""
    kept: list[str] = []
    keeping = False
    for line in entry_lines[1:]:
        if line.startswith("    - "):
            keeping = line.startswith("    - condition:")
        if keeping:
            kept.append(line)
    return kept


def append(text: str, name: str, lines_for: list[str]) -> str:
    lines = text.splitlines()
    if not lines:
        lines = ['version: "3.1"', "responses:"]
    elif not any(line.rstrip() == "responses:" for line in lines):
        lines.append("responses:")
    entries = parse(yamltext.join_lines(lines), name)
    at = entries[-1].end if entries else _section(lines)[0]
    lines[at:at] = lines_for
    return yamltext.join_lines(lines)


def remove(text: str, name: str, key: str) -> str:
    lines = text.splitlines()
    entries = parse(text, name)
    entry = find(entries, key)
    if entry is None:
        raise EditorError(f"{name}: there is no `{key}`")
    end = entry.end
    while end < len(lines) and not lines[end].strip():
        end += 1
    del lines[entry.start : end]
    return yamltext.join_lines(lines)
