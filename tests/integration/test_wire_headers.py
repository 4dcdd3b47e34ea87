"""The headers every real OpenAI and Azure OpenAI answer carries, Azure's content-filter annotations and
the model a route's `response.model` reports, as the official SDK reads them (docs/WIRE.md)."""

from __future__ import annotations

import os
import re

import openai
import pytest

from conftest import running_decoy

MSGS = [{"role": "user", "content": "hello"}]
REQ_ID = re.compile(r"req_[0-9a-f]{32}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def test_openai_request_id_is_the_sdks_request_id(client):
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MSGS)
    assert REQ_ID.fullmatch(raw.headers["x-request-id"])
    assert raw.headers["openai-version"] == "2020-10-01"
    assert raw.headers["openai-organization"]
    completion = raw.parse()
    assert completion._request_id == raw.headers["x-request-id"]
    # A fresh id per answer, on the plain call too.
    again = client.chat.completions.create(model="gpt-4o-mini", messages=MSGS)
    assert REQ_ID.fullmatch(again._request_id) and again._request_id != completion._request_id


def test_openai_errors_carry_the_request_id_too(client):
    with pytest.raises(openai.InternalServerError) as e:
        client.chat.completions.create(model="gpt-4o-mini", messages=MSGS, extra_headers={"x-decoy-fault": "500"})
    assert REQ_ID.fullmatch(e.value.request_id)
    assert e.value.response.headers["openai-version"] == "2020-10-01"
    with pytest.raises(openai.RateLimitError) as e:
        client.chat.completions.create(model="gpt-4o-mini", messages=MSGS, extra_headers={"x-decoy-fault": "429"})
    assert REQ_ID.fullmatch(e.value.request_id)


def test_openai_stream_carries_the_request_id(client):
    with client.chat.completions.with_streaming_response.create(
            model="gpt-4o-mini", messages=MSGS, stream=True) as response:
        assert REQ_ID.fullmatch(response.headers["x-request-id"])
        assert list(response.iter_lines())


def test_azure_ids_and_region(azure):
    raw = azure.chat.completions.with_raw_response.create(model="my-gpt4o-deployment", messages=MSGS)
    assert UUID.fullmatch(raw.headers["apim-request-id"])
    assert UUID.fullmatch(raw.headers["x-request-id"])
    assert raw.headers["x-ms-region"] == "East US"
    assert "openai-version" not in raw.headers
    assert raw.parse()._request_id == raw.headers["x-request-id"]


def test_azure_content_filter_results(azure):
    c = azure.chat.completions.create(model="my-gpt4o-deployment", messages=MSGS)
    prompt = c.prompt_filter_results[0]  # extra fields the SDK keeps
    assert prompt["prompt_index"] == 0
    assert prompt["content_filter_results"]["jailbreak"] == {"filtered": False, "detected": False}
    assert c.choices[0].content_filter_results["violence"] == {"filtered": False, "severity": "safe"}


def test_azure_stream_opens_with_the_prompt_filter_chunk(azure):
    chunks = list(azure.chat.completions.create(model="my-gpt4o-deployment", messages=MSGS, stream=True))
    assert chunks[0].choices == [] and chunks[0].prompt_filter_results[0]["prompt_index"] == 0
    assert chunks[1].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert all(c.choices[0].content_filter_results is not None for c in chunks[1:] if c.choices)


MODELS = """\
name: response-model
defaults:
  latency: { first_byte: 0, per_token: 0 }
  response: { completion_tokens: 4 }
routes:
  - name: azure-gpt4o
    match: { endpoint: [azure.chat], path: /openai/deployments/my-gpt4o/* }
    response: { model: gpt-4o-2024-08-06 }
"""


def test_response_model_names_the_model_behind_an_azure_deployment(tmp_path):
    profile = tmp_path / "response-model.yaml"
    profile.write_text(MODELS)
    with running_decoy(str(profile)) as (base, _proc, _log):
        azure = openai.AzureOpenAI(azure_endpoint=base, api_key="k", api_version="2024-10-21", max_retries=0, timeout=10)
        assert azure.chat.completions.create(model="my-gpt4o", messages=MSGS).model == "gpt-4o-2024-08-06"
        stream = list(azure.chat.completions.create(model="my-gpt4o", messages=MSGS, stream=True))
        assert {c.model for c in stream[1:]} == {"gpt-4o-2024-08-06"}
        # Another deployment has no such route: it is named as it was called.
        assert azure.chat.completions.create(model="other", messages=MSGS).model == "other"


def test_litellm_passes_the_region_and_request_id_on(base):
    # LiteLLM keeps a provider's headers as `llm_provider-*` and reads x-ms-region to place an Azure
    # deployment in the EU or the US.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm is imported
    import litellm

    azure = litellm.completion(model="azure/my-dep", api_base=base, api_version="2024-10-21", api_key="k",
                               messages=MSGS, num_retries=0, timeout=10)
    assert azure._hidden_params["additional_headers"]["llm_provider-x-ms-region"] == "East US"
    chunks = list(litellm.completion(model="azure/my-dep", api_base=base, api_version="2024-10-21", api_key="k",
                                     messages=MSGS, stream=True, num_retries=0, timeout=10))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    plain = litellm.completion(model="openai/fake", api_base=base, api_key="k", messages=MSGS, num_retries=0, timeout=10)
    assert REQ_ID.fullmatch(plain._hidden_params["additional_headers"]["llm_provider-x-request-id"])
