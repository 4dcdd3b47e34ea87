"""Claude and the other partner models on Vertex AI against `decoy serve`: the `anthropic` SDK's
AnthropicVertex with a token from Decoy's /token, and LiteLLM's vertex_ai/ with credentials from
`decoy credentials` (Claude, Mistral, and the OpenAI-compatible endpoint).
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm is imported: no cost-map download

import anthropic
import httpx
import litellm
import pytest

from conftest import running_decoy
from google_creds import service_account, write_credentials

PROJECT = "decoy-claude"
LOCATION = "us-east5"
MODEL = "claude-sonnet-4@20250514"
HELLO = [{"role": "user", "content": "hello there"}]
MSGS = [{"role": "system", "content": "be brief"}] + HELLO


@pytest.fixture(scope="module")
def credentials_path(base, tmp_path_factory) -> str:
    return str(write_credentials(base, tmp_path_factory.mktemp("claude") / "sa.json", PROJECT))


@pytest.fixture(scope="module")
def token(credentials_path) -> str:
    from google.auth.transport.requests import Request

    credentials = service_account(credentials_path)
    credentials.refresh(Request())
    return credentials.token


@pytest.fixture(scope="module")
def vertex(base, token) -> anthropic.AnthropicVertex:
    return anthropic.AnthropicVertex(
        base_url=f"{base}/v1", region=LOCATION, project_id=PROJECT, access_token=token, max_retries=0, timeout=10.0)


# -- AnthropicVertex -------------------------------------------------------------------------------


def test_create(vertex):
    m = vertex.messages.create(model=MODEL, max_tokens=5, system="be brief", messages=HELLO)
    assert m.model == MODEL and m.stop_reason == "max_tokens"
    assert len(m.content[0].text.split()) == 5 and m.usage.output_tokens == 5


def test_stream(vertex):
    with vertex.messages.stream(model=MODEL, max_tokens=6, messages=HELLO) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert len(text.split()) == 6 and final.usage.output_tokens == 6


def test_count_tokens(vertex):
    assert vertex.messages.count_tokens(model=MODEL, messages=HELLO).input_tokens > 0


def test_a_foreign_token_is_unauthenticated(base):
    client = anthropic.AnthropicVertex(
        base_url=f"{base}/v1", region=LOCATION, project_id=PROJECT, access_token="ya29.not-decoys", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as e:
        client.messages.create(model=MODEL, max_tokens=5, messages=HELLO)
    assert e.value.body["error"]["status"] == "UNAUTHENTICATED"  # Google's front end, not Claude


# -- LiteLLM vertex_ai/ ------------------------------------------------------------------------------


def call(model: str, api_base: str, credentials: str, **extra):
    return litellm.completion(
        model=f"vertex_ai/{model}", messages=MSGS, vertex_credentials=credentials, vertex_project=PROJECT,
        vertex_location=LOCATION, api_base=api_base, max_tokens=5, num_retries=0, timeout=10, **extra)


# Not "/v1": LiteLLM grafts a version-only api_base for Gemini, not for partner models (it calls /v1/v1/…).
@pytest.mark.parametrize("suffix", [
    "",                                                                                # bare host: the default path
    f"/v1/projects/{PROJECT}/locations/{LOCATION}/publishers/anthropic/models/{MODEL}",  # {api_base}:rawPredict
    "/deployment-a",                                                                   # a custom prefix
])
def test_litellm_claude(base, credentials_path, suffix):
    r = call(MODEL, base + suffix, credentials_path)
    assert len(r.choices[0].message.content.split()) == 5 and r.choices[0].finish_reason == "length"
    assert r.usage.completion_tokens == 5 and r.usage.prompt_tokens > 0
    chunks = list(call(MODEL, base + suffix, credentials_path, stream=True, stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len(text.split()) == 5
    usage = [c.usage for c in chunks if getattr(c, "usage", None)]
    assert usage and usage[-1].completion_tokens == 5


def test_litellm_vertex_openai_compatible_model(base, credentials_path):
    r = call("meta/llama-3.3-70b-instruct-maas", base, credentials_path)
    assert len(r.choices[0].message.content.split()) == 5


def test_litellm_mistral(base, credentials_path):
    r = call("mistral-large-2411@001", base, credentials_path)
    assert len(r.choices[0].message.content.split()) == 5
    chunks = list(call("mistral-large-2411@001", base, credentials_path, stream=True))
    assert len("".join(c.choices[0].delta.content or "" for c in chunks if c.choices).split()) == 5


# -- a limited route -------------------------------------------------------------------------------

LIMITED = """\
name: claude-limited
defaults:
  latency: { first_byte: 0, per_token: 0 }
  response: { completion_tokens: 5 }
routes:
  - name: claude-tight
    match: [vertex.anthropic, vertex.anthropic_stream]
    limit: { rpm: 6, burst: 1 }
"""


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    folder = tmp_path_factory.mktemp("claude-limited")
    profile = folder / "claude-limited.yaml"
    profile.write_text(LIMITED)
    with running_decoy(str(profile)) as (limited_base, _proc, _log):
        yield limited_base, str(write_credentials(limited_base, folder / "sa.json", PROJECT))


def test_a_limited_claude_route_raises_litellm_rate_limit_error(limited):
    limited_base, credentials = limited
    assert call(MODEL, limited_base, credentials).choices[0].message.content
    with pytest.raises(litellm.RateLimitError) as e:
        call(MODEL, limited_base, credentials)
    assert e.value.status_code == 429
    # On the wire: Google's 429, as Vertex's quota answers for Claude too.
    token = httpx.post(limited_base + "/token", data={"grant_type": "refresh_token", "refresh_token": "x"}).json()
    r = httpx.post(
        f"{limited_base}/v1/projects/{PROJECT}/locations/{LOCATION}/publishers/anthropic/models/{MODEL}:rawPredict",
        json={"anthropic_version": "vertex-2023-10-16", "max_tokens": 5, "messages": HELLO},
        headers={"authorization": f"Bearer {token['access_token']}"})
    assert r.status_code == 429 and r.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
