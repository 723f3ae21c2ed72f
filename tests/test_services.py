"""bot/services.py's helpers for the processes that tests and benchmarks start."""

from __future__ import annotations

import socket

from bot.services import free_port


def test_free_ports_are_never_handed_out_twice_in_one_process() -> None:
    # Without the memory the kernel offers a just-probed port again within a few hundred
    # probes (2,000 draws from ~28,000 ephemeral ports repeat almost surely).
    ports = [free_port() for _ in range(2000)]
    assert len(set(ports)) == len(ports)
    with socket.socket() as sock:  # and a port handed out is really free
        sock.bind(("127.0.0.1", ports[-1]))
