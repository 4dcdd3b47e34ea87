"""Chat completions through the official SDK, and the stream's wire shape read raw."""

from __future__ import annotations

import sse

MSGS = [{"role": "user", "content": "Say hello in five words."}]
MODEL = "gpt-4o-mini"


def test_chat_non_stream_parses_into_a_completion(client):
    c = client.chat.completions.create(model=MODEL, messages=MSGS)
    assert c.object == "chat.completion"
    assert c.id.startswith("chatcmpl-")
    assert c.model == MODEL
    assert len(c.choices) == 1
    choice = c.choices[0]
    assert choice.index == 0
    assert choice.message.role == "assistant"
    assert choice.message.content
    assert choice.finish_reason in ("stop", "length")
    assert c.usage.prompt_tokens > 0
    assert c.usage.completion_tokens > 0
    assert c.usage.total_tokens == c.usage.prompt_tokens + c.usage.completion_tokens


def test_chat_stream_through_sdk(client):
    stream = client.chat.completions.create(model=MODEL, messages=MSGS, stream=True)
    got = list(stream)
    assert len(got) >= 3
    first = got[0]
    assert first.choices[0].delta.role == "assistant"
    assert first.choices[0].delta.content == ""
    text = "".join(ch.choices[0].delta.content or "" for ch in got if ch.choices)
    assert text.strip()
    finishes = [ch.choices[0].finish_reason for ch in got if ch.choices and ch.choices[0].finish_reason]
    assert len(finishes) == 1 and finishes[0] in ("stop", "length")
    assert got[-1].choices[0].finish_reason is not None
    assert all(ch.usage is None for ch in got), "usage only with stream_options.include_usage"
    assert len({ch.id for ch in got}) == 1


def test_chat_stream_ends_with_done_and_no_usage_by_default(http):
    lines = sse.data_lines(http, "/v1/chat/completions", {"model": MODEL, "messages": MSGS, "stream": True})
    chunks = sse.chunks(lines)
    assert all(c.get("usage") is None for c in chunks)
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] in ("stop", "length")
    assert chunks[-1]["choices"][0]["delta"] == {}


def test_chat_stream_usage_chunk_exactly_once_last_before_done(http):
    body = {"model": MODEL, "messages": MSGS, "stream": True, "stream_options": {"include_usage": True}}
    chunks = sse.chunks(sse.data_lines(http, "/v1/chat/completions", body))
    with_usage = [i for i, c in enumerate(chunks) if c.get("usage")]
    assert with_usage == [len(chunks) - 1]
    last = chunks[-1]
    assert last["choices"] == []
    usage = last["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    content_chunks = [c for c in chunks[:-1] if c["choices"] and c["choices"][0]["delta"].get("content")]
    assert usage["completion_tokens"] >= 1 and content_chunks


def test_chat_stream_usage_through_sdk(client):
    got = list(client.chat.completions.create(
        model=MODEL, messages=MSGS, stream=True, stream_options={"include_usage": True}))
    usage_chunks = [c for c in got if c.usage is not None]
    assert len(usage_chunks) == 1 and usage_chunks[0] is got[-1]
    assert got[-1].choices == []
    assert got[-1].usage.completion_tokens > 0


def test_chat_stream_include_usage_false_has_no_usage(http):
    body = {"model": MODEL, "messages": MSGS, "stream": True, "stream_options": {"include_usage": False}}
    chunks = sse.chunks(sse.data_lines(http, "/v1/chat/completions", body))
    assert all(c.get("usage") is None for c in chunks)


def test_n_3_gives_three_choices(client):
    c = client.chat.completions.create(model=MODEL, messages=MSGS, n=3)
    assert [ch.index for ch in c.choices] == [0, 1, 2]
    assert all(ch.message.content for ch in c.choices)


def test_n_3_stream_finishes_each_choice(client):
    got = list(client.chat.completions.create(model=MODEL, messages=MSGS, n=3, stream=True))
    indexes = {ch.index for chunk in got for ch in chunk.choices}
    assert indexes == {0, 1, 2}
    finished = [ch.index for chunk in got for ch in chunk.choices if ch.finish_reason]
    assert sorted(finished) == [0, 1, 2]


def test_max_tokens_5_stops_with_length(client):
    c = client.chat.completions.create(model=MODEL, messages=MSGS, max_tokens=5)
    assert c.usage.completion_tokens <= 5
    assert c.choices[0].finish_reason == "length"


def test_max_completion_tokens_5_stops_with_length(client):
    c = client.chat.completions.create(model=MODEL, messages=MSGS, max_completion_tokens=5)
    assert c.usage.completion_tokens <= 5
    assert c.choices[0].finish_reason == "length"


def test_max_tokens_5_stream(client):
    got = list(client.chat.completions.create(
        model=MODEL, messages=MSGS, max_tokens=5, stream=True, stream_options={"include_usage": True}))
    assert got[-1].usage.completion_tokens <= 5
    content = [c for c in got if c.choices and c.choices[0].delta.content]
    assert 1 <= len(content) <= 5
    finishes = [c.choices[0].finish_reason for c in got if c.choices and c.choices[0].finish_reason]
    assert finishes == ["length"]


def test_litellm_style_base_without_v1(litellm_client):
    c = litellm_client.chat.completions.create(model=MODEL, messages=MSGS)
    assert c.choices[0].message.content
    got = list(litellm_client.chat.completions.create(model=MODEL, messages=MSGS, stream=True))
    assert "".join(ch.choices[0].delta.content or "" for ch in got if ch.choices)


def test_litellm_style_base_stream_ends_with_done(http):
    lines = sse.data_lines(http, "/chat/completions", {"model": MODEL, "messages": MSGS, "stream": True})
    assert sse.chunks(lines)
