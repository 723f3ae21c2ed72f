"""The blank lines and comments after an entry of a round-trip document, kept in place when
entries are removed, replaced or inserted around them.

ruamel keeps the lines that follow an entry on the entry's last scalar, so without this an
entry taken out would take the comment above the next entry with it."""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken

Slot = tuple[Any, Any, int, bool]  # collection, key or index, place in its comment list, block?


def detach(node: Any) -> str:
    """Take the lines after `node` (blank lines and whole-line comments) off it."""
    slot = _last(node)
    token = _get(slot) if slot else None
    if slot is None or token is None:
        return ""
    own, after = _split(token.value, slot[3])
    if own.strip():
        token.value = own  # a comment at the end of the entry's own last line stays on it
    else:
        _set(slot, None)
    return after


def attach(node: Any, lines: str) -> None:
    """Put `lines` (as `detach` gives them) after `node`, below any it already has."""
    slot = _last(node)
    if not lines or slot is None:
        return
    token = _get(slot)
    if token is not None:
        token.value = token.value + lines
    else:
        _set(slot, CommentToken(lines if slot[3] else "\n" + lines, CommentMark(0), None))


def following(node: Any) -> str:
    """The lines after `node`, left on it."""
    slot = _last(node)
    token = _get(slot) if slot else None
    return _split(token.value, slot[3])[1] if slot and token else ""


def insert_after(container: Any, key: Any, new_key: Any, value: Any) -> None:
    """`value` right after the entry `key` (before the lines that followed it), or first if
    `key` is None."""
    if isinstance(container, CommentedSeq):
        index = 0 if key is None else key + 1
        container.insert(index, value)
        new = index
    else:
        index = 0 if key is None else list(container).index(key) + 1
        container.insert(index, new_key, value)
        new = new_key
    if key is not None:
        attach(container[new], detach(container[key]))


def remove(container: Any, key: Any) -> None:
    """Remove an entry; the comments after it stay, and so do the blank lines after it unless
    they would double the ones before it."""
    keys = list(container) if isinstance(container, CommentedMap) else list(range(len(container)))
    index = keys.index(key)
    lines = detach(container[key])
    above = _above_first(container) if index == 0 else []
    del container[key]
    if isinstance(container, CommentedMap):
        container.ca.items.pop(key, None)  # ruamel leaves it, for a key added again later
    if index > 0:
        previous = container[keys[index - 1]]
        if blank_at_end(following(previous)):
            lines = _without_leading_blanks(lines)
        attach(previous, lines)
    elif len(container):
        # The lines after the first entry go above the new first one.
        if lines.strip():
            above.append(CommentToken(lines, CommentMark(0), None))
        if isinstance(container, CommentedSeq) and above:
            container.ca.items.setdefault(0, [None, None, None, None])[1] = above


def _above_first(container: Any) -> list[Any]:
    """The comments above a collection's first entry: ruamel keeps a mapping's on the mapping,
    where they stay, and a sequence's by index, where they would go with the entry."""
    if isinstance(container, CommentedSeq):
        entry = container.ca.items.get(0)
        return list(entry[1] or []) if entry and len(entry) > 1 else []
    if container.ca.comment is None:
        container.ca.comment = [None, None]
    comments: list[Any] = container.ca.comment[1] or []
    container.ca.comment[1] = comments
    return comments


def blank_at_end(lines: str) -> bool:
    """Whether lines (as `following` gives them) end with a blank line."""
    return bool(lines) and not lines.splitlines()[-1].strip()


def _without_leading_blanks(lines: str) -> str:
    kept = lines.splitlines(keepends=True)
    while kept and not kept[0].strip():
        kept.pop(0)
    return "".join(kept)


def _split(value: str, block: bool) -> tuple[str, str]:
    """A comment token's text as (the end of the entry's last line, the lines after it); after
    a block scalar, whose text ends its own last line, it is all lines after."""
    if block:
        return "", value
    head, newline, rest = value.partition("\n")
    return head + newline, rest


def _last(node: Any) -> Slot | None:
    """Where ruamel keeps the comment after `node`: on its last scalar."""
    while isinstance(node, (CommentedMap, CommentedSeq)) and len(node) and _block(node):
        key = list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1
        value = node[key]
        if isinstance(value, (CommentedMap, CommentedSeq)) and len(value) and _block(value):
            node = value
            continue
        place = 2 if isinstance(node, CommentedMap) else 0
        return node, key, place, isinstance(value, (LiteralScalarString, FoldedScalarString))
    return None


def _block(node: Any) -> bool:
    return not node.fa.flow_style()


def _get(slot: Slot) -> Any:
    node, key, place, _ = slot
    entry = node.ca.items.get(key)
    return entry[place] if entry and len(entry) > place else None


def _set(slot: Slot, token: Any) -> None:
    node, key, place, _ = slot
    entry = node.ca.items.setdefault(key, [None, None, None, None])
    entry.extend([None] * (place + 1 - len(entry)))
    entry[place] = token
