"""Hostile input for the fuzz tests: payloads, hypothesis strategies for request bodies and
text, a raw HTTP client for requests no library would send, and a tally of what was tried."""

from __future__ import annotations

import json
import random
import socket
from collections import Counter
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

T = TypeVar("T")
ARTIFACTS = Path(__file__).parent / "artifacts"

# A hypothesis profile for requests to real servers: no deadline (a turn through Rasa takes what
# it takes on two cores), a moderate number of examples, nothing kept between runs.
FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SCRIPTS = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "<svg/onload=window.__pwned=1>",
    '"><script>window.__pwned=1</script>',
    "'><img src=x onerror=window.__pwned=1>",
    "javascript:window.__pwned=1",
    '<a href="javascript:window.__pwned=1">click</a>',
    '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    "<style>*{display:none}</style>",
    "{{7*7}} ${7*7} <%= 7*7 %>",
]
SQL = [
    "'; DROP TABLE handoffs; --",
    "1' OR '1'='1",
    "Robert'); DROP TABLE events;--",
    "' UNION SELECT password_hash FROM staff_accounts --",
    'admin"--',
    "1; SELECT pg_sleep(10)",
]
SHORTCUTS = [
    '/faq{"x":1}',
    '/inform{"contact":"x"}',
    "/submit",
    '/affirm{"handoff_consent": true, "handoff_contact": "x@y.z"}',
    '/inform{"handoff_name": "<script>window.__pwned=1</script>"}',
    "/restart",
    "/greet",
    "/handoff_form",
    "/action_submit_handoff",
    "/nlu_fallback",
    "/faq/price",
    "/",
    "//",
    "/{}",
    '/EXTERNAL_trigger{"x": 1}',
]
WORLD = [
    "مرحبا، كم يدوم مفعول البوتوكس؟",
    "שלום \u202eevil\u202c text",
    "\u202egnp.exe",
    "😀" * 12,
    "👩‍👩‍👧‍👦🏳️‍🌈🇺🇸",
    "Z̷̢͔̈́a̸̡l̵g̶o̴ ̷t̸e̵x̶t̴",
    "\u200b\u200d\ufeff\u2060",
    "こんにちは、効果はどのくらい続きますか",
    "Ünïcödé ñ ß ø",
    "\x00\x01\x1b[31m\x7f",
    "\r\nSet-Cookie: pwned=1",
    "../../../../etc/passwd",
    "%s%s%n %x",
    "\\u0000 \\ud800",
]
SURROGATES = ["\ud800", "\udfff", "\udbff"]  # lone halves of a pair: not text at all
PAYLOADS = SCRIPTS + SQL + SHORTCUTS + WORLD


def weighted(*choices: tuple[int, st.SearchStrategy[T]]) -> st.SearchStrategy[T]:
    """One of the strategies, chosen in proportion to its weight (st.one_of flattens nested
    one_ofs into one list of equally likely branches, which skews mixes of mixes)."""
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(min_value=0, max_value=len(pool) - 1).flatmap(lambda i: pool[i])


# Text a visitor (or an attacker) might type: payloads, anything unicode has, mixed together.
hostile_text = st.lists(
    st.one_of(
        st.sampled_from(PAYLOADS),
        st.text(max_size=40),
        st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Mn"]), max_size=10),
        st.text(st.characters(min_codepoint=0x0590, max_codepoint=0x08FF), max_size=20),  # RTL
        st.text(st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), max_size=10),
    ),
    min_size=1,
    max_size=6,
).map("".join)
# The same, sometimes with lone surrogates in it (possible in JSON, "\ud800", not in UTF-8).
hostile_json_text = weighted(
    (3, hostile_text),
    (1, st.tuples(hostile_text, st.sampled_from(SURROGATES), hostile_text).map("".join)),
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    hostile_json_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=10), children, max_size=4),
    ),
    max_leaves=12,
)

BIG = 1_000_000
big_bodies = st.sampled_from(
    [
        b"x" * BIG,
        b"[" * BIG,
        b'{"sender": "s", "message": "' + b"a" * BIG + b'"}',
        json.dumps({"sender": "s", "message": "😀" * (BIG // 4)}).encode(),
        bytes(random.Random(6).getrandbits(8) for _ in range(BIG)),
    ]
)


def _broken_utf8(data: bytes) -> bytes:
    return data.replace(b"e", b"\xc3\x28").replace(b"a", b"\xff") + b"\xed\xa0\x80"


def raw_bodies(senders: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Request bodies of every kind: not JSON objects at all (empty, binary, broken UTF-8,
    malformed JSON, other JSON, about 1 MB), objects of the wrong shape, and (about half)
    well-formed messages of hostile text."""
    messages = message_bodies(senders)
    junk = st.one_of(
        st.just(b""),
        st.binary(max_size=2048),
        messages.map(_broken_utf8),
        hostile_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.tuples(messages, st.integers(min_value=0, max_value=60)).map(
            lambda b: b[0][: b[1]]  # cut short: malformed JSON
        ),
        json_values.map(lambda v: json.dumps(v).encode()),
        big_bodies,
    )
    return weighted((1, junk), (1, wrong_bodies(senders)), (2, messages))


_extras = {
    "metadata": st.one_of(json_values, st.fixed_dictionaries({"page_url": hostile_json_text})),
    "parse_data": json_values,
    "input_channel": json_values,
}


def message_bodies(senders: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Well-formed REST channel requests of hostile text, with metadata of any shape and fields
    the channel does not expect."""
    body = st.fixed_dictionaries(
        {"sender": senders, "message": hostile_json_text}, optional=_extras
    )
    return body.map(lambda b: json.dumps(b).encode())


def wrong_bodies(senders: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """JSON objects of the wrong shape: `sender` and `message` of any type, or missing."""
    typed = st.fixed_dictionaries(
        {"sender": st.one_of(senders, json_values), "message": json_values}, optional=_extras
    )
    missing = st.fixed_dictionaries({}, optional={"sender": json_values, "message": json_values})
    return st.one_of(typed, missing).map(lambda b: json.dumps(b).encode())


def raw_http(port: int, request: bytes, timeout: float = 10) -> int | None:
    """Sends `request` as it is to 127.0.0.1:`port`; the response's status, or None when the
    server closed the connection without one."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
            head = b""
            while b"\r\n" not in head and len(head) < 4096:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                head += chunk
        except (ConnectionResetError, BrokenPipeError):
            return None
    parts = head.split(b" ", 2)
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return None


raw_requests = st.one_of(
    st.binary(min_size=1, max_size=512),
    st.tuples(
        st.sampled_from([b"GET", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"HEAD", b"BREW", b""]),
        st.one_of(
            st.binary(max_size=200).map(lambda b: b"/" + b.replace(b" ", b"%20")),
            hostile_text.map(lambda t: ("/" + t).encode("utf-8", "surrogatepass")),
            st.sampled_from([b"/webhooks/rest/webhook", b"/staff/login", b"/../../etc/passwd"]),
        ),
        st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/9.9", b"", b"HTTP/1.1\x00"]),
        st.lists(
            st.one_of(
                st.sampled_from(
                    [
                        b"Content-Length: 999999999999999999999",
                        b"Content-Length: -1",
                        b"Content-Length: 5",
                        b"Transfer-Encoding: chunked",
                        b"Content-Type: application/json; charset=utf-7",
                        b"Host: \xff\xfe",
                        b"X-Forwarded-For: \x00, 1.2.3.4, ::1",
                        b"Cookie: aluma_staff=\xff; aluma_staff=x",
                        b"Origin: null",
                    ]
                ),
                st.binary(max_size=60),
            ),
            max_size=5,
        ),
        st.binary(max_size=200),
    ).map(
        lambda r: (
            r[0] + b" " + r[1] + b" " + r[2] + b"\r\n" + b"\r\n".join(r[3]) + b"\r\n\r\n" + r[4]
        )
    ),
)


class Tally:
    """How many inputs each target was sent and what it answered, written to
    tests/artifacts/fuzz-<name>.json for the record."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: Counter[str] = Counter()
        self.statuses: dict[str, Counter[str]] = {}

    def count(self, target: str, status: int | None) -> None:
        self.sent[target] += 1
        self.statuses.setdefault(target, Counter())[str(status)] += 1

    def server_errors(self, target: str) -> int:
        return sum(n for s, n in self.statuses.get(target, Counter()).items() if s.startswith("5"))

    def write(self) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        summary = {
            target: {
                "inputs": self.sent[target],
                "5xx": self.server_errors(target),
                "statuses": dict(sorted(self.statuses[target].items())),
            }
            for target in sorted(self.sent)
        }
        (ARTIFACTS / f"fuzz-{self.name}.json").write_text(json.dumps(summary, indent=2) + "\n")
