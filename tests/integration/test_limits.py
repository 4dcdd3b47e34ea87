"""Quotas and scheduled errors from a real profile (profiles/limited.yaml), as the SDK sees them.

Its own decoy process, so the default-profile session is untouched; each behaviour has its own model
name (or header), used by one test only, because buckets and `first: N` counters live as long as the
server.
"""

from __future__ import annotations

import time
from pathlib import Path

import openai
import pytest

from conftest import running_decoy

PROFILE = Path(__file__).with_name("profiles") / "limited.yaml"
MSGS = [{"role": "user", "content": "hello"}]
SIX = [f"x-ratelimit-{kind}-{unit}" for unit in ("requests", "tokens") for kind in ("limit", "remaining", "reset")]


@pytest.fixture(scope="module")
def limited_base():
    with running_decoy(str(PROFILE)) as (base, _proc, _log):
        yield base


def sdk(base: str, key: str = "test", retries: int = 0) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=retries, timeout=10.0)


def chat_raw(client: openai.OpenAI, model: str):
    return client.chat.completions.with_raw_response.create(model=model, messages=MSGS)


def test_success_carries_all_six_ratelimit_headers(limited_base):
    raw = chat_raw(sdk(limited_base), "gpt-4o-mini")
    for name in SIX:
        assert raw.headers.get(name), name
    assert int(raw.headers["x-ratelimit-limit-requests"]) == 600000
    assert int(raw.headers["x-ratelimit-limit-tokens"]) == 100000000
    assert raw.parse().choices[0].message.content


def test_rpm_bucket_refuses_with_openai_429(limited_base):
    client = sdk(limited_base)
    remaining = [int(chat_raw(client, "tight-rpm").headers["x-ratelimit-remaining-requests"]) for _ in range(3)]
    assert remaining == [2, 1, 0]
    with pytest.raises(openai.RateLimitError) as e:
        client.chat.completions.create(model="tight-rpm", messages=MSGS)
    err = e.value
    assert err.status_code == 429
    assert err.code == "rate_limit_exceeded" and err.type == "requests"
    assert err.body["message"].startswith("Rate limit reached for tight-rpm")
    retry_after = err.response.headers["retry-after"]
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 60, "LiteLLM reads only an integer"
    assert err.response.headers["x-ratelimit-remaining-requests"] == "0"


def test_sdk_retry_honours_retry_after_and_then_succeeds(limited_base):
    # retry-rpm holds one request and refills one a second: empty it, then the SDK (2 retries)
    # gets a 429 with retry-after 1, waits, and succeeds.
    client = sdk(limited_base)
    for _ in range(5):
        try:
            client.chat.completions.create(model="retry-rpm", messages=MSGS)
        except openai.RateLimitError:
            break
    else:
        pytest.fail("retry-rpm never refused")
    started = time.monotonic()
    c = sdk(limited_base, retries=2).chat.completions.create(model="retry-rpm", messages=MSGS)
    waited = time.monotonic() - started
    assert c.choices[0].message.content
    assert 0.3 < waited < 10, waited


def test_tpm_bucket_refuses_with_tokens_type(limited_base):
    client = sdk(limited_base)
    for _ in range(30):
        try:
            client.chat.completions.create(model="tight-tpm", messages=MSGS)
        except openai.RateLimitError as e:
            assert e.type == "tokens" and e.code == "rate_limit_exceeded"
            assert "tokens per min (TPM)" in e.body["message"]
            return
    pytest.fail("30 requests of ~13 tokens never hit a 100-token burst")


def test_per_api_key_buckets_are_separate(limited_base):
    a, b = sdk(limited_base, key="key-a"), sdk(limited_base, key="key-b")
    for _ in range(2):
        a.chat.completions.create(model="per-key", messages=MSGS)
    with pytest.raises(openai.RateLimitError):
        a.chat.completions.create(model="per-key", messages=MSGS)
    assert b.chat.completions.create(model="per-key", messages=MSGS).choices


def test_first_two_requests_get_503_with_retry_after(limited_base):
    client = sdk(limited_base)
    for _ in range(2):
        with pytest.raises(openai.InternalServerError) as e:
            client.chat.completions.create(model="first-two-503", messages=MSGS)
        assert e.value.status_code == 503
        assert e.value.response.headers["retry-after"] == "2"
    assert client.chat.completions.create(model="first-two-503", messages=MSGS).choices


def test_azure_429_has_retry_after_ms(limited_base):
    azure = openai.AzureOpenAI(azure_endpoint=limited_base, api_key="k", api_version="2024-10-21",
                               max_retries=0, timeout=10.0, default_headers={"x-test-route": "azure-tight"})
    for _ in range(2):
        raw = azure.chat.completions.with_raw_response.create(model="dep", messages=MSGS)
        assert raw.headers.get("x-ratelimit-remaining-requests") is not None
    with pytest.raises(openai.RateLimitError) as e:
        azure.chat.completions.create(model="dep", messages=MSGS)
    headers = e.value.response.headers
    assert headers["retry-after"].isdigit()
    assert headers["retry-after-ms"].isdigit() and int(headers["retry-after-ms"]) <= 1000 * int(headers["retry-after"])
    assert e.value.code == "429"


def test_azure_roomy_route_carries_headers(limited_base):
    azure = openai.AzureOpenAI(azure_endpoint=limited_base, api_key="k", api_version="2024-10-21",
                               max_retries=0, timeout=10.0)
    raw = azure.chat.completions.with_raw_response.create(model="dep", messages=MSGS)
    assert raw.headers.get("x-ratelimit-remaining-requests") is not None
