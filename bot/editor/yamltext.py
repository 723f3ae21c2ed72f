"""YAML read the way Rasa reads it, and scalars written the way the data files quote them."""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from bot.editor.project import EditorError


def load(text: str, name: str) -> Any:
    """Parse YAML 1.2 as Rasa's `read_yaml` does (libyaml when installed), or say which file is
    broken and where; for files only read, such as the held-out set. A text already parsed is
    copied from the last ones parsed, as one `bot faq` command reads a file several times."""
    return copy.deepcopy(_parsed(text, name))


@functools.lru_cache(maxsize=64)
def _parsed(text: str, name: str) -> Any:
    yaml = YAML(typ="safe")
    yaml.version = (1, 2)  # type: ignore[assignment]
    try:
        return yaml.load(text)
    except YAMLError as error:
        raise not_valid(error, name) from None


def not_valid(error: YAMLError, name: str) -> EditorError:
    """The parser's complaint as the editor's: which file, which line, what is wrong."""
    mark = getattr(error, "problem_mark", None)
    where = f"{name}:{mark.line + 1}" if mark is not None else name
    return EditorError(f"{where}: not valid YAML ({getattr(error, 'problem', error)})")


def quoted(value: str) -> str:
    """A double-quoted YAML scalar (JSON strings are valid YAML 1.2 double-quoted scalars)."""
    return json.dumps(value, ensure_ascii=False)
