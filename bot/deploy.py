"""`bot deploy`: put the trained model live in the running Rasa server without a restart.

1. Ask the server which model it runs (`GET /status`), so it can be put back.
2. Smoke-test the new model in this process (bot/editor/smoke.py): every FAQ's conversation test
   and a sample of each topic's examples must get that topic's answer. A failure stops here.
3. Load it into the server with Rasa's authenticated model replace (`PUT /model`). The server
   switches only once the new model has loaded (its workers answer with the previous model until
   new workers answer: bot/rasa_server/workers/); conversations live in the tracker store, so
   one that started before carries on.
4. Run the smoke test again through the server (`POST /model/parse`); if it fails, load the
   previous model back and say so.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests

from bot import training
from bot.editor import smoke
from bot.editor.project import Project
from bot.settings import PROJECT_ROOT, rasa_token, rasa_urls

RECORD = "deployed.json"
LOAD_TIMEOUT = 900.0  # seconds for the server to load a model (about 30 s on 2 cores)


class DeployError(Exception):
    """The model was not deployed; `restored` says whether the server is as it was."""

    def __init__(self, message: str, restored: bool = True) -> None:
        super().__init__(message)
        self.restored = restored


class Rasa:
    """The parts of Rasa's HTTP API that deploying needs, behind its token."""

    def __init__(self, url: str, token: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _call(self, method: str, path: str, timeout: float | None = None, **kw: Any) -> Any:
        try:
            response = requests.request(
                method,
                f"{self.url}{path}",
                params={"token": self.token},
                timeout=timeout or self.timeout,
                **kw,
            )
        except requests.Timeout:
            raise DeployError(f"the Rasa server at {self.url} did not answer in time") from None
        except requests.RequestException as error:
            reason = str(error).replace(self.token, "***")  # the token is in the URL
            raise DeployError(f"cannot reach the Rasa server at {self.url} ({reason})") from None
        if response.status_code in (401, 403):
            raise DeployError(
                f"the Rasa server at {self.url} refused the token (set RASA_TOKEN to the token "
                "it was started with)"
            )
        if response.status_code >= 400:
            detail = response.text[:300].replace(self.token, "***")
            raise DeployError(f"{method} {path} failed: {response.status_code} {detail}")
        return response.json() if response.content else None

    def status(self) -> dict[str, Any]:
        return dict(self._call("GET", "/status"))

    def load(self, model: Path) -> None:
        self._call("PUT", "/model", timeout=LOAD_TIMEOUT, json={"model_file": str(model)})

    def parse(self, text: str) -> dict[str, Any]:
        return dict(self._call("POST", "/model/parse", json={"text": text}))

    def responses(self) -> dict[str, Any]:
        """The responses of the loaded model's domain (what `utter_*` actions send)."""
        domain = self._call("GET", "/domain", headers={"Accept": "application/json"})
        return dict((domain or {}).get("responses") or {})


@dataclass
class Deployment:
    model: Path
    previous: Path | None
    smoke_cases: int
    switch_seconds: float
    total_seconds: float


@contextlib.contextmanager
def _locked(models: Path) -> Iterator[None]:
    models.mkdir(parents=True, exist_ok=True)
    with open(models / ".deploy.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DeployError("another `bot deploy` is running for this project") from None
        yield


@contextlib.contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    # The pipeline names the spaCy model by a path relative to the project.
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def smoke_in_process(model: Path, project: Project, cases: list[smoke.Case]) -> smoke.Result:
    """Load the model here, the way the server will, and ask it every case."""
    import asyncio

    from rasa.core.agent import Agent

    from bot import rasa_server

    _quiet_rasa()
    rasa_server.install()

    async def ask(agent: Agent) -> list[dict[str, Any]]:
        return [await agent.parse_message(case.text) for case in cases]

    with _working_directory(project.root):
        agent = Agent.load(str(model))
        parses = asyncio.run(ask(agent))
    responses = agent.domain.responses if agent.domain else {}
    return smoke.judge(cases, parses, responses)


def smoke_live(rasa: Rasa, cases: list[smoke.Case]) -> smoke.Result:
    """The same through the running server: /model/parse, and the loaded model's domain."""
    return smoke.judge(cases, [rasa.parse(c.text) for c in cases], rasa.responses())


def _quiet_rasa() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    for name in ("rasa", "tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.ERROR)


def find_previous(name: str, project: Project) -> Path | None:
    """The file of the model the server runs (it reports only the name)."""
    places = [project.models, PROJECT_ROOT / "models"]
    record = project.models / RECORD
    if record.exists():
        recorded = json.loads(record.read_text())
        places += [Path(p).parent for p in (recorded.get("model"), recorded.get("previous")) if p]
    return next((p / name for p in places if (p / name).is_file()), None)


def _failures(result: smoke.Result, limit: int = 8) -> str:
    lines = [f"  {f}" for f in result.failures[:limit]]
    if len(result.failures) > limit:
        lines.append(f"  ... and {len(result.failures) - limit} more")
    return "\n".join(lines)


def deploy(
    project: Project,
    rasa: Rasa | Sequence[Rasa],
    model: Path | None = None,
    preflight: bool = True,
    per_topic: int = smoke.EXAMPLES_PER_TOPIC,
    say: Callable[[str], None] = print,
) -> Deployment:
    """Put `model` live on every Rasa server given (the replicas behind one site), one after
    the other; if any fails, every server is put back to the model it ran before."""
    servers = [rasa] if isinstance(rasa, Rasa) else list(rasa)
    if not servers:
        raise DeployError("no Rasa server to deploy to")
    started = time.monotonic()
    with _locked(project.models):
        # Fail fast, before anything changes, if any server is down or refuses the token.
        running = [str(server.status().get("model_file") or "") for server in servers]
        if model is None:
            model = training.train(project.root).model  # trains only if the data changed
        model = model.resolve()
        if not model.is_file():
            raise DeployError(f"no model file at {model}")
        cases = smoke.cases(project, per_topic)
        stale = [
            (s, current)
            for s, current in zip(servers, running, strict=True)
            if current != model.name
        ]
        if not stale:
            say(f"{model.name} is already live; checking it through the server ...")
            for server in servers:
                result = smoke_live(server, cases)
                if not result.passed:
                    raise DeployError(
                        f"the live model fails its smoke test on {server.url}:\n{_failures(result)}"
                    )
            say(f"Smoke test through the server: {result.summary()}")
            return Deployment(model, None, len(cases), 0.0, time.monotonic() - started)
        previous: list[tuple[Rasa, Path]] = []
        for server, current in stale:
            found = find_previous(current, project) if current else None
            if found is None:
                raise DeployError(
                    f"cannot find the model {server.url} runs now ({current or 'none'}) in "
                    f"{project.models} or {PROJECT_ROOT / 'models'}, so it could not be put "
                    "back if the new one failed; nothing was changed"
                )
            previous.append((server, found))
        names = ", ".join(sorted({p.name for _, p in previous}))
        say(f"Live now: {names}. Deploying {model.name}.")
        if preflight:
            say(f"Smoke test in this process ({len(cases)} questions) ...")
            try:
                result = smoke_in_process(model, project, cases)
            except Exception as error:  # whatever keeps Rasa from loading or running it
                reason = str(error).strip().splitlines()[0][:300] if str(error).strip() else ""
                raise DeployError(
                    f"the new model cannot be loaded ({type(error).__name__}: {reason}); the "
                    f"server still runs {names}"
                ) from None
            if not result.passed:
                raise DeployError(
                    f"the new model failed its smoke test ({result.summary()}); the server "
                    f"still runs {names}:\n{_failures(result)}"
                )
            say(f"  passed: {result.summary()}")
        switched = 0.0
        done: list[tuple[Rasa, Path]] = []
        for server, before in previous:
            where = f" on {server.url}" if len(servers) > 1 else ""
            say(f"Loading it into the Rasa server{where} (conversations carry on) ...")
            switch = time.monotonic()
            try:
                server.load(model)
            except DeployError as error:
                restored = _roll_back_all(done, say)  # first: the others must not stay switched
                try:
                    now = server.status().get("model_file")
                except DeployError:
                    now = "an unknown model (it does not answer)"
                restored = restored and now == before.name
                raise DeployError(
                    f"the server{where} could not load the new model ({error}); it still runs "
                    f"{now}" + (f"; the others were put back to {names}" if done else ""),
                    restored=restored,
                ) from None
            switched = max(switched, time.monotonic() - switch)
            done.append((server, before))
            live_name = server.status().get("model_file")
            result = smoke_live(server, cases)
            if live_name != model.name or not result.passed:
                _roll_back_all(done, say, strict=True)
                raise DeployError(
                    f"the new model failed the smoke test through the server{where} "
                    f"({result.summary()}); rolled back to {names}:\n{_failures(result)}"
                )
            say(
                f"  live in {time.monotonic() - switch:.0f} s; smoke test through the "
                f"server: {result.summary()}"
            )
        _record(project, model, previous[0][1], servers, result)
        return Deployment(model, previous[0][1], len(cases), switched, time.monotonic() - started)


def _roll_back_all(
    done: list[tuple[Rasa, Path]], say: Callable[[str], None], strict: bool = False
) -> bool:
    """Put each server back to its model; True when all are. With `strict`, the first server
    that cannot be put back raises (and says to restart it)."""
    restored = True
    for server, before in reversed(done):
        try:
            _roll_back(server, before, say)
        except DeployError:
            if strict:
                raise
            restored = False
    return restored


def _roll_back(rasa: Rasa, previous: Path, say: Callable[[str], None]) -> None:
    say(f"Rolling back to {previous.name} on {rasa.url} ...")
    try:
        rasa.load(previous)
        restored = rasa.status().get("model_file") == previous.name
    except DeployError as error:
        raise DeployError(
            f"the new model failed and putting {previous.name} back failed too ({error}); "
            f"restart Rasa with `bot run`",
            restored=False,
        ) from None
    if not restored:
        raise DeployError(f"could not put {previous.name} back; restart Rasa", restored=False)


def _record(
    project: Project, model: Path, previous: Path, servers: list[Rasa], result: smoke.Result
) -> None:
    record = {
        "model": str(model),
        "previous": str(previous),
        "rasa_url": servers[0].url,
        "rasa_urls": [server.url for server in servers],
        "deployed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "smoke_test": result.summary(),
    }
    (project.models / RECORD).write_text(json.dumps(record, indent=2) + "\n")


def _deploy(args: argparse.Namespace) -> int:
    from bot.editor.cli import open_project
    from bot.editor.project import EditorError

    try:
        project = open_project(args.project)
    except EditorError as error:
        print(f"error: {error}")
        return 1
    token = rasa_token()
    servers = [Rasa(url, token) for url in (args.rasa_url or rasa_urls())]
    try:
        done = deploy(project, servers, args.model, not args.no_preflight, args.sample)
    except DeployError as error:
        print(f"error: not deployed: {error}")
        return 1 if error.restored else 2
    print(
        f"Deployed {done.model.name} in {training.duration(done.total_seconds)} "
        f"(smoke test: {done.smoke_cases} questions)."
    )
    return 0


def register(commands: Any) -> None:
    """Add the `deploy` command to the `bot` command's subparsers."""
    from bot.editor.cli import project_option

    deploy_ = commands.add_parser(
        "deploy", help="train if needed, smoke-test, and load the model into the running Rasa"
    )
    deploy_.add_argument("--model", type=Path, help="a model file (default: the current one)")
    deploy_.add_argument(
        "--rasa-url",
        action="append",
        help="a Rasa server; repeat for each replica (default: BOT_RASA_REPLICAS or BOT_RASA_URL)",
    )
    deploy_.add_argument(
        "--sample",
        type=int,
        default=smoke.EXAMPLES_PER_TOPIC,
        help="example questions per topic in the smoke test",
    )
    deploy_.add_argument(
        "--no-preflight",
        action="store_true",
        help="skip the in-process smoke test (the check through the server still rolls back)",
    )
    project_option(deploy_)
    deploy_.set_defaults(handler=_deploy)
