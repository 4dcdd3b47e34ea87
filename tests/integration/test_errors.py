"""Error envelopes and forced faults, as the SDK sees them and on the wire."""

from __future__ import annotations

import json

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletion

import sse

MSGS = [{"role": "user", "content": "hello"}]
MODEL = "gpt-4o-mini"
CHAT = {"model": MODEL, "messages": MSGS}


def fault(kind: str) -> dict:
    return {"extra_headers": {"x-decoy-fault": kind}}


def assert_openai_error(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    err = r.json()["error"]
    assert isinstance(err["message"], str) and err["message"]
    assert "type" in err and "param" in err and "code" in err
    return err


# -- request errors ------------------------------------------------------------------------------


def test_malformed_json_is_bad_request_through_sdk(client):
    with pytest.raises(openai.BadRequestError) as e:
        client.post("/chat/completions", cast_to=ChatCompletion, content=b'{"model": "gpt-4o-mini", "messages": [',
                    options={"headers": {"content-type": "application/json"}})
    assert e.value.status_code == 400
    assert e.value.body["type"] == "invalid_request_error"
    assert e.value.type == "invalid_request_error"


def test_malformed_json_raw(http):
    err = assert_openai_error(http.post("/v1/chat/completions", content=b"{bad json"), 400)
    assert err["type"] == "invalid_request_error"


def test_missing_messages_is_400(http):
    err = assert_openai_error(http.post("/v1/chat/completions", json={"model": MODEL}), 400)
    assert err["type"] == "invalid_request_error"
    assert err["param"] == "messages"


def test_missing_model_is_400(http):
    err = assert_openai_error(http.post("/v1/chat/completions", json={"messages": MSGS}), 400)
    assert err["message"] == "you must provide a model parameter"  # OpenAI's words; its param is null


def test_empty_messages_is_bad_request_through_sdk(client):
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model=MODEL, messages=[])


def test_missing_embedding_input_is_400(http):
    err = assert_openai_error(http.post("/v1/embeddings", json={"model": "text-embedding-3-small"}), 400)
    assert err["param"] == "input"


def test_unknown_path_is_404_json(http):
    assert_openai_error(http.post("/v1/no/such/thing", json={}), 404)
    assert_openai_error(http.get("/totally-unknown"), 404)


def test_wrong_method_is_405_json(http):
    r = http.get("/v1/chat/completions")
    assert_openai_error(r, 405)
    assert "POST" in r.headers.get("allow", "")
    assert_openai_error(http.post("/v1/models", json={}), 405)


def test_body_over_8_mib_is_413_json(http):
    big = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "x" * (9 * 1024 * 1024)}]})
    assert_openai_error(http.post("/v1/chat/completions", content=big.encode()), 413)
    # The server still answers afterwards.
    assert http.post("/v1/chat/completions", json=CHAT).status_code == 200


def test_body_just_under_8_mib_is_served(http):
    body = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "word " * 1_600_000}]})
    assert len(body) < 8 * 1024 * 1024
    r = http.post("/v1/chat/completions", content=body.encode(), timeout=30.0)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["usage"]["prompt_tokens"] > 100_000


def test_unknown_fault_value_is_400(http):
    err = assert_openai_error(http.post("/v1/chat/completions", json=CHAT, headers={"x-decoy-fault": "bogus"}), 400)
    assert err["param"] == "x-decoy-fault"


# -- forced faults -------------------------------------------------------------------------------


def test_fault_503_is_internal_server_error(client):
    with pytest.raises(openai.InternalServerError) as e:
        client.chat.completions.create(model=MODEL, messages=MSGS, **fault("503"))
    assert e.value.status_code == 503
    assert e.value.type == "server_error"


def test_fault_500_is_internal_server_error(client):
    with pytest.raises(openai.InternalServerError) as e:
        client.chat.completions.create(model=MODEL, messages=MSGS, **fault("500"))
    assert e.value.status_code == 500


def test_fault_429_is_rate_limit_error(client):
    with pytest.raises(openai.RateLimitError) as e:
        client.chat.completions.create(model=MODEL, messages=MSGS, **fault("429"))
    assert e.value.status_code == 429


def test_fault_429_on_embeddings_and_azure(client, azure):
    with pytest.raises(openai.RateLimitError):
        client.embeddings.create(model="text-embedding-3-small", input="x", **fault("429"))
    with pytest.raises(openai.RateLimitError):
        azure.chat.completions.create(model="dep", messages=MSGS, **fault("429"))


def test_fault_401_is_authentication_error(client):
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model=MODEL, messages=MSGS, **fault("401"))


def test_fault_on_stream_request_is_status_error(client):
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model=MODEL, messages=MSGS, stream=True, **fault("503"))


def test_fault_reset_is_connection_error(client):
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model=MODEL, messages=MSGS, **fault("reset"))


def test_fault_truncate_non_stream_is_an_error(client):
    with pytest.raises(Exception) as e:
        client.chat.completions.create(model=MODEL, messages=MSGS, **fault("truncate"))
    assert not isinstance(e.value, AssertionError)


def test_fault_truncate_non_stream_raw_is_short(http):
    with pytest.raises(httpx.HTTPError):
        # Content-Length promises more bytes than arrive before the close.
        http.post("/v1/chat/completions", json=CHAT, headers={"x-decoy-fault": "truncate"})


def test_fault_truncate_stream_has_no_done(base):
    lines: list[str] = []
    body = {**CHAT, "stream": True}
    with httpx.Client(base_url=base, timeout=10.0) as h:
        try:
            with h.stream("POST", "/v1/chat/completions", json=body, headers={"x-decoy-fault": "truncate"}) as r:
                assert r.status_code == 200
                for line in r.iter_lines():
                    if line.startswith("data:"):
                        lines.append(line)
        except httpx.HTTPError:
            pass  # a chunked body cut mid-way may surface as a protocol error
    assert lines, "some chunks before the cut"
    assert lines[-1] != "data: [DONE]"


def test_fault_stream_error_raises_mid_iteration(client):
    stream = client.chat.completions.create(model=MODEL, messages=MSGS, stream=True, **fault("stream_error"))
    seen = 0
    with pytest.raises(openai.APIError):
        for _ in stream:
            seen += 1
    assert seen >= 1, "the error comes after some chunks"


def test_fault_stream_error_raw_has_error_frame(http):
    lines = sse.data_lines(http, "/v1/chat/completions", {**CHAT, "stream": True},
                           headers={"x-decoy-fault": "stream_error"})
    assert len(lines) >= 2
    assert "error" in json.loads(lines[-1])
    assert "[DONE]" not in lines


def test_fault_malformed_fails_to_parse(client):
    with pytest.raises(Exception) as e:
        client.chat.completions.create(model=MODEL, messages=MSGS, **fault("malformed"))
    assert not isinstance(e.value, AssertionError)


def test_fault_malformed_raw_is_200_not_json(http):
    r = http.post("/v1/chat/completions", json=CHAT, headers={"x-decoy-fault": "malformed"})
    assert r.status_code == 200
    with pytest.raises(ValueError):
        json.loads(r.content)


def test_fault_stall_times_out(base):
    c = openai.OpenAI(base_url=f"{base}/v1", api_key="test", max_retries=0, timeout=1.0)
    with pytest.raises(openai.APITimeoutError):
        c.chat.completions.create(model=MODEL, messages=MSGS, **fault("stall"))
