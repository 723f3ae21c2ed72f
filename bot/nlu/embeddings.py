"""Pretrained word knowledge: the static token embedding shipped in the `wordllama` wheel.

`l2_supercat_256` (MIT licence) holds a 256-dimension vector for each of the 32,000 tokens of
Llama 2's tokenizer, distilled from several large language models, so that "curry" lies near
"spicy" and "shots" near "injections" although our training data never says so. Its file and
its tokenizer are read straight from the installed package: nothing is downloaded, and
wordllama's own code (which needs numpy 2) is never imported.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np

PACKAGE = "wordllama"
WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
DIMENSION = 256


class EmbeddingUnavailable(RuntimeError):
    """The wordllama package's files are missing: `make install` installs them."""


def package_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingUnavailable(
            f"the '{PACKAGE}' package is not installed (requirements/nodeps.txt; `make install`)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


class StaticEmbedding:
    """Mean of a text's token vectors, scaled to unit length."""

    def __init__(self, root: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        for name in (WEIGHTS, TOKENIZER):
            if not (root / name).is_file():
                raise EmbeddingUnavailable(f"{root / name} is missing; reinstall {PACKAGE}")
        # Kept in float16 as shipped (16 MB, shared by forked workers); rows widen per text.
        self.vectors = load_file(str(root / WEIGHTS))["embedding.weight"]
        self.tokenizer = Tokenizer.from_file(str(root / TOKENIZER))

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.vectors.shape[1]), dtype=np.float32)
        for row, encoding in enumerate(
            self.tokenizer.encode_batch([t.lower() for t in texts], add_special_tokens=False)
        ):
            ids = [i for i in encoding.ids if 0 <= i < self.vectors.shape[0]]
            if not ids:
                continue
            mean = self.vectors[ids].astype(np.float32).mean(axis=0)
            norm = float(np.linalg.norm(mean))
            out[row] = mean / norm if norm else mean
        return out


@functools.lru_cache(maxsize=1)
def default() -> StaticEmbedding:
    return StaticEmbedding(package_dir())
