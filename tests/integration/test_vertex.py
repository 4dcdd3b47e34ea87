"""Vertex AI and the Gemini API through google-genai (and raw httpx on the wire) against `decoy serve`.

The service account comes from `decoy credentials` with the session decoy's /token as token_uri, so
google-auth signs a real JWT with its fresh RSA key and gets an access token with no network.
"""

from __future__ import annotations

import json

import httpx
import pytest
from google import genai
from google.genai import errors, types

from google_creds import service_account, write_credentials

PROJECT = "decoy-it"
LOCATION = "us-central1"
MODEL = "gemini-2.0-flash"
V1 = f"/v1/projects/{PROJECT}/locations/{LOCATION}/publishers/google/models/{MODEL}"
HELLO = {"contents": [{"role": "user", "parts": [{"text": "hello there"}]}], "generationConfig": {"maxOutputTokens": 4}}


@pytest.fixture(scope="module")
def credentials_file(base, tmp_path_factory):
    return write_credentials(base, tmp_path_factory.mktemp("vertex") / "sa.json", PROJECT)


def vertex_client(base: str, credentials, api_version: str | None = None, headers: dict | None = None) -> genai.Client:
    options = types.HttpOptions(
        base_url=base, api_version=api_version, headers=headers, timeout=10_000,
        retry_options=types.HttpRetryOptions(attempts=1),
    )
    return genai.Client(vertexai=True, project=PROJECT, location=LOCATION, credentials=credentials, http_options=options)


@pytest.fixture(scope="module")
def vertex(base, credentials_file) -> genai.Client:
    return vertex_client(base, service_account(credentials_file))


@pytest.fixture(scope="module")
def token(base, credentials_file) -> str:
    from google.auth.transport.requests import Request

    credentials = service_account(credentials_file)
    credentials.refresh(Request())
    return credentials.token


# -- google-genai, Vertex AI ---------------------------------------------------------------------


def test_generate_content(vertex):
    r = vertex.models.generate_content(
        model=MODEL, contents="hello there",
        config=types.GenerateContentConfig(max_output_tokens=5, system_instruction="be brief"),
    )
    assert r.text and len(r.text.split()) == 5
    candidate = r.candidates[0]
    assert candidate.content.role == "model"
    assert candidate.finish_reason == types.FinishReason.MAX_TOKENS
    assert candidate.safety_ratings and candidate.avg_logprobs < 0
    usage = r.usage_metadata
    assert usage.prompt_token_count > 0 and usage.candidates_token_count == 5
    assert usage.total_token_count == usage.prompt_token_count + 5
    assert usage.prompt_tokens_details[0].modality == types.MediaModality.TEXT
    assert r.model_version == MODEL and r.response_id and r.create_time is not None


def test_generate_content_on_v1(base, credentials_file):
    client = vertex_client(base, service_account(credentials_file), api_version="v1")
    assert client.models.generate_content(model=MODEL, contents="hi").text


def test_several_candidates(vertex):
    r = vertex.models.generate_content(
        model=MODEL, contents="hi", config=types.GenerateContentConfig(candidate_count=2, max_output_tokens=3))
    assert len(r.candidates) == 2
    assert r.usage_metadata.candidates_token_count == 6


def test_stream(vertex):
    chunks = list(vertex.models.generate_content_stream(
        model=MODEL, contents="hello", config=types.GenerateContentConfig(max_output_tokens=6)))
    assert len(chunks) == 6
    assert "".join(c.text for c in chunks).split()[0] == "Lorem"
    last = chunks[-1]
    assert last.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    assert last.usage_metadata.candidates_token_count == 6
    assert all(c.candidates[0].finish_reason is None for c in chunks[:-1])


def test_embed(vertex):
    r = vertex.models.embed_content(
        model="text-embedding-005", contents=["a cat", "a dog", "a cat"],
        config=types.EmbedContentConfig(output_dimensionality=32),
    )
    vectors = [e.values for e in r.embeddings]
    assert [len(v) for v in vectors] == [32, 32, 32]
    assert vectors[0] == vectors[2] and vectors[0] != vectors[1]
    assert abs(sum(x * x for x in vectors[0]) - 1) < 1e-3
    assert r.embeddings[0].statistics.token_count == 2 and r.embeddings[0].statistics.truncated is False
    assert r.metadata.billable_character_count == 15


def test_embed_default_size(vertex):
    r = vertex.models.embed_content(model="text-embedding-005", contents="hello")
    assert len(r.embeddings[0].values) == 768


def test_count_tokens(vertex):
    r = vertex.models.count_tokens(model=MODEL, contents="sixteen  bytes!!")
    assert r.total_tokens == 5  # "user" and the text: 20 bytes, about 4 to a token


def test_forced_429_is_a_client_error(base, credentials_file):
    client = vertex_client(base, service_account(credentials_file), headers={"x-decoy-fault": "429"})
    with pytest.raises(errors.ClientError) as e:
        client.models.generate_content(model=MODEL, contents="hi")
    assert e.value.code == 429 and e.value.status == "RESOURCE_EXHAUSTED"


def test_a_token_decoy_did_not_issue_is_unauthenticated(base):
    from google.oauth2.credentials import Credentials

    client = vertex_client(base, Credentials(token="ya29.somebody-elses-token"))
    with pytest.raises(errors.ClientError) as e:
        client.models.generate_content(model=MODEL, contents="hi")
    assert e.value.code == 401 and e.value.status == "UNAUTHENTICATED"


# -- google-genai, the Gemini API ----------------------------------------------------------------


@pytest.fixture(scope="module")
def gemini(base) -> genai.Client:
    options = types.HttpOptions(base_url=base, timeout=10_000, retry_options=types.HttpRetryOptions(attempts=1))
    return genai.Client(api_key="AIza-decoy-test", http_options=options)


def test_gemini_api_generates_streams_embeds_and_counts(gemini):
    r = gemini.models.generate_content(model=MODEL, contents="hi", config=types.GenerateContentConfig(max_output_tokens=3))
    assert len(r.text.split()) == 3 and r.usage_metadata.total_token_count > 3
    assert len(list(gemini.models.generate_content_stream(model=MODEL, contents="hi",
                                                          config=types.GenerateContentConfig(max_output_tokens=4)))) == 4
    e = gemini.models.embed_content(model="text-embedding-004", contents=["a", "b"],
                                    config=types.EmbedContentConfig(output_dimensionality=8))
    assert [len(x.values) for x in e.embeddings] == [8, 8]
    assert gemini.models.count_tokens(model=MODEL, contents="abcd").total_tokens >= 1


# -- on the wire ---------------------------------------------------------------------------------


def google_error(r: httpx.Response, status: int, name: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    err = r.json()["error"]
    assert err["code"] == status and err["status"] == name and err["message"]
    return err


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer ya29.not-issued-here"}, {"x-goog-api-key": "k"}])
def test_vertex_wants_an_issued_token(base, headers):
    r = httpx.post(base + V1 + ":generateContent", json=HELLO, headers=headers, timeout=10)
    err = google_error(r, 401, "UNAUTHENTICATED")
    assert err["message"].startswith("Request had invalid authentication credentials. Expected OAuth 2 access token")


def test_token_endpoint_speaks_oauth(base):
    r = httpx.post(base + "/token", data={"grant_type": "refresh_token", "refresh_token": "1//x"}, timeout=10)
    assert r.status_code == 200
    body = r.json()
    assert body["access_token"].startswith("ya29.") and body["expires_in"] == 3599 and body["token_type"] == "Bearer"
    bad = httpx.post(base + "/token", data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                            "assertion": "not-a-jwt"}, timeout=10)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"


def test_sse_stream_framing(base, token):
    headers = {"authorization": f"Bearer {token}"}
    with httpx.stream("POST", base + V1 + ":streamGenerateContent?alt=sse", json=HELLO, headers=headers, timeout=10) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        raw = r.read().decode()
    frames = raw.split("\r\n\r\n")
    assert frames[-1] == "" and "[DONE]" not in raw
    chunks = [json.loads(f.removeprefix("data: ")) for f in frames[:-1]]
    assert len(chunks) == 4
    assert "candidatesTokenCount" not in chunks[0]["usageMetadata"]
    assert chunks[-1]["usageMetadata"]["candidatesTokenCount"] == 4


def test_stream_without_alt_sse_is_one_json_array(base, token):
    r = httpx.post(base + V1 + ":streamGenerateContent", json=HELLO,
                   headers={"authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.text.startswith("[{") and r.text.endswith("}]")
    assert len(r.json()) == 4


def test_bare_action_and_custom_prefix(base, token):
    headers = {"authorization": f"Bearer {token}"}
    for path in ("/:generateContent", "/custom:generateContent", "/custom/prefix:generateContent"):
        r = httpx.post(base + path, json={**HELLO, "model": "gemini-1.5-flash"}, headers=headers, timeout=10)
        assert r.status_code == 200, (path, r.text)
        assert r.json()["modelVersion"] == "gemini-1.5-flash"


def test_errors_in_googles_envelope(base, token):
    auth = {"authorization": f"Bearer {token}"}
    url = base + V1 + ":generateContent"
    bad = httpx.post(url, content=b'{"contents": [', headers=auth, timeout=10)
    assert google_error(bad, 400, "INVALID_ARGUMENT")["message"].startswith("Invalid JSON payload received.")
    overloaded = httpx.post(url, json=HELLO, headers={**auth, "x-decoy-fault": "503"}, timeout=10)
    assert google_error(overloaded, 503, "UNAVAILABLE")["message"] == "The model is overloaded. Please try again later."
    limited = httpx.post(url, json=HELLO, headers={**auth, "x-decoy-fault": "429"}, timeout=10)
    assert google_error(limited, 429, "RESOURCE_EXHAUSTED")["message"].startswith("Resource exhausted.")
    assert "retry-after" not in limited.headers  # Vertex names no wait unless the profile does
    google_error(httpx.get(url, headers=auth, timeout=10), 405, "UNIMPLEMENTED")
    google_error(httpx.post(base + "/v1/projects/x/nothing:here", json=HELLO, headers=auth, timeout=10), 404, "NOT_FOUND")


def test_gemini_429_carries_retry_info(base):
    r = httpx.post(base + f"/v1beta/models/{MODEL}:generateContent?key=k", json=HELLO,
                   headers={"x-decoy-fault": "429"}, timeout=10)
    err = google_error(r, 429, "RESOURCE_EXHAUSTED")
    retry = [d for d in err["details"] if d["@type"] == "type.googleapis.com/google.rpc.RetryInfo"]
    assert retry and retry[0]["retryDelay"].endswith("s")


def test_in_stream_error_is_an_sse_error_frame(base, token):
    headers = {"authorization": f"Bearer {token}", "x-decoy-fault": "stream_error"}
    body = {**HELLO, "generationConfig": {"maxOutputTokens": 6}}
    r = httpx.post(base + V1 + ":streamGenerateContent?alt=sse", json=body, headers=headers, timeout=10)
    assert r.status_code == 200
    frames = [json.loads(f.removeprefix("data: ")) for f in r.text.split("\r\n\r\n") if f]
    assert len(frames) == 4 and frames[-1]["error"]["status"] == "INTERNAL"
