"""Anthropic's Messages API through the official `anthropic` SDK and LiteLLM's `anthropic/` provider,
against `decoy serve`.
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm is imported: no cost-map download

import anthropic
import httpx
import litellm
import pytest

from conftest import running_decoy

MODEL = "claude-sonnet-4-20250514"
HELLO = [{"role": "user", "content": "hello there"}]


@pytest.fixture(scope="module")
def claude(base) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=base, api_key="sk-ant-test", max_retries=0, timeout=10.0)


def status_count(base: str, endpoint: str, status: str) -> int:
    stats = httpx.get(f"{base}/_decoy/stats").json()
    return sum(
        s["count"] for route in stats["routes"] + [stats["unrouted"]] for s in route["statuses"]
        if s["endpoint"] == endpoint and s["status"] == status)


# -- the anthropic SDK -----------------------------------------------------------------------------


def test_create(claude):
    m = claude.messages.create(model=MODEL, max_tokens=5, system="be brief", messages=HELLO)
    assert m.id.startswith("msg_") and m.type == "message" and m.role == "assistant" and m.model == MODEL
    assert m.content[0].type == "text" and len(m.content[0].text.split()) == 5
    assert m.stop_reason == "max_tokens"
    assert m.usage.input_tokens > 0 and m.usage.output_tokens == 5
    assert m.usage.cache_creation_input_tokens == 0 and m.usage.cache_read_input_tokens == 0
    assert m._request_id.startswith("req_")


def test_create_ends_its_turn_under_the_cap(claude):
    m = claude.messages.create(model=MODEL, max_tokens=4096, messages=HELLO)
    assert m.stop_reason == "end_turn" and m.usage.output_tokens >= 20  # the default profile's 20-60


def test_stream(claude):
    with claude.messages.stream(model=MODEL, max_tokens=8, messages=HELLO) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert len(text.split()) == 8 and final.content[0].text == text
    assert final.usage.output_tokens == 8 and final.usage.input_tokens > 0
    assert final.stop_reason == "max_tokens"


def test_raw_stream_events(claude):
    events = list(claude.messages.create(model=MODEL, max_tokens=3, messages=HELLO, stream=True))
    assert [e.type for e in events] == [
        "message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta",
        "content_block_stop", "message_delta", "message_stop",
    ]  # the SDK drops the ping
    assert events[-2].usage.output_tokens == 3


def test_count_tokens(claude):
    count = claude.messages.count_tokens(model=MODEL, system="be brief", messages=HELLO)
    assert count.input_tokens > 0


def test_models(claude):
    page = claude.models.list()
    assert page.data and all(m.type == "model" for m in page.data) and page.has_more is False
    one = claude.models.retrieve("claude-opus-4-1-20250805")
    assert one.id == "claude-opus-4-1-20250805" and one.display_name == "Claude Opus 4.1"


def test_missing_version_is_a_400(base):
    r = httpx.post(f"{base}/v1/messages", json={"model": MODEL, "max_tokens": 5, "messages": HELLO},
                   headers={"x-api-key": "k"})
    assert r.status_code == 400 and r.headers["request-id"].startswith("req_")
    assert r.json()["error"] == {"type": "invalid_request_error", "message": "anthropic-version: header is required"}
    assert r.json()["request_id"] == r.headers["request-id"]


def test_forced_529_is_overloaded(claude):
    with pytest.raises(anthropic.OverloadedError) as e:
        claude.messages.create(model=MODEL, max_tokens=5, messages=HELLO, extra_headers={"x-decoy-fault": "529"})
    assert e.value.status_code == 529 and e.value.body["error"]["type"] == "overloaded_error"


def test_the_sdk_retries_a_529(base):
    retrying = anthropic.Anthropic(base_url=base, api_key="sk-ant-test", max_retries=2, timeout=10.0)
    before = status_count(base, "anthropic.messages", "529")
    with pytest.raises(anthropic.OverloadedError):
        retrying.messages.create(model=MODEL, max_tokens=5, messages=HELLO, extra_headers={"x-decoy-fault": "529"})
    assert status_count(base, "anthropic.messages", "529") - before == 3  # the first try and two retries


def test_stream_error_surfaces_mid_iteration(claude):
    received = []
    with pytest.raises(anthropic.APIStatusError) as e:
        with claude.messages.stream(model=MODEL, max_tokens=10, messages=HELLO,
                                    extra_headers={"x-decoy-fault": "stream_error"}) as stream:
            for text in stream.text_stream:
                received.append(text)
    assert len(received) == 5  # half the paced events
    assert "overloaded_error" in str(e.value)


# -- LiteLLM's anthropic/ --------------------------------------------------------------------------


def litellm_call(api_base: str, api_key: str = "sk-ant-test", **extra):
    return litellm.completion(
        model=f"anthropic/{MODEL}", messages=[{"role": "system", "content": "be brief"}] + HELLO, api_base=api_base,
        api_key=api_key, max_tokens=5, num_retries=0, timeout=10, **extra)


@pytest.mark.parametrize("suffix", ["", "/v1", "/v1/messages", "/gateway"])
def test_litellm(base, suffix):
    r = litellm_call(base + suffix)
    assert len(r.choices[0].message.content.split()) == 5 and r.choices[0].finish_reason == "length"
    assert r.usage.completion_tokens == 5 and r.usage.prompt_tokens > 0


def test_litellm_stream(base):
    chunks = list(litellm_call(base, stream=True, stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len(text.split()) == 5
    usage = [c.usage for c in chunks if getattr(c, "usage", None)]
    assert usage and usage[-1].completion_tokens == 5


# -- a limited route -------------------------------------------------------------------------------

LIMITED = """\
name: anthropic-limited
defaults:
  latency: { first_byte: 0, per_token: 0 }
  response: { completion_tokens: 5 }
routes:
  # rpm 6: a request back every 10 s, so a slow machine cannot refill the bucket mid-test
  - name: anthropic-tight
    match: anthropic.messages
    limit: { rpm: 6, tpm: 60000, burst: 1, per: [api_key] }
"""


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    profile = tmp_path_factory.mktemp("anthropic-limited") / "anthropic-limited.yaml"
    profile.write_text(LIMITED)
    with running_decoy(str(profile)) as (limited_base, _proc, _log):
        yield limited_base


def test_a_limited_route_raises_rate_limit_error_with_readable_headers(limited):
    client = anthropic.Anthropic(base_url=limited, api_key="sdk-key", max_retries=0, timeout=10.0)
    first = client.messages.with_raw_response.create(model=MODEL, max_tokens=5, messages=HELLO)
    assert first.headers["anthropic-ratelimit-requests-limit"] == "6"
    assert first.headers["anthropic-ratelimit-requests-remaining"] == "0"
    assert first.headers["anthropic-ratelimit-tokens-limit"] == "60000"
    with pytest.raises(anthropic.RateLimitError) as e:
        client.messages.create(model=MODEL, max_tokens=5, messages=HELLO)
    headers = e.value.response.headers
    assert headers["anthropic-ratelimit-requests-limit"] == "6" and headers["anthropic-ratelimit-requests-remaining"] == "0"
    assert headers["anthropic-ratelimit-requests-reset"].endswith("Z")
    assert headers["anthropic-ratelimit-input-tokens-limit"] == "60000"
    assert 1 <= int(headers["retry-after"]) <= 10
    assert e.value.body["error"]["type"] == "rate_limit_error" and e.value.request_id.startswith("req_")


def test_a_limited_route_raises_litellm_rate_limit_error(limited):
    litellm_call(limited, api_key="litellm-key")
    with pytest.raises(litellm.RateLimitError) as e:
        litellm_call(limited, api_key="litellm-key")
    assert e.value.status_code == 429
