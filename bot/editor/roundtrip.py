"""Data files edited as data with ruamel's round-trip mode: comments, key order, quoting and
block scalars are kept, and the file is written back with the indentation it already has."""

from __future__ import annotations

import copy
import functools
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarbool import ScalarBoolean
from ruamel.yaml.scalarfloat import ScalarFloat
from ruamel.yaml.scalarint import ScalarInt
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from bot.editor import yamlemitter, yamltext
from bot.editor.project import EditorError

Section = TypeVar("Section", CommentedMap, CommentedSeq)
_NULL = re.compile(r"(?:null|Null|NULL|~)(?=\s|$)")


@dataclass(frozen=True)
class Layout:
    """How a file indents: ruamel's `mapping`, `sequence` and `offset` (where the dash goes),
    and how it writes a null (`null` or nothing)."""

    mapping: int = 2
    sequence: int = 4
    offset: int = 2
    null: str = "null"


def shared(text: str, name: str) -> Any:
    """The parse of `text`, shared with every other caller: read it, never change it."""
    return _parsed(text, name)


def load(text: str, name: str) -> Any:
    """The parse of `text` as the caller's own copy, to edit and `dump`."""
    return copy.deepcopy(_parsed(text, name))


@functools.lru_cache(maxsize=64)
def _parsed(text: str, name: str) -> Any:
    # One `bot faq` command reads each file several times and this parser is pure Python.
    return _parse(text, name)


def _parse(text: str, name: str) -> Any:
    try:
        return _yaml(Layout()).load(text)
    except YAMLError as error:
        raise yamltext.not_valid(error, name) from None


def document(text: str, name: str, template: str) -> CommentedMap:
    """The file's top-level mapping to edit, started from `template` when it has no data yet
    (its comments, if any, are kept above)."""
    data = load(text, name) if text.strip() else None
    if data is None:
        head = text.rstrip() + "\n" if text.strip() else ""
        data = load(head + template, name)
    if not isinstance(data, CommentedMap):
        raise EditorError(f"{name}: the file should be a mapping (`version:`, ...) at the top")
    return data


def section(data: Any, key: str, kind: type[Section], name: str, shape: str) -> Section:
    """The file's top-level `key:` (empty when absent), or an error saying the `shape` it
    should have."""
    value = data.get(key) if isinstance(data, dict) else None
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise EditorError(f"{name}: `{key}:` should be {shape}")
    return value


def fragment(lines: Sequence[str], name: str) -> Any:
    """Rendered YAML lines (an entry as a module renders it) as data to put into a file."""
    return _parse("\n".join(lines) + "\n", name)  # parsed once, so not kept in the cache


def dump(data: Any, text: str, name: str, default: Layout) -> str:
    """`data`, edited from the parse of `text`, written with `text`'s own layout."""
    out = io.StringIO()
    _yaml(_layout(text, name, default)).dump(data, out)
    return out.getvalue().rstrip("\n") + "\n"  # one line break at the end, however many before


def plain(value: Any) -> Any:
    """Round-trip data as plain dicts, lists and scalars, for callers to keep and change."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, ScalarBoolean):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, ScalarInt):
        return int(value)
    if isinstance(value, ScalarFloat):
        return float(value)
    return value


def ends(text: str, starts: Sequence[int], stop: int) -> list[int]:
    """For entries starting on these 0-based lines, the index after each one's last line that
    is neither blank nor a comment (the next entry, or `stop`, bounds it)."""
    lines = text.splitlines()
    found = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else min(stop, len(lines))
        while end > start + 1 and (not lines[end - 1].strip() or _comment(lines[end - 1])):
            end -= 1
        found.append(end)
    return found


def stop_after(data: Any, key: str, text: str) -> int:
    """The 0-based line where the top-level key after `key` starts, or the end of the text."""
    if isinstance(data, CommentedMap) and key in data:
        keys = list(data)
        following = keys[keys.index(key) + 1 :]
        if following:
            return int(data.lc.key(following[0])[0])
    return len(text.splitlines())


def _comment(line: str) -> bool:
    return line.lstrip().startswith("#")


@functools.cache
def _representer(null: str) -> type[RoundTripRepresenter]:
    """ruamel writes None as nothing; this writes the file's own spelling of it."""

    class Representer(RoundTripRepresenter):
        def represent_none(self, data: Any) -> Any:
            return self.represent_scalar("tag:yaml.org,2002:null", null)

    Representer.add_representer(type(None), Representer.represent_none)
    return Representer


def _yaml(layout: Layout) -> YAML:
    yaml = YAML(typ="rt")
    yaml.Representer = _representer(layout.null)
    yaml.Emitter = yamlemitter.emitter()
    yaml.preserve_quotes = True  # type: ignore[assignment]
    yaml.width = 1_000_000  # type: ignore[assignment]  # long answers stay on one line
    yaml.indent(mapping=layout.mapping, sequence=layout.sequence, offset=layout.offset)
    return yaml


@functools.lru_cache(maxsize=64)
def _layout(text: str, name: str, default: Layout) -> Layout:
    """The layout `text` is written in, from the first nested mapping, sequence, block scalar
    and null in it (ruamel writes one layout for a whole file); `default` for what it lacks."""
    lines = text.splitlines()
    mapping: int | None = None
    sequence: tuple[int, int] | None = None
    block: int | None = None
    null: str | None = None
    for parent, key, value in _mapping_values(_parsed(text, name)):
        base = parent.lc.key(key)[1]
        line, col = parent.lc.value(key)
        if isinstance(value, CommentedMap) and value and _block(value):
            mapping = mapping or _positive(value.lc.key(next(iter(value)))[1] - base)
        elif isinstance(value, CommentedSeq) and value and _block(value) and sequence is None:
            item_line, item_col = value.lc.item(0)
            dash = lines[item_line].rfind("-", 0, item_col) - base
            sequence = (item_col - base, dash) if 0 <= dash <= item_col - base - 2 else None
        elif isinstance(value, (LiteralScalarString, FoldedScalarString)) and block is None:
            content = next((x for x in lines[line + 1 :] if x.strip()), "")
            block = _positive(len(content) - len(content.lstrip()) - base)
        elif value is None and null is None:
            written = lines[line][col:] if line < len(lines) else ""
            null = "null" if _NULL.match(written) else ""
        if mapping and sequence and null is not None:
            break
    return Layout(
        mapping=mapping or block or default.mapping,  # block scalars indent like mappings
        sequence=sequence[0] if sequence else default.sequence,
        offset=sequence[1] if sequence else default.offset,
        null=default.null if null is None else null,
    )


def _positive(number: int) -> int | None:
    return number if number > 0 else None


def _block(node: CommentedBase) -> bool:
    return not node.fa.flow_style()


def _mapping_values(node: Any) -> Iterator[tuple[CommentedMap, Any, Any]]:
    """(mapping, key, value) for the entries of every block mapping in `node`, top down."""
    stack = [node]
    while stack:
        parent = stack.pop()
        pairs = list(parent.items() if isinstance(parent, dict) else enumerate(parent))
        if isinstance(parent, CommentedMap) and _block(parent):
            yield from ((parent, key, value) for key, value in pairs)
        stack.extend(v for _, v in reversed(pairs) if isinstance(v, (dict, list)))
