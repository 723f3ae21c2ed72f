"""Where an assistant project keeps the files the editor tools read and write."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bot.settings import PROJECT_ROOT

DEFAULT_LANGUAGE = "en"
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")


class EditorError(Exception):
    """A change that cannot be made; the message says why, in the editor's words."""


@dataclass(frozen=True)
class Project:
    root: Path = PROJECT_ROOT

    @property
    def nlu_dir(self) -> Path:
        return self.root / "data" / "nlu"

    @property
    def faq_nlu(self) -> Path:
        """The FAQ examples editors add to; other topics' examples are in data/nlu/."""
        return self.root / "data" / "nlu.yml"

    def nlu_dir_for(self, language: str) -> Path:
        """English examples live in data/nlu/, every other language's in data/<language>/."""
        return self.nlu_dir if language == DEFAULT_LANGUAGE else self.root / "data" / language

    def faq_nlu_for(self, language: str) -> Path:
        if language == DEFAULT_LANGUAGE:
            return self.faq_nlu
        return self.nlu_dir_for(language) / "nlu.yml"

    def languages(self) -> list[str]:
        """The other languages the data has examples for (data/es/, ...)."""
        data = self.root / "data"
        return sorted(
            p.name
            for p in data.glob("*")
            if p.is_dir() and LANGUAGE_CODE.match(p.name) and any(p.glob("*.yml"))
        )

    @property
    def unanswered_nlu(self) -> Path:
        return self.nlu_dir / "not_in_article.yml"

    @property
    def responses_dir(self) -> Path:
        return self.root / "data" / "responses"

    @property
    def faq_responses(self) -> Path:
        return self.responses_dir / "faq.yml"

    @property
    def stories(self) -> Path:
        return self.root / "tests" / "test_stories.yml"

    @property
    def heldout(self) -> Path:
        return self.root / "tests" / "data" / "nlu_heldout.yml"

    @property
    def article(self) -> Path:
        return self.root / "content" / "botox-for-rosacea.txt"

    @property
    def models(self) -> Path:
        return self.root / "models"

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)


@dataclass
class Files:
    """The project's text files, with changes staged in memory until `save()`."""

    project: Project
    _staged: dict[Path, str] = field(default_factory=dict)

    def read(self, path: Path) -> str:
        if path in self._staged:
            return self._staged[path]
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def stage(self, path: Path, text: str) -> None:
        self._staged[path] = text

    def staged(self) -> list[Path]:
        return list(self._staged)

    def exists(self, path: Path) -> bool:
        return path in self._staged or path.exists()

    def changed(self) -> list[Path]:
        return [p for p, text in self._staged.items() if not p.exists() or p.read_text() != text]

    def save(self) -> list[Path]:
        """Write every staged file; if one cannot be written, put the others back."""
        changed = self.changed()
        originals = {p: p.read_text(encoding="utf-8") if p.exists() else None for p in changed}
        written: list[Path] = []
        try:
            for path in changed:
                _write_atomically(path, self._staged[path])
                written.append(path)
        except OSError:
            for path in written:
                original = originals[path]
                if original is None:
                    path.unlink(missing_ok=True)
                else:
                    _write_atomically(path, original)
            raise
        self._staged.clear()
        return changed


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
