"""Per-client rate limits, in process: a token bucket per client address, in bounded memory.

A client may send `burst` requests at once, then `per_minute` a minute. The buckets live in an
LRU of at most `max_clients` addresses; the one untouched longest is forgotten first (and is the
one most likely to be full again anyway, which is what a forgotten client starts with).

The client is the socket's peer, unless the peer is one of our own proxies (BOT_TRUSTED_PROXIES,
nginx on this machine by default): then it is the last address in X-Forwarded-For that is not
one of them, the one our proxy saw. Addresses further left are whatever the client claimed.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sanic.request import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class RateLimiter:
    """`hit(key)` takes a token from the key's bucket: None when it may go ahead, else the seconds
    until it may. `per_minute` 0 means no limit."""

    per_minute: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    max_clients: int = 10_000
    _buckets: OrderedDict[str, _Bucket] = field(default_factory=OrderedDict, repr=False)

    def __post_init__(self) -> None:
        self.burst = max(1, int(self.burst))

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def hit(self, key: str) -> float | None:
        if not self.enabled:
            return None
        now = self.clock()
        rate = self.per_minute / 60.0  # tokens a second
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(float(self.burst), now)
        else:
            elapsed = max(0.0, now - bucket.at)
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * rate)
            bucket.at = now
        self._buckets[key] = bucket  # the most recently used, last
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return (1.0 - bucket.tokens) / rate

    def __len__(self) -> int:
        return len(self._buckets)


def retry_after(seconds: float) -> int:
    """Whole seconds for a Retry-After header, never 0."""
    return max(1, math.ceil(seconds))


def networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """BOT_TRUSTED_PROXIES' addresses and CIDR ranges."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    parsed = _address(address)
    return parsed is not None and any(parsed in network for network in trusted)


def client_address(peer: str, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """Who the client is: the peer, or behind a trusted proxy X-Forwarded-For's last untrusted
    hop (a hop that is not an address at all is taken as it is: our proxy wrote it)."""
    if not forwarded_for or not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            parsed = _address(hop)
            return str(parsed) if parsed is not None else hop[:64]
    return str(_address(hops[0])) if hops else peer  # every hop is ours: the first one


def client_of(request: Request) -> str:
    trusted: tuple[Network, ...] = request.app.ctx.trusted_proxies
    peer = request.ip
    # Several X-Forwarded-For headers read as one list, in order.
    forwarded = ",".join(request.headers.getall("x-forwarded-for", []))
    return client_address(peer or "unknown", forwarded or None, trusted)
