"""Everything the editor tools know about a project's FAQ data at one moment, with locations."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from bot.editor import nlu, responses, stories, yamltext
from bot.editor.project import LANGUAGE_CODE, Files, Project
from bot.editor.responses import Button

FAQ = "faq"
UNANSWERED = "not_in_article"
RETRIEVAL_INTENTS = (FAQ, UNANSWERED)


@dataclass(frozen=True)
class Located:
    """A training example and where it is written."""

    label: str
    text: str
    path: Path
    line: int


@dataclass(frozen=True)
class Faq:
    topic: str
    examples: tuple[str, ...]
    answer: str
    buttons: tuple[Button, ...] = ()
    test_question: str | None = None


class Snapshot:
    """Parsed views of the project's files as `files` holds them (staged changes included)."""

    def __init__(self, files: Files) -> None:
        self.files = files

    @property
    def project(self) -> Project:
        return self.files.project

    def rel(self, path: Path) -> str:
        return self.project.rel(path)

    def text(self, path: Path) -> str:
        return self.files.read(path)

    def _yaml_files(self, folder: Path) -> list[Path]:
        paths = set(folder.glob("*.yml")) | {
            p for p in self.files.staged() if p.parent == folder and p.suffix == ".yml"
        }
        return sorted(paths)

    @functools.cached_property
    def nlu_files(self) -> dict[Path, list[nlu.Block]]:
        faq = [self.project.faq_nlu] if self.files.exists(self.project.faq_nlu) else []
        return {
            path: nlu.parse(self.text(path), self.rel(path))
            for path in [*faq, *self._yaml_files(self.project.nlu_dir)]
        }

    @functools.cached_property
    def response_files(self) -> dict[Path, list[responses.Response]]:
        return {
            path: responses.parse(self.text(path), self.rel(path))
            for path in self._yaml_files(self.project.responses_dir)
        }

    @functools.cached_property
    def stories(self) -> list[stories.Story]:
        path = self.project.stories
        if not self.files.exists(path):
            return []
        return stories.parse(self.text(path), self.rel(path))

    @functools.cached_property
    def heldout(self) -> list[tuple[str, str]]:
        path = self.project.heldout
        if not self.files.exists(path):
            return []
        raw = yamltext.load(self.text(path), self.rel(path)) or {}
        return [(str(e["label"]), str(e["text"])) for e in raw.get("examples") or []]

    @functools.cached_property
    def examples(self) -> list[Located]:
        return [
            Located(block.intent, example.text, path, example.line)
            for path, blocks in self.nlu_files.items()
            for block in blocks
            for example in block.examples
        ]

    def blocks(self, intent: str) -> list[tuple[Path, nlu.Block]]:
        return [
            (p, b) for p, blocks in self.nlu_files.items() for b in blocks if b.intent == intent
        ]

    def response_entries(self, name: str) -> list[tuple[Path, responses.Response]]:
        return [
            (p, r) for p, entries in self.response_files.items() for r in entries if r.name == name
        ]

    def topics(self, retrieval_intent: str = FAQ) -> list[str]:
        """Topics in the order their example blocks appear."""
        seen: dict[str, None] = {}
        prefix = f"{retrieval_intent}/"
        for blocks in self.nlu_files.values():
            for block in blocks:
                if block.intent.startswith(prefix):
                    seen[block.intent[len(prefix) :]] = None
        return list(seen)

    def faq(self, topic: str) -> Faq | None:
        blocks = self.blocks(f"{FAQ}/{topic}")
        entries = self.response_entries(f"utter_{FAQ}/{topic}")
        story = stories.find_faq(self.stories, topic)
        if not blocks and not entries and story is None:
            return None
        response = entries[0][1] if entries else None
        return Faq(
            topic=topic,
            examples=tuple(t for _, b in blocks for t in b.texts),
            answer=response.text if response else "",
            buttons=response.buttons if response else (),
            test_question=story.faq_question() if story else None,
        )

    # --- other languages: examples in data/<language>/, answers as conditional variants --------

    @functools.cached_property
    def languages(self) -> list[str]:
        staged = {
            p.parent.name
            for p in self.files.staged()
            if p.parent.parent == self.project.root / "data" and LANGUAGE_CODE.match(p.parent.name)
        }
        return sorted(set(self.project.languages()) | staged)

    def translated_nlu_files(self, language: str) -> dict[Path, list[nlu.Block]]:
        cache = self.__dict__.setdefault("_translated", {})
        if language not in cache:
            cache[language] = {
                path: nlu.parse(self.text(path), self.rel(path))
                for path in self._yaml_files(self.project.nlu_dir_for(language))
            }
        return cache[language]

    @property
    def all_nlu_files(self) -> dict[Path, list[nlu.Block]]:
        """The NLU files of every language, English first."""
        files = dict(self.nlu_files)
        for language in self.languages:
            files |= self.translated_nlu_files(language)
        return files

    def translated_blocks(self, language: str, intent: str) -> list[tuple[Path, nlu.Block]]:
        return [
            (p, b)
            for p, blocks in self.translated_nlu_files(language).items()
            for b in blocks
            if b.intent == intent
        ]

    def translated_topics(self, language: str) -> list[str]:
        prefix = f"{FAQ}/"
        return list(
            {
                b.intent[len(prefix) :]: None
                for blocks in self.translated_nlu_files(language).values()
                for b in blocks
                if b.intent.startswith(prefix)
            }
        )

    def translation(self, topic: str, language: str) -> Faq | None:
        """The FAQ as a `language` speaker gets it: their examples and the answer's translation."""
        blocks = self.translated_blocks(language, f"{FAQ}/{topic}")
        entries = self.response_entries(f"utter_{FAQ}/{topic}")
        variant = entries[0][1].translation(language) if entries else None
        if not blocks and variant is None:
            return None
        return Faq(
            topic=topic,
            examples=tuple(t for _, b in blocks for t in b.texts),
            answer=str((variant or {}).get("text") or ""),
            buttons=responses.buttons_of(variant or {}),
        )

    def faqs(self) -> list[Faq]:
        return [faq for topic in self.topics() if (faq := self.faq(topic)) is not None]

    def exists(self, topic: str) -> bool:
        return self.faq(topic) is not None
