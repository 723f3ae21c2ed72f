"""When each FAQ last changed, from git: the newest commit among the lines it is written on."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

NOT_COMMITTED = "not committed yet"
UNKNOWN = "-"
_ZERO = "0" * 40


def _blame(root: Path, path: Path, ranges: Sequence[tuple[int, int]]) -> dict[int, str | None]:
    """For each line in the ranges: the commit time (ISO date), or None if not committed."""
    arguments = [a for start, end in ranges for a in ("-L", f"{start},{end}")]
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "blame", "--porcelain", *arguments, "--", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return {}
    if result.returncode != 0:
        return {}
    times: dict[str, int] = {}
    lines: dict[int, str] = {}
    commit = ""
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and len(parts[0]) == 40 and parts[1].isdigit():
            commit = parts[0]
            lines[int(parts[2])] = commit
        elif line.startswith("committer-time "):
            times[commit] = int(parts[1])
    found: dict[int, str | None] = {}
    for number, sha in lines.items():
        stamp = times.get(sha)
        found[number] = (
            None
            if sha == _ZERO or stamp is None
            else datetime.fromtimestamp(stamp, timezone.utc).date().isoformat()
        )
    return found


def _tracked(root: Path, path: Path) -> bool | None:
    """True if git tracks the file, False if not, None if this is not a git work tree."""
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "ls-files", "--error-unmatch", "--", str(path)],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode == 0:
        return True
    inside = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"], capture_output=True
    )
    return False if inside.returncode == 0 else None


def last_changed(
    root: Path, places: Mapping[str, Sequence[tuple[Path, int, int]]]
) -> dict[str, str]:
    """`places`: for each topic, (file, first line, last line) ranges (1-based, inclusive)."""
    by_file: dict[Path, list[tuple[int, int]]] = {}
    for ranges in places.values():
        for path, start, end in ranges:
            by_file.setdefault(path, []).append((start, end))
    blamed: dict[Path, dict[int, str | None]] = {}
    tracked: dict[Path, bool | None] = {}
    for path, lines in by_file.items():
        tracked[path] = _tracked(root, path)
        blamed[path] = _blame(root, path, lines) if tracked[path] else {}
    result: dict[str, str] = {}
    for topic, ranges in places.items():
        dates: list[str] = []
        label = ""
        for path, start, end in ranges:
            if tracked[path] is None:
                label = label or UNKNOWN
                continue
            if tracked[path] is False:
                label = NOT_COMMITTED
                continue
            for number in range(start, end + 1):
                date = blamed[path].get(number)
                if date is None:
                    label = NOT_COMMITTED
                else:
                    dates.append(date)
        result[topic] = label or (max(dates) if dates else UNKNOWN)
    return result
