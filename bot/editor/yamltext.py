"""Small helpers for editing YAML as text: read it the way Rasa does, write quoted scalars."""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from bot.editor.project import EditorError


def load(text: str, name: str) -> Any:
    """Parse YAML 1.2 (Rasa's dialect) or say which file is broken and where.

    One `bot faq` command reads each data file several times (its checks, before and after the
    change) and the pure-Python parser takes most of its time, so a text already parsed is
    copied from the last ones parsed instead."""
    return copy.deepcopy(_parsed(text, name))


@functools.lru_cache(maxsize=64)
def _parsed(text: str, name: str) -> Any:
    try:
        return YAML(typ="safe", pure=True).load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        raise EditorError(f"{where}: not valid YAML ({getattr(error, 'problem', error)})") from None


def quoted(value: str) -> str:
    """A double-quoted YAML scalar (JSON strings are valid YAML 1.2 double-quoted scalars)."""
    return json.dumps(value, ensure_ascii=False)


def split_lines(text: str) -> list[str]:
    return text.splitlines()


def join_lines(lines: list[str]) -> str:
    return "\n".join(lines).rstrip("\n") + "\n"
