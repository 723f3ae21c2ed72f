"""Debian packages the production topology runs on, installed when missing."""

from __future__ import annotations

import fcntl
import glob
import os
import shutil
import subprocess

LOCK_PATH = "/tmp/aluma-apt-get.lock"  # ours, beside apt's own (which it refuses to wait on)
# package -> a binary that shows it is installed
PACKAGES = {
    "postgresql": "/usr/lib/postgresql/*/bin/postgres",
    "redis-server": "redis-server",
    "nginx": "nginx",
}


def _present(binary: str) -> bool:
    if binary.startswith("/"):
        return bool(glob.glob(binary))
    return shutil.which(binary) is not None or os.path.exists(f"/usr/sbin/{binary}")


def missing() -> list[str]:
    return [package for package, binary in PACKAGES.items() if not _present(binary)]


def ensure_installed() -> None:
    """apt-get install whatever is missing (as root, or through sudo)."""
    if not missing():
        return
    # apt-get refuses to run beside another apt-get: two callers at once (the two test
    # processes, or two `make run-prod`) take turns, and the second finds nothing missing.
    with open(LOCK_PATH, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        needed = missing()
        if needed:
            _install(needed)


def _install(needed: list[str]) -> None:
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update"], check=True, env=env, capture_output=True)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "--no-install-recommends", *needed],
        check=True,
        env=env,
        capture_output=True,
    )
    # Debian starts the services it installs; ours run on their own ports and data.
    for service in ("postgresql", "redis-server", "nginx"):
        subprocess.run([*sudo, "service", service, "stop"], env=env, capture_output=True)


def binary(name: str) -> str:
    """Path of a server binary (PostgreSQL's live in a versioned folder off PATH)."""
    if name in ("postgres", "initdb", "pg_ctl", "pg_isready", "pg_dump"):
        found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
        if found:
            return found[-1]
    for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
        if candidate and os.path.exists(candidate):
            return candidate
    raise FileNotFoundError(f"{name} is not installed (run `make prod-deps`)")
