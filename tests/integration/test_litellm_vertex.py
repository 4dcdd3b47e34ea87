"""LiteLLM's vertex_ai provider against `decoy serve`, with no network: the service account from
`decoy credentials` gets its token from Decoy, and every api_base form LiteLLM accepts reaches Decoy.
"""

from __future__ import annotations

import os
import re

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm is imported: no cost-map download

import httpx
import litellm
import pytest

from conftest import running_decoy
from google_creds import write_credentials

PROJECT = "decoy-litellm"
LOCATION = "us-central1"
MODEL = "gemini-1.5-pro"
MSGS = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello there"}]


@pytest.fixture(scope="module")
def credentials_path(base, tmp_path_factory) -> str:
    return str(write_credentials(base, tmp_path_factory.mktemp("litellm") / "sa.json", PROJECT))


def call(api_base: str, credentials: str, **extra):
    return litellm.completion(
        model=f"vertex_ai/{MODEL}", messages=MSGS, vertex_credentials=credentials, vertex_project=PROJECT,
        vertex_location=LOCATION, api_base=api_base, max_tokens=5, num_retries=0, timeout=10, **extra,
    )


def test_completion(base, credentials_path):
    r = call(base, credentials_path)
    assert len(r.choices[0].message.content.split()) == 5
    assert r.choices[0].finish_reason == "length"
    assert r.usage.completion_tokens == 5 and r.usage.prompt_tokens > 0
    assert r.usage.total_tokens == r.usage.prompt_tokens + 5


def test_stream(base, credentials_path):
    chunks = list(call(base, credentials_path, stream=True, stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len(text.split()) == 5
    usage = [c.usage for c in chunks if getattr(c, "usage", None)]
    assert usage and usage[-1].completion_tokens == 5


@pytest.mark.parametrize("suffix", [
    "/",                                                                               # bare host
    "/v1",                                                                             # version only: grafted
    f"/v1/projects/{PROJECT}/locations/{LOCATION}/publishers/google/models/{MODEL}",   # {api_base}:generateContent
    "/deployment-a",                                                                   # a custom prefix
])
def test_every_api_base_form(base, credentials_path, suffix):
    assert call(base + suffix, credentials_path).choices[0].message.content
    assert list(call(base + suffix, credentials_path, stream=True))


def test_forced_429_is_a_rate_limit_error(base, credentials_path):
    with pytest.raises(litellm.RateLimitError) as e:
        call(base, credentials_path, extra_headers={"x-decoy-fault": "429"})
    assert e.value.status_code == 429
    assert "RESOURCE_EXHAUSTED" in str(e.value)


def test_forced_503_is_the_overloaded_model(base, credentials_path):
    # LiteLLM maps Vertex's "The model is overloaded." to InternalServerError, whatever the status.
    with pytest.raises(litellm.InternalServerError) as e:
        call(base, credentials_path, extra_headers={"x-decoy-fault": "503"})
    assert "The model is overloaded. Please try again later." in str(e.value)


LIMITED = """\
name: vertex-limited
defaults:
  latency: { first_byte: 0, per_token: 0 }
  response: { completion_tokens: 5 }
routes:
  # rpm 6: a request back every 10 s, so a slow machine cannot refill the bucket mid-test
  - name: vertex-tight
    match: { endpoint: [vertex.generate, vertex.stream], path: /v1/projects/tight/* }
    limit: { rpm: 6, burst: 1 }
  # the same, but asking for the retry-after header the real Vertex AI never sends
  - name: vertex-tight-header
    match: { endpoint: [vertex.generate, vertex.stream], path: /v1/projects/tight-header/* }
    limit: { rpm: 6, burst: 1, retry_after: header }
  - name: gemini-tight
    match: { endpoint: gemini.generate }
    limit: { rpm: 6, burst: 1 }
"""


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vertex-limited")
    profile = folder / "vertex-limited.yaml"
    profile.write_text(LIMITED)
    with running_decoy(str(profile)) as (limited_base, _proc, _log):
        yield limited_base, str(write_credentials(limited_base, folder / "sa.json", "tight"))


def vertex_post(base: str, project: str) -> httpx.Response:
    token = httpx.post(base + "/token", data={"grant_type": "refresh_token", "refresh_token": "x"}).json()
    return httpx.post(
        f"{base}/v1/projects/{project}/locations/{LOCATION}/publishers/google/models/{MODEL}:generateContent",
        json={"contents": [{"parts": [{"text": "hi"}]}]}, headers={"authorization": f"Bearer {token['access_token']}"})


def test_a_limited_route_refuses_with_vertex_429_and_no_retry_after(limited):
    limited_base, credentials = limited
    first = litellm.completion(
        model=f"vertex_ai/{MODEL}", messages=MSGS, vertex_credentials=credentials, vertex_project="tight",
        vertex_location=LOCATION, api_base=limited_base, num_retries=0, timeout=10)
    assert first.choices[0].message.content
    with pytest.raises(litellm.RateLimitError):
        litellm.completion(
            model=f"vertex_ai/{MODEL}", messages=MSGS, vertex_credentials=credentials, vertex_project="tight",
            vertex_location=LOCATION, api_base=limited_base, num_retries=0, timeout=10)
    # On the wire: Vertex's body and, as from the real Vertex AI, no retry-after (LiteLLM's router then
    # cools the deployment down for its cooldown_time, 5 s by default).
    r = vertex_post(limited_base, "tight")
    assert r.status_code == 429 and r.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert "retry-after" not in r.headers


def test_retry_after_header_in_a_limit_adds_the_integer_header(limited):
    limited_base, _credentials = limited
    assert vertex_post(limited_base, "tight-header").status_code == 200
    r = vertex_post(limited_base, "tight-header")
    assert r.status_code == 429
    assert r.headers["retry-after"].isdigit() and 1 <= int(r.headers["retry-after"]) <= 10


def test_the_gemini_apis_429_names_its_wait_in_the_body(limited):
    limited_base, _credentials = limited
    url = f"{limited_base}/v1beta/models/gemini-2.0-flash:generateContent?key=k"
    body = {"contents": [{"parts": [{"text": "hi"}]}]}
    assert httpx.post(url, json=body).status_code == 200
    r = httpx.post(url, json=body)
    assert r.status_code == 429 and "retry-after" not in r.headers
    error = r.json()["error"]
    assert "Please retry in" in error["message"]
    kinds = [d["@type"].rsplit(".", 1)[1] for d in error["details"]]
    assert kinds == ["Help", "QuotaFailure", "RetryInfo"]
    assert error["details"][1]["violations"][0]["quotaDimensions"]["model"] == "gemini-2.0-flash"
    assert re.fullmatch(r"[1-9][0-9]*s", error["details"][2]["retryDelay"])


def test_a_token_from_another_decoy_process_still_works(base, limited):
    # Tokens are signed with a key every Decoy shares (unless DECOY_TOKEN_SECRET differs), so a proxy
    # that cached one keeps working when Decoy restarts, as it would against Google.
    _limited_base, other_credentials = limited
    response = call(base, other_credentials)
    assert response.choices[0].message.content
