"""The editor's steps up to a trained model (`bot faq add`, `bot faq check`, `bot train`, and
`bot train` again), run in the background from the start of a session that includes
tests/test_deploy.py. Training takes minutes of CPU, and the rest of the suite, mostly waiting
on servers, browsers and sockets, leaves about one of two cores idle: the training runs
there, on CPU time the tests do not want, and the deploy tests (run last, conftest.py) take
its result."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

from tests.test_faq_cli import add_parking_args, copy_project

STEPS = ("add", "check", "train", "train again")
# CPU time nothing else wants (Linux's SCHED_IDLE; at nice 10 the topology's replica-kill test
# took 122 s beside it, 23 s without), else the lowest nice level.
IDLE = ["chrt", "--idle", "0"] if shutil.which("chrt") else ["nice", "-n", "19"]
TIMEOUT = 1800.0
BOT = str(Path(sys.executable).parent / "bot")


def environment(env: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}


def bot(*args: str, env: dict[str, str] | None = None, timeout: float = TIMEOUT) -> tuple[int, str]:
    """The installed `bot` command, as an editor runs it."""
    result = subprocess.run(
        [BOT, *args], capture_output=True, text=True, timeout=timeout, env=environment(env)
    )
    return result.returncode, result.stdout + result.stderr


class EditorRun:
    """The steps in a thread; `result` waits for them. A step that fails ends the run."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.outputs: dict[str, str] = {}
        self.codes: dict[str, int] = {}
        self.error: BaseException | None = None
        self.process: subprocess.Popen[str] | None = None
        self.thread = threading.Thread(target=self._run, name="editor-run", daemon=True)

    def start(self) -> EditorRun:
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            copy_project(self.project)
            project = ("--project", str(self.project))
            commands = {
                "add": add_parking_args(self.project, "--move-similar"),
                "check": ["faq", "check", *project],
                "train": ["train", *project],
                "train again": ["train", *project],
            }
            for step in STEPS:
                self.codes[step], self.outputs[step] = self._step(commands[step])
                if self.codes[step] != 0:
                    return
        except BaseException as error:  # reported by `result`, in the test that needs it
            self.error = error

    def _step(self, args: list[str]) -> tuple[int, str]:
        with subprocess.Popen(
            [*IDLE, BOT, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=environment(),
            start_new_session=True,  # so `stop` ends it with whatever it started
        ) as self.process:
            try:
                output, _ = self.process.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()  # or leaving the `with` would wait for it
                raise
            return self.process.returncode, output

    def kill(self) -> None:
        if self.process is not None:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def stop(self) -> None:
        """At the end of the session: a run the deploy tests never waited for (a session
        stopped early) does not go on training on its own."""
        if self.thread.is_alive():
            self.kill()
            self.thread.join(10)

    def result(self) -> tuple[dict[str, int], dict[str, str]]:
        self.thread.join(TIMEOUT * len(STEPS))
        if self.error is not None:
            raise self.error
        return self.codes, self.outputs
