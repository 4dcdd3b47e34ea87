"""Server bugs these tests found, now fixed: each stays as a regression test.

A bug found later goes here first as a strict xfail (`@BUG`), so that its fix shows as an XPASS
failure, the reminder to drop the marker.
"""

from __future__ import annotations

import socket
import subprocess

import pytest

from conftest import _decoy_bin

BUG = pytest.mark.xfail(strict=True)


def test_completions_batch_prompt_gives_one_choice_per_prompt(http):
    # OpenAI: a list of prompts gets len(prompt) * n choices, indexed in order.
    r = http.post("/v1/completions", json={"model": "m", "prompt": ["a", "b", "c"], "max_tokens": 2})
    assert r.status_code == 200
    assert [c["index"] for c in r.json()["choices"]] == [0, 1, 2]


def test_completions_token_id_prompt_counts_its_tokens(http):
    # A prompt of token ids is exactly that many prompt tokens.
    r = http.post("/v1/completions", json={"model": "m", "prompt": [[1, 2], [3, 4]], "max_tokens": 2})
    assert r.status_code == 200
    assert r.json()["usage"]["prompt_tokens"] == 4


def test_embeddings_token_id_input_counts_its_tokens(http):
    # Token-id inputs count one token per id (so tpm limits count them right).
    one = http.post("/v1/embeddings", json={"model": "m", "input": [1, 2, 3], "dimensions": 4})
    two = http.post("/v1/embeddings", json={"model": "m", "input": [[1, 2, 3], [4, 5]], "dimensions": 4})
    assert one.json()["usage"]["prompt_tokens"] == 3
    assert two.json()["usage"]["prompt_tokens"] == 5


def _serve_on_a_busy_port() -> subprocess.CompletedProcess:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        return subprocess.run([_decoy_bin(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                              capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)


def test_serve_on_a_busy_port_fails_clearly():
    r = _serve_on_a_busy_port()
    assert r.returncode != 0
    assert "Address already in use" in r.stderr


def test_serve_on_a_busy_port_does_not_touch_a_shut_down_event_loop():
    # Decoy once printed NIO's "Cannot schedule tasks on an EventLoop that has already shut down"
    # before the bind error (and a debug build crashed on the quiescing helper's leaked promise).
    r = _serve_on_a_busy_port()
    assert "Cannot schedule tasks" not in r.stderr


def test_malformed_fault_on_a_stream_is_a_broken_sse_stream(client, http):
    # DESIGN.md: "send a malformed chunk": for stream=true an SSE stream whose second event is cut JSON.
    stream = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "x"}], stream=True,
        extra_headers={"x-decoy-fault": "malformed"})
    with pytest.raises(Exception):
        list(stream)
    r = http.post("/v1/chat/completions", json={"model": "m", "stream": True, "messages": [{"role": "user", "content": "x"}]},
                  headers={"x-decoy-fault": "malformed"})
    assert r.headers["content-type"].startswith("text/event-stream")
