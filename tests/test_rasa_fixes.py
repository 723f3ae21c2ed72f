"""The registry of our replacements of Rasa's and Sanic's functions (bot/rasa_server/fixes.py):
each is checked against the installed source before any is installed, and can be left out."""

from __future__ import annotations

import dataclasses
import inspect
import sys
import types
from pathlib import Path

import pytest
import rasa.server
from rasa.shared.core.domain import Domain

from bot import rasa_server
from bot.rasa_server import __main__ as rasa_server_main
from bot.rasa_server import cors, domain_empty, fixes, workers

# Not fixes: the registry, and the set-up of the environment and imports, which replace nothing.
NOT_FIXES = {"__init__", "fixes", "blas_threads", "unused_imports"}


def with_fix(monkeypatch: pytest.MonkeyPatch, changed: fixes.Fix) -> None:
    registry = tuple(changed if f.name == changed.name else f for f in fixes.FIXES)
    monkeypatch.setattr(fixes, "FIXES", registry)
    monkeypatch.setattr(fixes, "BY_NAME", {f.name: f for f in registry})


def rewritten(name: str) -> fixes.Fix:
    """The fix as if it had been written against another source of its function."""
    fix = fixes.BY_NAME[name]
    target = dataclasses.replace(fix.targets[0], sha="0123456789abcdef")
    return dataclasses.replace(fix, targets=(target, *fix.targets[1:]))


def test_every_fix_matches_the_installed_rasa_and_sanic() -> None:
    assert fixes.check({}) == list(fixes.FIXES)


def test_every_module_that_replaces_a_function_is_registered() -> None:
    folder = Path(rasa_server.__file__).parent
    installers = {p.stem for p in folder.glob("*.py") if "\ndef install(" in p.read_text()}
    installers |= {p.parent.name for p in folder.glob("*/hooks.py")}  # the workers' package
    assert installers - NOT_FIXES == set(fixes.BY_NAME)
    assert sum(len(f.targets) for f in fixes.FIXES) == 15


def test_every_rasa_method_our_components_override_is_recorded_and_matches() -> None:
    """bot/nlu's components that override one of Rasa's private methods, and their records."""
    folder = Path(rasa_server.__file__).parent.parent / "nlu"
    sources = {p.stem: p.read_text() for p in folder.glob("*.py")}
    asked = {
        name
        for text in sources.values()
        for name in fixes.OVERRIDES_BY_NAME
        if f'fixes.fits("{name}")' in text or f'FIX = "{name}"' in text
    }
    assert asked == set(fixes.OVERRIDES_BY_NAME) <= set(sources)
    assert all(fixes.problems(f) == () for f in fixes.OVERRIDES)
    assert not set(fixes.OVERRIDES_BY_NAME) & set(fixes.BY_NAME)


def test_an_override_written_for_another_rasa_says_so_and_steps_aside(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fix = fixes.OVERRIDES_BY_NAME["count_vectors"]
    target = dataclasses.replace(fix.targets[0], sha="0123456789abcdef")
    changed = dataclasses.replace(fix, targets=(target,))
    monkeypatch.setattr(fixes, "OVERRIDES_BY_NAME", {**fixes.OVERRIDES_BY_NAME, fix.name: changed})
    fixes.fits.cache_clear()
    try:
        assert fixes.fits("count_vectors") is False
        assert fixes.fits("prediction_models") is True
        assert fixes.check({}) == list(fixes.FIXES)  # no reason to refuse a start
    finally:
        fixes.fits.cache_clear()
    assert "bot/nlu/count_vectors.py uses Rasa's own code" in caplog.text
    assert "the fix was written against 0123456789abcdef" in caplog.text


def test_the_hash_is_of_the_source_the_fix_replaces() -> None:
    source = inspect.getsource(domain_empty.RASA_IS_EMPTY)
    assert fixes.source_of("rasa.shared.core.domain:Domain.is_empty") == source.strip()


def test_a_changed_source_refuses_naming_the_fix_and_what_differs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with_fix(monkeypatch, rewritten("domain_empty"))
    with pytest.raises(fixes.FixRefused) as refused:
        fixes.check({})
    message = str(refused.value)
    assert "fix 'domain_empty'" in message
    assert "rasa.shared.core.domain:Domain.is_empty has changed" in message
    assert "the fix was written against 0123456789abcdef" in message
    assert fixes.source_hash("rasa.shared.core.domain:Domain.is_empty") in message
    assert "RASA_FIXES=-<name>" in message
    assert "'cors'" not in message


def test_another_version_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    with_fix(
        monkeypatch, dataclasses.replace(fixes.BY_NAME["cors"], versions=(("rasa", "3.6.20"),))
    )
    with pytest.raises(fixes.FixRefused, match=r"fix 'cors': rasa is 3\.6\.21, the fix was "):
        fixes.check({})


def test_a_target_that_is_gone_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    fix = fixes.Fix("cors", (fixes.Target("rasa.server:configure_cors_gone", "0" * 16),))
    with_fix(monkeypatch, fix)
    with pytest.raises(fixes.FixRefused, match="cannot read its source"):
        fixes.check({})


def test_the_server_refuses_to_start_before_it_forks_or_imports_rasa(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with_fix(monkeypatch, rewritten("tracker_copy"))

    def not_reached(*_: object) -> None:
        raise AssertionError("the server went on to start")

    monkeypatch.setattr(workers, "plan", not_reached)
    monkeypatch.setattr(rasa_server, "install", not_reached)
    monkeypatch.setattr(sys, "argv", ["bot.rasa_server", "run", "--model", "models"])
    with pytest.raises(SystemExit) as refused:
        rasa_server_main.main()
    assert "Refusing to start Rasa" in str(refused.value.code)
    assert "fix 'tracker_copy'" in str(refused.value.code)


def test_a_fix_turned_off_leaves_rasas_function(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Domain, "is_empty", domain_empty.RASA_IS_EMPTY)
    monkeypatch.setattr(rasa.server, "configure_cors", cors.RASA_CONFIGURE_CORS)
    # A fix that is off is not checked either: the way to start while it is being reviewed.
    with_fix(monkeypatch, rewritten("domain_empty"))
    environ = {"RASA_FIXES": "-domain_empty"}
    assert fixes.install(["domain_empty", "cors"], environ) == ["cors"]
    assert Domain.__dict__["is_empty"] is domain_empty.RASA_IS_EMPTY
    assert rasa.server.configure_cors is cors.configure_cors


@pytest.mark.parametrize("value", ["-no_such_fix", "cors", "-cors,+tracker_copy"])
def test_a_wrong_rasa_fixes_refuses(value: str) -> None:
    with pytest.raises(fixes.FixRefused, match="RASA_FIXES="):
        fixes.check({"RASA_FIXES": value})


def test_without_the_workers_fix_rasa_serves_as_shipped(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str] = []

    def not_reached(*_: object) -> None:
        raise AssertionError("a master was planned")

    monkeypatch.setenv("RASA_FIXES", "-workers")
    monkeypatch.setattr(workers, "plan", not_reached)
    monkeypatch.setattr(rasa_server, "install", lambda: started.append("fixes"))
    monkeypatch.setattr(workers, "install", not_reached)
    rasa_main = types.ModuleType("rasa.__main__")
    rasa_main.main = lambda: started.append("rasa")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "rasa.__main__", rasa_main)
    monkeypatch.setattr(sys, "argv", ["bot.rasa_server", "run", "--model", "models"])
    rasa_server_main.main()
    assert started == ["fixes", "rasa"]
