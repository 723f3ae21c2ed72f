"""Shared fixtures. Action tests need no trained model: a tracker from tests/data, a
CollectingDispatcher and the domain; the handoff store is a real SQLite file per test."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.handoffs import store as store_module
from bot.handoffs.store import HandoffStore
from bot.services import free_port
from testkit import model_run
from tests.local_servers import SmtpSink

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) for a module's end-to-end tests."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text())


TrackerFactory = Callable[..., Tracker]


@pytest.fixture
def make_tracker() -> TrackerFactory:
    """Tracker.from_dict of tests/data/tracker.json with the given slots and latest message."""
    base = json.loads((DATA / "tracker.json").read_text())

    def make(
        text: str | None = None,
        intent: str | None = None,
        slots: dict[str, Any] | None = None,
        active_loop: str | None = None,
        events: list[dict[str, Any]] | None = None,
        parse: dict[str, Any] | None = None,  # more of the latest message's parse data
    ) -> Tracker:
        state = copy.deepcopy(base)
        state["slots"].update(slots or {})
        if events is not None:
            state["events"] = events
        if text is not None:
            message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
            message.update(parse or {})
            state["latest_message"] = message
            state["events"].append(
                {
                    "event": "user",
                    "text": text,
                    "timestamp": 1764000100.0 + len(state["events"]),
                    "parse_data": message,
                }
            )
        if active_loop:
            state["active_loop"] = {"name": active_loop}
        return Tracker.from_dict(state)

    return make


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """BOT_DB_URL pointing at a fresh SQLite file, with the process-wide store reset."""
    url = f"sqlite:///{tmp_path / 'handoffs.db'}"
    monkeypatch.setenv("BOT_DB_URL", url)
    store_module._open_store.cache_clear()
    yield url
    store_module._open_store.cache_clear()


@pytest.fixture
def store(db_url: str) -> HandoffStore:
    return store_module.default_store()


@pytest.fixture(scope="session")
def clinic_port() -> int:
    """The port of the clinic's own site in the rasa-webchat tests, known before the servers
    that allow its origin start (the site itself, `clinic_site`, only when a test needs it)."""
    return free_port()


@pytest.fixture(scope="session")
def clinic_site(clinic_port: int) -> Iterator[Any]:
    """The clinic's page with rasa-webchat, from npm on first use (tests/browser/webchat.py)."""
    from tests.browser.webchat import ClinicSite

    site = ClinicSite(clinic_port)
    yield site
    site.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, clinic_port: int) -> Iterator[Any]:
    """Real Rasa and action servers, started once for the end-to-end tests; besides the web
    service's own origins (the default list), the clinic's site may use the chat."""
    from testkit.servers import Stack

    web_port = free_port()
    origins = [f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}"]
    origins.append(f"http://127.0.0.1:{clinic_port}")
    env = {"BOT_ALLOWED_ORIGINS": ",".join(origins)}
    running = Stack(tmp_path_factory.mktemp("stack"), web_port=web_port, env=env).start()
    yield running
    running.stop()


DEPLOY_TESTS = "tests/test_deploy.py::"


def needs_model(item: pytest.Item) -> bool:
    return item.get_closest_marker("model") is not None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that need no model first, while it trains (`model_training`); the deploy tests
    last, their own training beside the others (`editor_run`). Files whose tests all need no
    model go before the others, since two test processes (`make test`) take a file each."""
    files_needing_it = {item.path for item in items if needs_model(item)}
    items.sort(
        key=lambda item: (
            item.nodeid.startswith(DEPLOY_TESTS),
            item.path in files_needing_it,
            needs_model(item),
        )
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    model_run.marked = needs_model(item)


@pytest.fixture(scope="session", autouse=True)
def model_training(request: pytest.FixtureRequest) -> Iterator[model_run.ModelRun | None]:
    """The repository's model, trained from the start of a session that needs it and lacks it
    (testkit/model_run.py); None when it is there or no test needs it."""
    run = model_run.start() if any(map(needs_model, request.session.items)) else None
    yield run
    if run is not None:
        run.stop()


@pytest.fixture(scope="session", autouse=True)
def editor_run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """The editor's add, check and train (tests/editor_run.py), started with the session when
    it includes the deploy tests; None otherwise. With two test processes, the first to get
    here runs it and the other reads its result."""
    if not any(item.nodeid.startswith(DEPLOY_TESTS) for item in request.session.items):
        yield None
        return
    from tests.editor_run import EditorResult, EditorRun, claim

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    base = tmp_path_factory.getbasetemp()
    project = (base.parent if worker else base) / "editor" / "project"
    if not claim(project):
        yield EditorResult(project)
        return
    run = EditorRun(project).start()
    yield run
    stopping = request.session.shouldfail or request.session.shouldstop
    run.stop(others_may_need_it=bool(worker) and not stopping)
