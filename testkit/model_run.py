"""The repository's model, trained in the background from the start of a session that needs it
and finds it missing or stale (a fresh clone: CI). Training takes minutes and keeps about one of
two cores busy; the tests that need no model run meanwhile (conftest.py orders them first), and
the first test that needs the model waits for it in `trained_model`.

A test that needs the model carries the `model` marker; `trained_model` refuses a test without
it, so a forgotten marker fails at once instead of quietly waiting on the training."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from bot import training

TIMEOUT = 3600.0
BOT = str(Path(sys.executable).parent / "bot")


class ModelRun:
    """`bot train` in its own process group, its output in a temporary file."""

    def __init__(self) -> None:
        descriptor, name = tempfile.mkstemp(prefix="aluma-train-", suffix=".log")
        self.log = Path(name)
        with os.fdopen(descriptor, "wb") as log:
            self.process = subprocess.Popen(
                [BOT, "train"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
                start_new_session=True,  # so `stop` ends it with whatever it started
            )

    def wait(self) -> None:
        code = self.process.wait(TIMEOUT)
        if code != 0:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"`bot train` failed with exit code {code}:\n{tail}")

    def stop(self) -> None:
        """At the end of the session: a training no test waited for (a session stopped early)
        does not go on alone."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.log.unlink(missing_ok=True)


running: ModelRun | None = None  # set by conftest.py's session fixture
marked: bool | None = None  # whether the test being set up carries the `model` marker


def start() -> ModelRun | None:
    """A training of the repository's model when it has none for its current inputs."""
    global running
    running = ModelRun() if training.current_model() is None else None
    return running


def trained_model() -> Path:
    """The repository's model for its current data and config, once its training is done."""
    if marked is False:
        raise RuntimeError("a test that needs the trained model must carry @pytest.mark.model")
    if running is not None:
        running.wait()
    model = training.current_model()
    if model is None:
        raise RuntimeError("no model trained for the current data and config: run `make train`")
    return model
