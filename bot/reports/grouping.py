"""Grouping visitor messages that ask the same thing: TF-IDF character n-grams over their
content words, and a simple threshold clustering (each wording joins the group it is most
similar to, if similar enough, else starts one).

Function words ("can I", "is there", "my") dominate the n-grams of short questions, so they
are left out; the IDF weights can come from a larger background corpus (the training
examples), so that words common in the clinic's domain count for less.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from bot.editor.similarity import Similarity

THRESHOLD = 0.35
STOP_WORDS = frozenset(
    re.split(
        r"\s+",
        """a an the is are am was were be been do does did can could would will should shall
        may might must i you he she it we they me him her us them my your his its our their
        this that these those there here what whats how when where who whom why which of for
        to in on at by with from and or but so if then just please pls plz hi hello hey about
        any some have has had get got like also too very really im ive id youre dont""".strip(),
    )
)


def key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\[\] ]+", " ", text.lower()).split())


def content(text: str) -> str:
    """The words that carry the question ("is there parking near you?" -> "parking near")."""
    words = re.findall(r"[\w\[\]]+", text.lower().replace("'", "").replace("\u2019", ""))
    kept = [w for w in words if w not in STOP_WORDS]
    return " ".join(kept) or " ".join(words)


def group(
    texts: Sequence[str], threshold: float = THRESHOLD, background: Sequence[str] = ()
) -> list[list[int]]:
    """Indexes of `texts` in groups, biggest first. The most frequent wordings come first and
    seed groups; a wording joins the group whose centroid is most similar (cosine) if that is
    at least `threshold`."""
    if not texts:
        return []
    keys = [key(t) for t in texts]
    counts = Counter(keys)
    order = sorted(counts, key=lambda k: (-counts[k], keys.index(k)))
    wordings = [content(k) for k in order]
    similarity = Similarity([*(content(b) for b in background), *wordings])
    vectors = similarity.vectors(wordings).toarray()
    centroids: list[np.ndarray] = []
    members: list[list[str]] = []
    for index, wording in enumerate(order):
        vector = vectors[index]
        best, score = -1, 0.0
        if centroids:
            matrix = np.vstack(centroids)
            norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(vector) or 1.0)
            scores = matrix @ vector / np.where(norms == 0, 1.0, norms)
            best, score = int(np.argmax(scores)), float(np.max(scores))
        if best >= 0 and score >= threshold:
            members[best].append(wording)
            centroids[best] = centroids[best] + vector * counts[wording]
        else:
            members.append([wording])
            centroids.append(vector * counts[wording])
    _merge(centroids, members, threshold)
    by_key: dict[str, list[int]] = {}
    for position, k in enumerate(keys):
        by_key.setdefault(k, []).append(position)
    groups = [[i for wording in words for i in by_key[wording]] for words in members if words]
    return sorted(groups, key=lambda g: (-len(g), min(g)))


def _merge(centroids: list[np.ndarray], members: list[list[str]], threshold: float) -> None:
    """Join the two most similar groups while their centroids are similar enough (the first
    pass depends on the order wordings come in; this makes up for it)."""
    while len(centroids) > 1:
        matrix = np.vstack(centroids)
        norms = np.linalg.norm(matrix, axis=1)
        unit = matrix / np.where(norms == 0, 1.0, norms)[:, None]
        scores = unit @ unit.T
        np.fill_diagonal(scores, -1.0)
        a, b = np.unravel_index(int(np.argmax(scores)), scores.shape)
        if scores[a, b] < threshold:
            return
        keep, drop = int(min(a, b)), int(max(a, b))
        centroids[keep] = centroids[keep] + centroids[drop]
        members[keep].extend(members[drop])
        del centroids[drop], members[drop]
