"""Legacy completions through the SDK, with and without /v1, and the raw stream."""

from __future__ import annotations

import sse

MODEL = "gpt-3.5-turbo-instruct"


def test_completion_non_stream(client):
    c = client.completions.create(model=MODEL, prompt="Once upon a time")
    assert c.object == "text_completion"
    assert c.id.startswith("cmpl-")
    assert len(c.choices) == 1 and c.choices[0].index == 0
    assert c.choices[0].text
    assert c.choices[0].finish_reason in ("stop", "length")
    assert c.usage.total_tokens == c.usage.prompt_tokens + c.usage.completion_tokens


def test_completion_stream_through_sdk(client):
    got = list(client.completions.create(model=MODEL, prompt="Once upon a time", stream=True))
    assert len(got) >= 2
    assert "".join(c.choices[0].text for c in got if c.choices)
    assert got[-1].choices[0].finish_reason in ("stop", "length")


def test_completion_stream_raw_done_and_usage(http):
    body = {"model": MODEL, "prompt": "Once", "stream": True, "stream_options": {"include_usage": True}}
    chunks = sse.chunks(sse.data_lines(http, "/v1/completions", body))
    with_usage = [i for i, c in enumerate(chunks) if c.get("usage")]
    assert with_usage == [len(chunks) - 1]
    assert chunks[-1]["choices"] == []
    plain = sse.chunks(sse.data_lines(http, "/v1/completions", {"model": MODEL, "prompt": "Once", "stream": True}))
    assert all(c.get("usage") is None for c in plain)


def test_completion_max_tokens_5(client):
    c = client.completions.create(model=MODEL, prompt="Once upon a time", max_tokens=5)
    assert c.usage.completion_tokens <= 5
    assert c.choices[0].finish_reason == "length"


def test_completion_n_3(client):
    c = client.completions.create(model=MODEL, prompt="Once upon a time", n=3)
    assert sorted(ch.index for ch in c.choices) == [0, 1, 2]


def test_completion_without_v1(litellm_client):
    c = litellm_client.completions.create(model=MODEL, prompt="Once upon a time")
    assert c.choices[0].text
