"""Suggested answers for staff in a live chat: the clinic's own FAQ answers (data/responses/
faq.yml), in the visitor's language, ranked by the words the visitor's message shares with the
topic's example questions (the NLU data under data/), each weighted by how often the topic's
examples use it and how few topics do. Staff insert one with a
click and may edit it; nothing is sent without them."""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import cache
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

WORD = re.compile(r"[^\W\d_]{3,}")
STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "you",
        "are",
        "does",
        "can",
        "how",
        "what",
        "with",
        "that",
        "this",
        "have",
        "from",
        "will",
        "your",
        "about",
        "los",
        "las",
        "una",
        "que",
        "con",
        "por",
        "para",
        "del",
        "como",
        "qué",
        "cómo",
    ]
)


def words(text: str) -> set[str]:
    return {w for w in WORD.findall(text.lower()) if w not in STOP}


@cache
def answers(root: Path = PROJECT_ROOT) -> dict[str, dict[str, str]]:
    """topic -> language -> the answer's text."""
    data = yaml.safe_load((root / "data/responses/faq.yml").read_text(encoding="utf-8"))
    found: dict[str, dict[str, str]] = {}
    for name, variants in (data.get("responses") or {}).items():
        topic = name.split("/", 1)[1]
        for variant in variants:
            conditions = variant.get("condition") or []
            language = next(
                (c.get("value") for c in conditions if c.get("name") == "language"), "en"
            )
            found.setdefault(topic, {}).setdefault(str(language), str(variant.get("text", "")))
    return found


@cache
def examples(root: Path = PROJECT_ROOT) -> dict[str, dict[str, float]]:
    """topic -> word -> the share of its example questions (in every language) with that word.
    Every NLU file under data/ is read, wherever the FAQ examples are kept (they have moved
    before)."""
    counts: dict[str, Counter[str]] = {}
    sizes: Counter[str] = Counter()
    for path in sorted((root / "data").rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or [] if isinstance(data, dict) else []:
            intent = str(item.get("intent", "")) if isinstance(item, dict) else ""
            if not intent.startswith("faq/"):
                continue
            topic = intent[4:]
            for line in str(item.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    counts.setdefault(topic, Counter()).update(words(line))
                    sizes[topic] += 1
    return {t: {w: n / sizes[t] for w, n in c.items()} for t, c in counts.items()}


@cache
def _rarity() -> dict[str, float]:
    """How few topics use each word: "botox" or "rosacea", in every topic's examples, tell
    nothing; with many examples a plain count of shared words ranked every topic alike."""
    topics = examples()
    used: Counter[str] = Counter(w for vocabulary in topics.values() for w in vocabulary)
    return {w: math.log(len(topics) / n) for w, n in used.items()}


def suggest(text: str, language: str = "en", limit: int = 3) -> list[dict[str, str]]:
    asked = words(text)
    if not asked:
        return []
    rarity = _rarity()
    scored = []
    for topic, vocabulary in examples().items():
        score = sum(vocabulary.get(w, 0.0) * rarity.get(w, 0.0) for w in asked)
        if score > 0 and topic in answers():
            scored.append((score, topic))
    scored.sort(key=lambda item: (-item[0], item[1]))
    found = []
    for _, topic in scored[:limit]:
        by_language = answers()[topic]
        text_in = by_language.get(language) or by_language.get("en", "")
        found.append(
            {
                "topic": topic,
                "language": language if language in by_language else "en",
                "text": text_in,
            }
        )
    return found
