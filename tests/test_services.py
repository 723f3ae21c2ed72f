"""bot/services.py's helpers for the processes that tests and benchmarks start."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from bot import services
from bot.services import free_port


def test_free_ports_are_never_handed_out_twice_in_one_process() -> None:
    # Without the memory the kernel offers a just-probed port again within a few hundred
    # probes (2,000 draws from ~28,000 ephemeral ports repeat almost surely).
    ports = [free_port() for _ in range(2000)]
    assert len(set(ports)) == len(ports)
    with socket.socket() as sock:  # and a port handed out is really free
        sock.bind(("127.0.0.1", ports[-1]))


def test_rasa_telemetry_is_off_in_every_process_unless_the_clinic_turns_it_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = tmp_path / "seen"
    probe = (
        "import os, sys, time; open(sys.argv[1], 'w').write(os.environ['RASA_TELEMETRY_ENABLED'])"
    )
    for setting, expected in ((None, "false"), ("true", "true")):
        if setting is None:
            monkeypatch.delenv("RASA_TELEMETRY_ENABLED", raising=False)
        else:
            monkeypatch.setenv("RASA_TELEMETRY_ENABLED", setting)
        seen.unlink(missing_ok=True)
        child = services.Service(
            "probe",
            [sys.executable, "-c", probe + "; time.sleep(30)", str(seen)],
            "",
            ready=lambda: seen.exists() and seen.stat().st_size > 0,
        )
        services.start(child, timeout=20)
        services.stop(child)
        assert seen.read_text() == expected
