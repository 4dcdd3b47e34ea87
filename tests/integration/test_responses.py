"""The Responses API: non-stream, and the stream's event sequence (no [DONE])."""

from __future__ import annotations

import sse

MODEL = "gpt-4o-mini"
HEAD = ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]
TAIL = ["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"]


def test_response_non_stream(client):
    r = client.responses.create(model=MODEL, input="Tell me a joke")
    assert r.object == "response"
    assert r.id.startswith("resp_")
    assert r.status == "completed"
    assert r.output_text
    assert r.usage.output_tokens > 0
    assert r.usage.total_tokens == r.usage.input_tokens + r.usage.output_tokens


def test_response_stream_event_order_raw(http):
    evs = sse.events(http, "/v1/responses", {"model": MODEL, "input": "hi", "stream": True})
    names = [n for n, _ in evs]
    assert all(n == d["type"] for n, d in evs), "event: line matches data.type"
    assert names[:4] == HEAD
    assert names[-4:] == TAIL
    middle = names[4:-4]
    assert middle and set(middle) == {"response.output_text.delta"}
    assert [d["sequence_number"] for _, d in evs] == list(range(len(evs)))
    text = "".join(d["delta"] for n, d in evs if n == "response.output_text.delta")
    assert evs[-4][1]["text"] == text
    assert evs[-1][1]["response"]["status"] == "completed"


def test_response_stream_has_no_done_line(http):
    lines = sse.data_lines(http, "/v1/responses", {"model": MODEL, "input": "hi", "stream": True})
    assert "[DONE]" not in lines


def test_response_stream_through_sdk(client):
    evs = list(client.responses.create(model=MODEL, input="hi", stream=True))
    types = [e.type for e in evs]
    assert types[:4] == HEAD and types[-4:] == TAIL
    final = evs[-1].response
    assert final.output_text == "".join(e.delta for e in evs if e.type == "response.output_text.delta")


def test_response_max_output_tokens_is_incomplete(client):
    r = client.responses.create(model=MODEL, input="hi", max_output_tokens=16)
    assert r.usage.output_tokens <= 16
    # Default profile draws 20-60 tokens, so 16 always cuts: OpenAI reports that as incomplete.
    assert r.status == "incomplete"
    assert r.incomplete_details.reason == "max_output_tokens"
