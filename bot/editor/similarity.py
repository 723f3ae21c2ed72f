"""When two visitor questions are the same question, and when they are merely alike.

- `clash_key` / `heldout_key`: the normalisations tests/test_data.py compares examples with.
- `near_duplicates`: the same question up to case, punctuation, filler words ("please", "the"),
  common contractions, word order or one typo. Deliberate minimal pairs ("can botox help
  rosacea" / "can botox help acne") differ in a real word and are not near-duplicates.
- `Similarity`: TF-IDF over character n-grams, for "looks like" decisions (which topic an example
  is closest to, grouping what visitors asked).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from difflib import SequenceMatcher
from typing import Any

FILLER = frozenset(
    {"please", "pls", "plz", "hi", "hello", "hey", "so", "um", "uh", "just", "really"}
    | {"exactly", "actually", "the", "a", "an", "ok", "okay", "well"}
)
CONTRACTIONS = {
    "whats": "what is",
    "what's": "what is",
    "it's": "it is",
    "its": "it is",
    "i'm": "i am",
    "im": "i am",
    "don't": "do not",
    "dont": "do not",
    "can't": "cannot",
    "cant": "cannot",
    "doesn't": "does not",
    "doesnt": "does not",
    "isn't": "is not",
    "you're": "you are",
    "how's": "how is",
    "where's": "where is",
    "there's": "there is",
    "u": "you",
    "r": "are",
    "ur": "your",
}
TYPO_RATIO = 0.8
MIN_TYPO_WORD = 4


def clash_key(text: str) -> str:
    return re.sub(r"[^\w ]", "", text.lower()).strip()


def heldout_key(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def words(text: str) -> list[str]:
    found = []
    for word in re.findall(r"[\w']+", text.lower().replace("\u2019", "'")):
        word = word.strip("'")
        for part in CONTRACTIONS.get(word, word).split():
            if part and part not in FILLER:
                found.append(part)
    return found


def near_duplicates(items: Sequence[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Pairs (i, j, how) of (label, text) items with different labels that are the same
    question: the same words in any order, or the same words but one with a typo."""
    bags = [sorted(words(text)) for _, text in items]
    same: defaultdict[tuple[str, ...], list[int]] = defaultdict(list)
    masked: defaultdict[tuple[str, ...], list[tuple[int, str]]] = defaultdict(list)
    for index, bag in enumerate(bags):
        if not bag:
            continue
        same[tuple(bag)].append(index)
        if len(bag) >= 2:
            for position, word in enumerate(bag):
                masked[tuple(bag[:position] + bag[position + 1 :])].append((index, word))
    pairs: dict[tuple[int, int], str] = {}
    for group in same.values():
        for i, j in itertools.combinations(group, 2):
            if items[i][0] != items[j][0]:
                pairs[(i, j)] = "the same words"
    for variants in masked.values():
        for (i, a), (j, b) in itertools.combinations(variants, 2):
            if items[i][0] == items[j][0] or a == b or (min(i, j), max(i, j)) in pairs:
                continue
            if min(len(a), len(b)) >= MIN_TYPO_WORD and _alike(a, b):
                pairs[(min(i, j), max(i, j))] = f"the same words but {a!r}/{b!r}"
    return [(i, j, how) for (i, j), how in sorted(pairs.items())]


def _alike(a: str, b: str) -> bool:
    return SequenceMatcher(None, a, b).ratio() >= TYPO_RATIO


class Similarity:
    """Cosine similarity of TF-IDF character n-grams (2-4 within words)."""

    def __init__(self, corpus: Sequence[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, preprocessor=_prepare
        )
        self._vectorizer.fit(list(corpus) or [""])

    def vectors(self, texts: Sequence[str]) -> Any:
        return self._vectorizer.transform(list(texts))

    def matrix(self, left: Sequence[str], right: Sequence[str]) -> Any:
        """Dense similarities, len(left) x len(right)."""
        return (self.vectors(left) @ self.vectors(right).T).toarray()


def _prepare(text: str) -> str:
    return re.sub(r"[^\w ]+", " ", text.lower())


def stem(word: str) -> str:
    word = word.lower().removesuffix("'s")
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def stems(text: str) -> set[str]:
    return {stem(w) for w in words(text)}


def topic_keywords(
    questions: Sequence[str], corpus: Sequence[str], share: float = 0.6, rare: float = 0.01
) -> set[str]:
    """Words that mark a new topic: used in at least `share` of its questions (and in two),
    and rare in the existing training examples (in under `rare` of them)."""
    counts: defaultdict[str, int] = defaultdict(int)
    for question in questions:
        for word in stems(question):
            counts[word] += 1
    needed = max(2, share * len(questions))
    common = [w for w, n in counts.items() if n >= needed and len(w) >= 3]
    corpus_stems = [stems(text) for text in corpus]
    limit = rare * max(1, len(corpus))
    return {w for w in common if sum(w in s for s in corpus_stems) < limit}


def nearest_labels(
    labelled: Sequence[tuple[str, str]], texts: Sequence[str], k: int = 3
) -> list[str]:
    """For each text, the label whose k most similar examples are the most similar on average."""
    if not labelled or not texts:
        return ["" for _ in texts]
    examples = [t for _, t in labelled]
    rows = Similarity([*examples, *texts]).matrix(texts, examples)
    by_label: defaultdict[str, list[int]] = defaultdict(list)
    for index, (label, _) in enumerate(labelled):
        by_label[label].append(index)
    return [max(by_label, key=lambda label: _top(row, by_label[label], k)) for row in rows]


def _top(row: Any, indexes: Collection[int], k: int) -> float:
    if not indexes:
        return 0.0
    values = sorted((float(row[i]) for i in indexes), reverse=True)[:k]
    return sum(values) / len(values)
