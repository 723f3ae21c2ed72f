"""Rasa's CountVectorsFeaturizer with its features built straight into the sparse matrices it keeps.

For each message Rasa's CountVectorsFeaturizer has sklearn's vectorizer transform the tokens
(one row each) and the sentence (one row): each call rebuilds the analyzer, counts into a CSR
matrix (with scipy's format checks), sorts its indices, and Rasa then converts it to COO. With
two featurizers that was 16 % of answering a message in process, most of it matrix set-up for
a handful of non-zeros (bench/profile.py and py-spy before this change).

Here the analyzer is built once per vectorizer and the counts go into the COO matrix directly:
the same analyzer, vocabulary, rows, columns (sorted within a row, as Rasa's `sort_indices`
leaves them), values and dtypes. A vectorizer that is not fitted, or one set to binary counts,
goes through Rasa's code, as does every message when the installed Rasa's method is not the one
this was written against (bot/rasa_server/fixes.py). Training is Rasa's;
tests/test_lean_components.py compares every matrix with Rasa's.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from sklearn.feature_extraction.text import CountVectorizer

from bot.rasa_server import fixes

_analyzers: weakref.WeakKeyDictionary[CountVectorizer, Callable[[str], list[str]]] = (
    weakref.WeakKeyDictionary()
)


def counts(vectorizer: CountVectorizer, documents: Sequence[str]) -> scipy.sparse.coo_matrix:
    """`vectorizer.transform(documents)` with sorted indices, as a COO matrix."""
    analyze = _analyzers.get(vectorizer)
    if analyze is None:
        analyze = _analyzers[vectorizer] = vectorizer.build_analyzer()
    vocabulary = vectorizer.vocabulary_
    rows: list[int] = []
    columns: list[int] = []
    values: list[int] = []
    for row, document in enumerate(documents):
        counter: dict[int, int] = {}
        for feature in analyze(document):
            column = vocabulary.get(feature)
            if column is not None:
                counter[column] = counter.get(column, 0) + 1
        for column in sorted(counter):
            rows.append(row)
            columns.append(column)
            values.append(counter[column])
    return scipy.sparse.coo_matrix(
        (
            np.array(values, dtype=vectorizer.dtype),
            (np.array(rows, dtype=np.int32), np.array(columns, dtype=np.int32)),
        ),
        shape=(len(documents), len(vocabulary)),
    )


def _fitted(vectorizer: CountVectorizer | None) -> bool:
    return (
        vectorizer is not None
        and bool(getattr(vectorizer, "vocabulary_", None))
        and not vectorizer.binary
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class LeanCountVectorsFeaturizer(CountVectorsFeaturizer):
    """Rasa's featurizer, trained as Rasa's; a message's counts are built as above."""

    def _create_features(
        self, attribute: str, all_tokens: list[list[str]]
    ) -> tuple[list[Any], list[Any]]:
        vectorizer = self.vectorizers.get(attribute)
        if not _fitted(vectorizer) or not fixes.fits("count_vectors"):
            return super()._create_features(attribute, all_tokens)
        sequence_features: list[Any] = []
        sentence_features: list[Any] = []
        for tokens in all_tokens:
            if not tokens:
                sequence_features.append(None)
                sentence_features.append(None)
                continue
            sequence_features.append(counts(vectorizer, tokens))
            sentence_features.append(
                counts(vectorizer, [" ".join(tokens)])
                if attribute in DENSE_FEATURIZABLE_ATTRIBUTES
                else None
            )
        return sequence_features, sentence_features
