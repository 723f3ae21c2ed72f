"""Errors logged without the values they carry.

An exception's message may quote what it failed on: a visitor's message, a contact address, a
row of the database. A full traceback (`logger.exception`) would put that in the log, so our
handlers log the exception's type and where it was raised instead: enough to find the bug.
"""

from __future__ import annotations

import traceback
from pathlib import Path

FRAMES = 8  # the innermost ones: where it went wrong


def described(error: BaseException) -> str:
    """`Type at file:line in function <- ...`, innermost first, causes after `from`."""
    parts = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(current.__traceback__)[-FRAMES:]
        where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames[::-1])
        parts.append(f"{type(current).__name__}" + (f" at {where}" if where else ""))
        current = current.__cause__ or current.__context__
    return " from ".join(parts)
