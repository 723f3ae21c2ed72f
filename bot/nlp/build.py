"""Build the project's spaCy pipeline from its own files.

No pretrained English model can be installed here, so the pipeline is a blank English tokenizer,
the lookup lemmatizer from spacy-lookups-data, and an entity ruler for the clinic's vocabulary
whose matches are merged into single tokens carrying a canonical lemma. Rasa's SpacyNLP loads the
result by path; everything it needs is serialised into that folder, nothing is fetched at run time.

    python -m bot.nlp.build [OUTPUT_DIR]
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import yaml

VOCABULARY = Path(__file__).with_name("vocabulary.yml")
DEFAULT_OUTPUT = Path(__file__).resolve().parents[2] / "build" / "spacy" / "en_aluma"
PIPELINE_NAME = "en_aluma"


def load_vocabulary(path: Path = VOCABULARY) -> dict[str, Any]:
    vocabulary = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = vocabulary["entities"]
    seen: dict[str, str] = {}
    for entry in entries:
        for phrase in entry["phrases"]:
            key = str(phrase).lower()
            if key in seen and seen[key] != entry["id"]:
                raise ValueError(f"{path}: '{phrase}' is listed for {seen[key]} and {entry['id']}")
            seen[key] = entry["id"]
    return {"entities": entries, "lemma_overrides": vocabulary.get("lemma_overrides") or {}}


def vocabulary_digest(path: Path = VOCABULARY) -> str:
    return hashlib.sha256(path.read_bytes() + Path(__file__).read_bytes()).hexdigest()[:16]


def build(output: Path = DEFAULT_OUTPUT) -> Path:
    import spacy

    vocabulary = load_vocabulary()
    entries = vocabulary["entities"]
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    nlp.add_pipe("merge_entities")
    canonical = nlp.add_pipe("attribute_ruler", name="canonical_lemma")
    # initialize() loads the lookup tables from spacy-lookups-data and clears the rulers,
    # so the patterns go in afterwards.
    nlp.initialize()
    ruler.add_patterns(  # type: ignore[attr-defined]
        [
            {"label": entry["label"], "pattern": str(phrase), "id": entry["id"]}
            for entry in entries
            for phrase in entry["phrases"]
        ]
    )
    for entry in entries:
        canonical.add(  # type: ignore[attr-defined]
            patterns=[[{"ENT_ID": entry["id"]}]], attrs={"LEMMA": entry["id"]}
        )
    for word, lemma in vocabulary["lemma_overrides"].items():
        canonical.add(  # type: ignore[attr-defined]
            patterns=[[{"LOWER": word}]], attrs={"LEMMA": lemma}
        )
    nlp.meta.update(
        {
            "name": PIPELINE_NAME,
            "version": "1.0.0",
            "description": "Aluma's clinic vocabulary over a blank English pipeline",
            "vocabulary_digest": vocabulary_digest(),
        }
    )
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    return output


def is_current(output: Path = DEFAULT_OUTPUT) -> bool:
    meta = output / "meta.json"
    if not meta.exists():
        return False
    return bool(json.loads(meta.read_text())["vocabulary_digest"] == vocabulary_digest())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    output = Path(args[0]) if args else DEFAULT_OUTPUT
    if output == DEFAULT_OUTPUT and is_current(output):
        print(f"spaCy pipeline is up to date: {output}")
        return 0
    print(f"spaCy pipeline built: {build(output)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
