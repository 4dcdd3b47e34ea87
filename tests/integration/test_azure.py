"""The AzureOpenAI client: /openai/deployments/{deployment}/...?api-version=..."""

from __future__ import annotations

import sse

MSGS = [{"role": "user", "content": "hello"}]


def test_azure_chat(azure):
    c = azure.chat.completions.create(model="my-gpt4o-deployment", messages=MSGS)
    assert c.choices[0].message.content
    assert c.usage.total_tokens > 0


def test_azure_chat_stream(azure):
    got = list(azure.chat.completions.create(
        model="my-gpt4o-deployment", messages=MSGS, stream=True, stream_options={"include_usage": True}))
    assert "".join(c.choices[0].delta.content or "" for c in got if c.choices)
    assert got[-1].choices == [] and got[-1].usage.completion_tokens > 0


def test_azure_chat_stream_raw_done(http):
    lines = sse.data_lines(
        http, "/openai/deployments/dep/chat/completions?api-version=2024-10-21",
        {"messages": MSGS, "stream": True})
    assert sse.chunks(lines)


def test_azure_completions(azure):
    c = azure.completions.create(model="my-instruct-deployment", prompt="Once")
    assert c.choices[0].text


def test_azure_embeddings(azure):
    r = azure.embeddings.create(model="my-embedding-deployment", input=["a", "b"], dimensions=256)
    assert [len(d.embedding) for d in r.data] == [256, 256]

