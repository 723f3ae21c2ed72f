"""Keeps JAX out of the Rasa server: TensorFlow 2.12 requires it, and `tensorflow.lite` imports
it on `import tensorflow` when it is installed, for a model conversion the server never does.

Without JAX the single node with two workers holds 786 MB instead of 851 at start and 816
instead of 883 after its first visitors (PSS, two runs each in isolation; RSS 118 MB less), and
`import tensorflow` takes 0.37 s less (`python -X importtime`). With `sys.modules["jax"]`
set to None, `import jax` raises ImportError as if it were not installed, and TensorFlow takes
the path it has for that (`_xla_computation = None` in tensorflow/lite/python/util.py).
Training (`bot train`) does not come through here.
"""

from __future__ import annotations

import sys

UNUSED = ("jax",)


def install() -> None:
    """Before TensorFlow is imported; a module already imported is left as it is."""
    for name in UNUSED:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
