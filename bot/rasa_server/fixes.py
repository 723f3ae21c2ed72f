"""The registry of our process-wide replacements of Rasa's and Sanic's functions.

Each fix records what it replaces (module and qualified name), the version of the package it was
written against and a hash of the replaced function's source there. Before any is installed the
server checks them all, reading the installed sources without importing them, and refuses to
start if one differs: a fix written for one Rasa must be read again against another before it
replaces that one's code. `RASA_FIXES=-name,-other` leaves those fixes out for an incident.

After reviewing a fix against a new Rasa, `python -m bot.rasa_server.fixes` prints the records
to paste here. The methods our registered components override are recorded here too
(`OVERRIDES`): those are checked, never installed.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import importlib.metadata
import importlib.util
import logging
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

VARIABLE = "RASA_FIXES"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    """A name we replace: `where` is "module:qualname" as patched; `defined` where its source
    is, when the module only imports it (Sanic's serve functions)."""

    where: str
    sha: str
    defined: str = ""

    @property
    def source_at(self) -> str:
        return self.defined or self.where


@dataclass(frozen=True)
class Fix:
    name: str  # the module in bot/rasa_server/ whose install() applies it
    targets: tuple[Target, ...]
    versions: tuple[tuple[str, str], ...] = (("rasa", "3.6.21"),)  # (package, version)


RASA = ("rasa", "3.6.21")
SANIC = ("sanic", "21.12.2")

FIXES: tuple[Fix, ...] = (
    Fix(
        "action_validation",
        (
            Target(
                "rasa.core.actions.action:RemoteAction._validate_action_result", "24da0f6bdeb2d44f"
            ),
        ),
    ),
    Fix(
        "admission",
        (
            Target("rasa.core.agent:Agent.handle_message", "05c7d977a721e664"),
            Target("rasa.utils.endpoints:EndpointConfig.request", "bc49eb77a158ac1e"),
        ),
    ),
    Fix("cors", (Target("rasa.server:configure_cors", "29bc6edc3e82d1d9"),)),
    Fix(
        "direct_graph", (Target("rasa.engine.runner.dask:DaskGraphRunner.run", "ce0438b9b8e79330"),)
    ),
    Fix("domain_empty", (Target("rasa.shared.core.domain:Domain.is_empty", "95485f444497dba7"),)),
    Fix(
        "event_types",
        (Target("rasa.shared.core.events:Event.resolve_by_type", "ffabe9999fc8f7f3"),),
    ),
    Fix(
        "incremental_states",
        (Target("rasa.shared.core.domain:Domain.states_for_tracker_history", "9d6f120379ee768e"),),
    ),
    Fix(
        "rule_keys",
        (
            Target(
                "rasa.core.policies.rule_policy:RulePolicy._get_possible_keys", "ae2257980a444fb0"
            ),
        ),
    ),
    Fix(
        "tracker_copy",
        (Target("rasa.shared.core.trackers:DialogueStateTracker.copy", "ee85e538659b5a76"),),
    ),
    Fix(
        "workers",
        (
            Target("rasa.core.run:serve_application", "e7c243a958951255"),
            Target("rasa.core.run:load_agent_on_start", "315d39a25c4a44b0"),
            Target("rasa.server:_load_agent", "9a505caae0d53d8f"),
            Target(
                "sanic.app:serve_multiple",
                "062e29d612289ef0",
                "sanic.server.runners:serve_multiple",
            ),
            Target(
                "sanic.app:serve_single", "e1d97aad0ecb7c72", "sanic.server.runners:serve_single"
            ),
        ),
        (RASA, SANIC),
    ),
)
BY_NAME = {fix.name: fix for fix in FIXES}

# Rasa's methods that our registered components (bot/nlu/) override in subclasses instead of
# replacing them: never installed nor turned off, and never a reason to refuse a start. A
# component whose record no longer matches the installed Rasa uses Rasa's method and logs why
# (`fits`), so `rasa test` and the server keep working, only slower, until it is read again.
OVERRIDES: tuple[Fix, ...] = (
    Fix(
        "count_vectors",
        (
            Target(
                "rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer:"
                "CountVectorsFeaturizer._create_features",
                "b89208c097ba7576",
            ),
        ),
    ),
    Fix(
        "numpy_text_model",
        (
            Target(
                "rasa.nlu.classifiers.diet_classifier:DIETClassifier._predict", "373dcdae0d06c249"
            ),
        ),
    ),
    Fix(
        "prediction_models",
        (
            Target("rasa.utils.tensorflow.models:RasaModel.load", "1d0203f026ffd599"),
            Target("rasa.utils.tensorflow.models:RasaModel._rasa_predict", "643e8a005cbfb66b"),
        ),
    ),
)
OVERRIDES_BY_NAME = {fix.name: fix for fix in OVERRIDES}


class FixRefused(RuntimeError):
    """The installed Rasa or Sanic is not what a fix was written against, or RASA_FIXES is wrong."""


def _module_file(module: str) -> Path:
    # find_spec on a dotted name imports the parents; walking from the top-level package's
    # folder reads the file without running any of Rasa's (or TensorFlow's) imports.
    top, *rest = module.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or spec.origin is None:
        raise FixRefused(f"package {top!r} is not installed")
    base = Path(spec.origin).parent
    path = base.joinpath(*rest)
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def source_of(where: str) -> str:
    """The source of the function or method at "module:Qual.name", decorators left out."""
    module, qualname = where.split(":")
    text = _module_file(module).read_text(encoding="utf-8")
    body: list[ast.stmt] = ast.parse(text).body
    node: ast.AST | None = None
    for part in qualname.split("."):
        node = next(
            (
                n
                for n in body
                if isinstance(n, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                and n.name == part
            ),
            None,
        )
        if node is None:
            raise FixRefused(f"{where}: no {part!r} in {module}")
        body = getattr(node, "body", [])
    assert node is not None  # the qualname has at least one part
    return ast.get_source_segment(text, node) or ""


def source_hash(where: str) -> str:
    return hashlib.sha256(source_of(where).encode()).hexdigest()[:16]


def disabled(environ: Mapping[str, str] = os.environ) -> set[str]:
    """The fixes RASA_FIXES turns off ("-name,-other"); an unknown name refuses the start."""
    names: set[str] = set()
    for item in filter(None, (i.strip() for i in environ.get(VARIABLE, "").split(","))):
        name = item.removeprefix("-")
        if not item.startswith("-") or name not in BY_NAME:
            raise FixRefused(
                f"{VARIABLE}={environ[VARIABLE]!r}: {item!r} is not '-' followed by one of: "
                f"{', '.join(BY_NAME)}"
            )
        names.add(name)
    return names


@functools.cache
def problems(fix: Fix) -> tuple[str, ...]:
    """What differs between the installed package and what the fix was written against
    (worked out once a process: reading the sources takes 0.3 s)."""
    found: list[str] = []
    for package, version in fix.versions:
        try:
            installed = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != version:
            found.append(f"{package} is {installed}, the fix was written for {version}")
    for target in fix.targets:
        try:
            now = source_hash(target.source_at)
        except (FixRefused, OSError, SyntaxError) as error:
            found.append(f"{target.where}: cannot read its source ({error})")
            continue
        if now != target.sha:
            found.append(
                f"{target.where} has changed: its source hashes to {now}, "
                f"the fix was written against {target.sha}"
            )
    return tuple(found)


def check(environ: Mapping[str, str] = os.environ) -> list[Fix]:
    """The fixes to install; raises FixRefused naming each fix that no longer fits."""
    off = disabled(environ)
    enabled = [fix for fix in FIXES if fix.name not in off]
    report = [
        f"fix {fix.name!r}: " + "; ".join(found) for fix in enabled if (found := problems(fix))
    ]
    if report:
        raise FixRefused(
            "Refusing to start Rasa: a fix no longer matches what it replaces.\n  "
            + "\n  ".join(report)
            + "\nRead the fix (bot/rasa_server/<name>.py) against the installed source, then "
            "update its record in bot/rasa_server/fixes.py (`python -m bot.rasa_server.fixes` "
            f"prints them), or start without it: {VARIABLE}=-<name>."
        )
    return enabled


def install(names: Iterable[str], environ: Mapping[str, str] = os.environ) -> list[str]:
    """Install the named fixes that are checked and not turned off; returns those installed."""
    enabled = {fix.name for fix in check(environ)}
    done = []
    for name in names:
        if name in enabled:
            importlib.import_module(f"bot.rasa_server.{name}").install()
            done.append(name)
    return done


@functools.cache
def fits(name: str) -> bool:
    """Whether the component module bot/nlu/<name>.py may override Rasa's methods as written;
    when not, it says so once and the component uses Rasa's own."""
    found = problems(OVERRIDES_BY_NAME[name])
    if found:
        logger.warning(
            "bot/nlu/%s.py uses Rasa's own code: %s. Read it against the installed source, then "
            "update its record in bot/rasa_server/fixes.py.",
            name,
            "; ".join(found),
        )
    return not found


def records() -> str:
    """The registry's lines as the installed packages would have them."""
    lines = []
    for fix in (*FIXES, *OVERRIDES):
        versions = " ".join(f"{p}=={importlib.metadata.version(p)}" for p, _ in fix.versions)
        lines.append(f"{fix.name} ({versions})")
        lines += [f"    {t.where} {source_hash(t.source_at)}" for t in fix.targets]
    return "\n".join(lines)


if __name__ == "__main__":
    print(records())
    sys.exit(0)
