"""Questions the editor tools ask on the terminal (or on piped input, for scripts and tests)."""

from __future__ import annotations

from collections.abc import Callable


class Prompter:
    def __init__(
        self,
        read: Callable[[str], str] | None = None,
        write: Callable[[str], None] | None = None,
    ) -> None:
        self._read = read or (lambda prompt: input(prompt))
        self._write = write or (lambda text: print(text, flush=True))

    def say(self, text: str = "") -> None:
        self._write(text)

    def ask(self, question: str, default: str = "") -> str:
        shown = f"{question} [{default}]: " if default else f"{question}: "
        try:
            answer = self._read(shown).strip()
        except EOFError:
            answer = ""
        return answer or default

    def lines(self, question: str) -> list[str]:
        """Several answers, one per line, until an empty line."""
        self._write(f"{question} (one per line, an empty line to finish)")
        found: list[str] = []
        while True:
            try:
                line = self._read(f"  {len(found) + 1}> ").strip()
            except EOFError:
                break
            if not line:
                break
            found.append(line)
        return found

    def confirm(self, question: str, default: bool) -> bool:
        hint = "Y/n" if default else "y/N"
        answer = self.ask(f"{question} ({hint})").lower()
        if not answer:
            return default
        return answer.startswith("y")
