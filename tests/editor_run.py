"""The editor's steps up to a trained model (`bot faq add`, `bot faq check`, `bot train`, and
`bot train` again), run in the background from the start of a session that includes
tests/test_deploy.py. Training takes minutes of CPU, and the rest of the suite, mostly waiting
on servers, browsers and sockets, leaves about one of two cores idle: the training runs
there, on CPU time the tests do not want, and the deploy tests (run last, conftest.py) take
its result.

With two test processes (pytest-xdist) one of them runs the steps (`claim`) and writes what
they did to a file beside the project; the deploy tests, in whichever process, read it
(`EditorResult`)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

from tests.test_faq_cli import add_parking_args, copy_project

STEPS = ("add", "check", "train", "train again")
# CPU time nothing else wants (Linux's SCHED_IDLE; at nice 10 the topology's replica-kill test
# took 122 s beside it, 23 s without), else the lowest nice level.
IDLE = ["chrt", "--idle", "0"] if shutil.which("chrt") else ["nice", "-n", "19"]
TIMEOUT = 1800.0
BOT = str(Path(sys.executable).parent / "bot")
# The copy's classifiers train for this share of config.yml's epochs. This loop checks that an
# editor's new question goes from `bot faq add` to a live answer, and `bot deploy`'s smoke test
# still has to pass on the result; the repository's model, trained in full, is what the
# understanding gates judge. A full second training was the largest single part of a CI run's
# CPU time (docs/testing.md).
EPOCH_SHARE = 0.3


def shorten_training(project: Path, share: float = EPOCH_SHARE) -> None:
    """Scale every epoch count in the copy's config.yml."""
    path = project / "config.yml"
    config = yaml.safe_load(path.read_text())
    for component in config["pipeline"]:
        if "epochs" in component:
            component["epochs"] = max(1, round(component["epochs"] * share))
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))


def environment(env: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}


def bot(*args: str, env: dict[str, str] | None = None, timeout: float = TIMEOUT) -> tuple[int, str]:
    """The installed `bot` command, as an editor runs it."""
    result = subprocess.run(
        [BOT, *args], capture_output=True, text=True, timeout=timeout, env=environment(env)
    )
    return result.returncode, result.stdout + result.stderr


def result_file(project: Path) -> Path:
    return project.parent / "editor-run.json"


def claim(project: Path) -> bool:
    """Whether this test process is the one to run the steps for `project` (the first to ask)."""
    project.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(project.parent / "editor-run.claimed", os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return False
    return True


class EditorResult:
    """The steps as the test process that runs them reports them, read from its file."""

    def __init__(self, project: Path) -> None:
        self.project = project

    def result(self) -> tuple[dict[str, int], dict[str, str]]:
        path = result_file(self.project)
        deadline = time.monotonic() + TIMEOUT * len(STEPS)
        while not path.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the editor's steps did not finish: no {path}")
            time.sleep(1)
        done = json.loads(path.read_text())
        if done["error"]:
            raise RuntimeError(f"the editor's steps failed: {done['error']}")
        return done["codes"], done["outputs"]


class EditorRun(EditorResult):
    """The steps in a thread; `result` waits for them. A step that fails ends the run."""

    def __init__(self, project: Path) -> None:
        super().__init__(project)
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
            shorten_training(self.project)
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
        finally:  # for a deploy test in the other test process
            failure = "" if self.error is None else repr(self.error)
            done = {"codes": self.codes, "outputs": self.outputs, "error": failure}
            partial = result_file(self.project).with_suffix(".partial")
            partial.write_text(json.dumps(done))
            partial.replace(result_file(self.project))

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

    def stop(self, others_may_need_it: bool = False) -> None:
        """At the end of the session: a run the deploy tests never waited for (a session
        stopped early) does not go on training on its own, unless the other test process may
        still run them."""
        if others_may_need_it:
            self.thread.join(TIMEOUT * len(STEPS))
        if self.thread.is_alive():
            self.kill()
            self.thread.join(10)

    def result(self) -> tuple[dict[str, int], dict[str, str]]:
        self.thread.join(TIMEOUT * len(STEPS))
        if self.error is not None:
            raise self.error
        return self.codes, self.outputs
