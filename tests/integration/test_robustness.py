"""1,000 broken request bodies over one keep-alive connection: each gets OpenAI's 400, none hurts the server."""

from __future__ import annotations

import json
import random
import time

import httpx

COUNT = 1000
TIME_LIMIT_S = 120.0

REAL_BODIES = [
    {"model": "gpt-4o-mini", "messages": [{"role": "system", "content": "You are helpful."},
                                          {"role": "user", "content": "Hello, how are you today?"}],
     "max_tokens": 16, "temperature": 0.7, "n": 1, "stream": False},
    {"model": "gpt-4o", "stream": True, "stream_options": {"include_usage": True},
     "messages": [{"role": "user", "content": "Grüße — 你好 — 🙂 with \"quotes\" and \\ backslashes\n"}]},
]

VALID = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}

# A wrong type for each field the server reads; every one is a 400 at OpenAI.
WRONG_TYPES = [
    ("model", 1), ("model", None), ("model", []), ("model", {}), ("model", True),
    ("messages", "hello"), ("messages", {}), ("messages", None), ("messages", 1), ("messages", []),
    ("messages", [1]), ("messages", ["hello"]), ("messages", [None]), ("messages", [[]]),
    ("stream", "yes"), ("stream", 1), ("stream", []), ("stream", {}),
    ("max_tokens", "5"), ("max_tokens", 5.5), ("max_tokens", []), ("max_tokens", {}), ("max_tokens", True),
    ("max_tokens", -1),
    ("n", "3"), ("n", 1.5), ("n", []), ("n", 0), ("n", -2),
    ("stream_options", "usage"), ("stream_options", []), ("stream_options", 1),
    ("max_completion_tokens", "5"), ("max_completion_tokens", -1),
]

STRUCTURAL = [
    b"", b" ", b"\n", b"null", b"true", b"0", b"-1", b'"string"', b"[]", b"[1,2]", b"{}",
    b"{", b"}", b"[", b"]", b'{"model"}', b'{"model":}', b'{"model":"m",}', b'{"model":"m" "x":1}',
    b"{'model': 'gpt-4o-mini'}", b'{"model": "m", /* c */ "messages": []}',
    b'{"model": NaN}', b'{"model": Infinity}', b'{"max_tokens": 1e999999}', b'{"model": "\\x41"}',
    b'{"model": "unterminated', b'{"model": "bad \x01 control"}', b'{"model": "\xff\xfe invalid utf8"}',
    b'{"model": "\\ud800"}x', b'{"model":"m","messages":[{"role":"user","content":"hi"}]}trailing',
    b'{"model":"m","messages":[{"role":"user","content":"hi"}]}{"model":"m"}',
    b"\xef\xbb\xbf", b"\x00" * 64, b"[" * 100_000, b'{"a":' * 50_000, b"[{" * 30_000,
    b'"' + b"\\" * 10_001, b"1" * 100_000, b"-" * 10, b"0x10", b"{\"model\":\"m\",\"messages\":[{]}",
]


def broken_bodies(count: int) -> list[bytes]:
    rng = random.Random(20251129)
    out: list[bytes] = []
    out += STRUCTURAL
    for field, value in WRONG_TYPES:
        out.append(json.dumps({**VALID, field: value}).encode())
    # Every truncation of the real bodies (a prefix of a JSON object is never a JSON document).
    for body in REAL_BODIES:
        raw = json.dumps(body, ensure_ascii=False).encode()
        out += [raw[:i] for i in range(len(raw))]
    # Random garbage: printable noise, JSON-ish alphabet soup, raw bytes.
    alphabet = b'{}[]":,0123456789.eE+-truefalsnl \\/abcmodelsg'
    while len(out) < count:
        kind = rng.randrange(3)
        size = rng.randrange(1, 400)
        if kind == 0:
            out.append(bytes(rng.randrange(32, 127) for _ in range(size)))
        elif kind == 1:
            out.append(bytes(rng.choice(alphabet) for _ in range(size)))
        else:
            out.append(rng.randbytes(size))
    return out[:count]


def test_broken_bodies_all_get_openai_400_and_server_survives(base, decoy_server):
    bodies = broken_bodies(COUNT)
    assert len(bodies) == COUNT
    failures: list[str] = []
    connects: list[str] = []

    def trace(name: str, info: dict) -> None:
        if name == "connection.connect_tcp.complete":
            connects.append(name)

    started = time.monotonic()
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with httpx.Client(base_url=base, timeout=5.0, limits=limits) as h:
        for i, body in enumerate(bodies):
            assert time.monotonic() - started < TIME_LIMIT_S, f"too slow: {i} bodies in {TIME_LIMIT_S}s"
            try:
                r = h.post("/v1/chat/completions", content=body,
                           headers={"content-type": "application/json", "authorization": "Bearer test"},
                           extensions={"trace": trace})
            except httpx.HTTPError as e:
                failures.append(f"#{i} {body[:60]!r}: {type(e).__name__} {e}")
                continue
            try:
                message = r.json()["error"]["message"]
                ok = r.status_code == 400 and isinstance(message, str) and message
            except (ValueError, KeyError, TypeError):
                ok = False
            if not ok:
                failures.append(f"#{i} {body[:60]!r}: {r.status_code} {r.text[:160]!r}")
        # Afterwards a normal request is served, on the same client.
        good = h.post("/v1/chat/completions", json=VALID)
        assert good.status_code == 200, good.text
        assert good.json()["choices"][0]["message"]["content"]
    assert decoy_server[1].poll() is None, "decoy died"
    assert not failures, f"{len(failures)} of {COUNT} not a JSON 400:\n" + "\n".join(failures[:25])
    # Keep-alive held: a 400 does not cost a new connection.
    assert len(connects) <= 2, f"{len(connects)} connections for {COUNT} requests"
