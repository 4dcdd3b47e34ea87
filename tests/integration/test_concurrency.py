"""Many requests at once on many connections: every one answered whole, none mixed up."""

from __future__ import annotations

import concurrent.futures as cf
import json

import httpx

PARALLEL = 64
MSGS = [{"role": "user", "content": "hello"}]


def _one_stream(base: str, i: int) -> tuple[int, str, int]:
    body = {"model": f"model-{i}", "messages": MSGS, "stream": True, "stream_options": {"include_usage": True}}
    with httpx.Client(base_url=base, timeout=30.0) as h, h.stream("POST", "/v1/chat/completions", json=body) as r:
        lines = [l[5:].strip() for l in r.iter_lines() if l.startswith("data:")]
    assert r.status_code == 200
    assert lines[-1] == "[DONE]"
    chunks = [json.loads(l) for l in lines[:-1]]
    assert {c["model"] for c in chunks} == {f"model-{i}"}, "chunks of another request"
    assert len({c["id"] for c in chunks}) == 1
    content = sum(1 for c in chunks if c["choices"] and c["choices"][0]["delta"].get("content"))
    return i, chunks[0]["id"], content


def test_parallel_streams_each_complete(base):
    with cf.ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(lambda i: _one_stream(base, i), range(PARALLEL)))
    assert sorted(r[0] for r in results) == list(range(PARALLEL))
    assert len({r[1] for r in results}) == PARALLEL, "ids are unique"
    assert all(r[2] >= 1 for r in results)


def test_parallel_mixed_endpoints_on_shared_keepalive_pool(base):
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
    with httpx.Client(base_url=base, timeout=30.0, limits=limits) as h:
        def call(i: int) -> None:
            kind = i % 3
            if kind == 0:
                r = h.post("/v1/chat/completions", json={"model": "m", "messages": MSGS, "max_tokens": 3})
                assert r.status_code == 200 and r.json()["usage"]["completion_tokens"] <= 3
            elif kind == 1:
                r = h.post("/v1/embeddings", json={"model": "e", "input": [f"x{i}"], "dimensions": 16})
                assert r.status_code == 200 and len(r.json()["data"][0]["embedding"]) == 16
            else:
                r = h.post("/v1/chat/completions", content=b"{broken")
                assert r.status_code == 400 and r.json()["error"]["message"]
        with cf.ThreadPoolExecutor(16) as pool:
            list(pool.map(call, range(300)))
