"""The semantic reading's variants side by side, without Rasa: how often each one's first choice
is the right FAQ topic on the FAQ questions of the English and Spanish sets, and how long a
Spanish message takes to read. Chooses what `bot/nlu/spelling_reading.py` reads Spanish with.

    python -m bench.semantic_readings      # results: bench/results/semantic_spanish.json

Variants: the English reading as it is (embedding and word n-grams, every example once), with
the Spanish examples weighted up, and with character n-grams added (weighted and not).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from bench import machine_speed_ms, write_results
from bench.understanding import SETS
from bot.language import SPANISH, detect
from bot.nlu import embeddings
from bot.nlu.spelling_reading import SpellingReading

ROOT = Path(__file__).parent.parent
Predict = Callable[[list[str]], list[str]]


def training_examples() -> tuple[list[str], list[str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    files = [ROOT / "data" / "nlu.yml", *sorted((ROOT / "data" / "nlu").glob("*.yml"))]
    files.append(ROOT / "data" / "es" / "nlu.yml")
    texts, labels = [], []
    for path in files:
        for example in load_data(str(path)).intent_examples:
            label = example.get("intent_response_key") or example.get("intent")
            texts.append(str(example.get("text")))
            labels.append(str(label))
    return texts, labels


def faq_questions(name: str) -> list[tuple[str, str]]:
    raw = yaml.safe_load(SETS[name].read_text(encoding="utf-8"))
    return [
        (str(s["text"]), str(s["label"]))
        for s in raw.get("singles") or []
        if str(s["label"]).startswith("faq/")
    ]


def english_reading(
    texts: Sequence[str], labels: Sequence[str], weights: Sequence[float]
) -> Predict:
    """What `SemanticClassifier` fits for English: embedding and word n-grams."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    embedding = embeddings.default()
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(texts)

    def features(batch: Sequence[str]) -> object:
        return hstack([csr_matrix(embedding.embed(list(batch))), words.transform(batch)]).tocsr()

    model = LogisticRegression(C=10.0, max_iter=3000)
    model.fit(features(texts), labels, sample_weight=weights)
    return lambda batch: [str(c) for c in model.predict(features(batch))]


def spelling_reading(
    texts: Sequence[str], labels: Sequence[str], weights: Sequence[float]
) -> tuple[Predict, SpellingReading]:
    embedding = embeddings.default()
    reading = SpellingReading.fit(texts, labels, weights, embedding, 10.0)

    def predict(batch: list[str]) -> list[str]:
        rows = reading.probabilities(batch, embedding)
        return [reading.classes[int(i)] for i in rows.argmax(axis=1)]

    return predict, reading


def main() -> int:
    texts, labels = training_examples()
    spanish = [detect(t) == SPANISH for t in texts]
    sets = {name: faq_questions(name) for name in SETS}
    variants: dict[str, Predict] = {}
    kept: SpellingReading | None = None
    for weight in (1.0, 3.0):
        weights = [weight if s else 1.0 for s in spanish]
        variants[f"words, spanish x{weight:g}"] = english_reading(texts, labels, weights)
        predict, reading = spelling_reading(texts, labels, weights)
        variants[f"words + characters, spanish x{weight:g}"] = predict
        kept = reading
    table: dict[str, dict[str, float]] = {}
    for variant, predict in variants.items():
        table[variant] = {}
        for name, questions in sets.items():
            predicted = predict([q for q, _ in questions])
            right = sum(p == label for p, (_, label) in zip(predicted, questions, strict=True))
            table[variant][name] = round(right / len(questions), 4)
        print(f"{variant:36s}", "  ".join(f"{n} {v:.3f}" for n, v in table[variant].items()))
    # A Spanish message's cost in the reading kept (characters, Spanish x3).
    assert kept is not None
    embedding = embeddings.default()
    spanish_questions = [q for q, _ in sets["spanish_dev"]]
    started = time.perf_counter()
    for question in spanish_questions:
        kept.probabilities([question], embedding)
    per_message = (time.perf_counter() - started) / len(spanish_questions) * 1000
    results = {
        "what": "share of each set's FAQ questions whose first choice is the right topic",
        "training_examples": {"all": len(texts), "spanish": sum(spanish)},
        "faq_questions": {name: len(q) for name, q in sets.items()},
        "top1": table,
        "spanish_message_ms": round(per_message, 2),
        "machine_speed_ms": machine_speed_ms(),
    }
    print(f"a Spanish message in the spelling reading: {per_message:.2f} ms")
    print(f"details: {write_results('semantic_spanish', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
