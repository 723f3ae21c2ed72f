"""NumPy's BLAS on the calling thread only.

OpenBLAS starts a worker thread per extra core when it loads and splits even our small matrix
products (bot/nlu/numpy_text_model.py) across them; between products the workers spin. Under
load that worker took as much CPU as Rasa's own thread (17-18 ms a message each on this 2-core
machine, by /proc's per-thread CPU times), stealing the core that the load, the action server
and a second Rasa worker need. Our products are a few rows wide, so one thread loses nothing.
"""

from __future__ import annotations

import os

VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def install() -> None:
    # Libraries loaded from now on (scipy bundles its own OpenBLAS) read the environment;
    # the ones already loaded are limited in place.
    for variable in VARIABLES:
        os.environ.setdefault(variable, "1")
    import numpy  # noqa: F401  (loads OpenBLAS, so that the limit below reaches it)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
