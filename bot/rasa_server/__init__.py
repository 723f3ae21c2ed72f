"""Rasa's own server, started with the project's process-wide fixes to Rasa applied."""

from __future__ import annotations

import os
from collections.abc import Mapping


def install(environ: Mapping[str, str] = os.environ) -> list[str]:
    """Apply every fix (fixes.py checks each against the installed Rasa first, and refuses);
    anything that loads our model to answer visitors calls this first. Returns those applied."""
    from bot.rasa_server import blas_threads, fixes, unused_imports

    fixes.check(environ)  # before anything is replaced or imported
    blas_threads.install()  # before the imports below load NumPy and SciPy's BLAS libraries
    unused_imports.install()  # before they load TensorFlow
    # The workers' fix is installed by `python -m bot.rasa_server` alone: it serves the port.
    return fixes.install([fix.name for fix in fixes.FIXES if fix.name != "workers"], environ)
