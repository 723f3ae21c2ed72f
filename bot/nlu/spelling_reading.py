"""The semantic reading for Spanish messages: the embedding and word n-grams of the English
reading, plus character n-grams, with the Spanish examples weighted up.

Spanish visitors leave out accents and misspell ("rosasea", "piquetes", "lidocaina"), and the
embedding knows Spanish less well than English, so on Spanish questions the English reading's
first choice was often not the topic DIET rightly chose. Character n-grams match a misspelt word to
its spelling in our examples. They raised the reading's first choice being the right topic
from 0.86 to 0.93 on the Spanish development set's FAQ questions (0.81 to 0.84 held out); on
English they lowered it, so English keeps its own reading (`python -m bench.semantic_readings`,
bench/results/semantic_spanish.json).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack

from bot.nlu.embeddings import StaticEmbedding


class SpellingReading:
    """A logistic regression over the embedding, word n-grams and character n-grams."""

    def __init__(self, words: Any, characters: Any, classifier: Any) -> None:
        self._words, self._characters, self._classifier = words, characters, classifier
        self._weights: np.ndarray | None = None
        self._bias: np.ndarray | None = None

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self._classifier.classes_]

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        weights: Sequence[float],
        embedding: StaticEmbedding,
        regularisation: float,
    ) -> SpellingReading:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(texts)
        characters = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2
        ).fit(texts)
        classifier = LogisticRegression(C=regularisation, max_iter=3000)
        reading = cls(words, characters, classifier)
        classifier.fit(reading._features(list(texts), embedding), labels, sample_weight=weights)
        return reading

    def _features(self, texts: list[str], embedding: StaticEmbedding) -> Any:
        dense = csr_matrix(embedding.embed(texts))
        return hstack([dense, self._words.transform(texts), self._characters.transform(texts)])

    def probabilities(self, texts: list[str], embedding: StaticEmbedding) -> np.ndarray:
        """`predict_proba`, computed directly: sklearn's checks took 3 of a message's 4 ms."""
        if self._weights is None:
            self._weights = np.ascontiguousarray(self._classifier.coef_.T, dtype=np.float32)
            self._bias = np.asarray(self._classifier.intercept_, dtype=np.float32)
        scores = self._features(texts, embedding).tocsr() @ self._weights + self._bias
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_weights": None, "_bias": None}  # rebuilt on first use

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update({"_weights": None, "_bias": None, **state})
