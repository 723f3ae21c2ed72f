"""Rasa's own server, started with the project's process-wide fixes to Rasa applied."""

from __future__ import annotations


def install() -> None:
    """Apply every fix; anything that loads our model to answer visitors calls this first."""
    from bot.rasa_server import blas_threads, unused_imports

    blas_threads.install()  # before the imports below load NumPy and SciPy's BLAS libraries
    unused_imports.install()  # before they load TensorFlow
    from bot.rasa_server import (
        action_validation,
        admission,
        cors,
        direct_graph,
        direct_predict,
        domain_empty,
        event_types,
        incremental_states,
        lean_count_vectors,
        lean_models,
        numpy_predict,
        rule_keys,
        tracker_copy,
    )

    action_validation.install()
    admission.install()
    cors.install()
    direct_graph.install()
    direct_predict.install()
    domain_empty.install()
    event_types.install()
    incremental_states.install()
    lean_count_vectors.install()
    lean_models.install()
    numpy_predict.install()
    rule_keys.install()
    tracker_copy.install()
