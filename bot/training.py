"""Train the Rasa model only when what it is trained from has changed.

The fingerprint covers the config, the domain, every file under data/, our custom NLU
components and the spaCy pipeline; a model whose fingerprint matches is reused.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.settings import PROJECT_ROOT

TRAINING_INPUTS = ("config.yml", "domain.yml", "data", "bot/nlu", "bot/nlp")
STATE_FILE = "current.json"
LOCK_FILE = ".training.lock"


@dataclass(frozen=True)
class TrainResult:
    model: Path
    trained: bool
    seconds: float


def _files(root: Path) -> list[Path]:
    files: list[Path] = []
    for name in TRAINING_INPUTS:
        path = root / name
        if not path.exists() and name.startswith("bot/"):
            path = PROJECT_ROOT / name  # a copy of the project trains with this checkout's code
        if path.is_dir():
            files.extend(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        elif path.exists():
            files.append(path)
    spacy_meta = root / "build" / "spacy" / "en_aluma" / "meta.json"
    if spacy_meta.exists():
        files.append(spacy_meta)
    return sorted(files)


def fingerprint(root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256()
    for path in _files(root):
        base = root if path.is_relative_to(root) else PROJECT_ROOT
        digest.update(str(path.relative_to(base)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def current_model(root: Path = PROJECT_ROOT, models: Path | None = None) -> Path | None:
    """The trained model for the current inputs, if there is one."""
    models = models or root / "models"
    state = models / STATE_FILE
    if not state.exists():
        return None
    recorded = json.loads(state.read_text())
    model = models / recorded["model"]
    if recorded.get("fingerprint") == fingerprint(root) and model.exists():
        return model
    return None


def duration(seconds: float) -> str:
    """A duration the way people say it: "3 min 41 s" or "12 s"."""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def train_command(config: Path, out: Path, name: str) -> list[str]:
    """`rasa train` of the project's domain and data (run in the project) with `config`, into
    out/<name>.tar.gz."""
    return [
        *(sys.executable, "-m", "rasa", "train", "--config", str(config)),
        *("--domain", "domain.yml", "--data", "data"),
        *("--out", str(out), "--fixed-model-name", name),
    ]


def train(
    root: Path = PROJECT_ROOT, models: Path | None = None, force: bool = False
) -> TrainResult:
    models = models or root / "models"
    models.mkdir(parents=True, exist_ok=True)
    # One training at a time per models folder: a second `bot train` (another `make run`, the
    # other test process) waits for the first, then finds its model current.
    with (models / LOCK_FILE).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _train(root, models, force)


def _train(root: Path, models: Path, force: bool) -> TrainResult:
    if not force and (existing := current_model(root, models)):
        return TrainResult(existing, trained=False, seconds=0.0)
    print_ = lambda message: print(message, flush=True)  # noqa: E731
    stamp = fingerprint(root)
    name = f"aluma-{stamp}"
    started = time.monotonic()
    print_(f"Training model {name} (this takes a few minutes) ...")
    subprocess.run(
        train_command(Path("config.yml"), models, name),
        cwd=root,
        check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")},
    )
    model = models / f"{name}.tar.gz"
    (models / STATE_FILE).write_text(json.dumps({"model": model.name, "fingerprint": stamp}))
    return TrainResult(model, trained=True, seconds=time.monotonic() - started)
