"""Amazon Bedrock's runtime through boto3's `bedrock-runtime` client (botocore's own event-stream parser)
and LiteLLM's `bedrock/` provider, against `decoy serve`: Converse, ConverseStream, InvokeModel and
InvokeModelWithResponseStream for a Claude model id, CountTokens, the quota's ThrottlingException, injected
errors and a stream broken midway.
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm is imported: no cost-map download

import boto3
import botocore
import httpx
import litellm
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError, EventStreamError

from conftest import running_decoy

MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"
ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0"
MESSAGES = [{"role": "user", "content": [{"text": "hello there"}]}]
CLAUDE_BODY = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5,
               "messages": [{"role": "user", "content": "hello there"}]}


def bedrock(base: str, key: str = "AKIDDECOYTEST", **config) -> botocore.client.BaseClient:
    return boto3.client(
        "bedrock-runtime", endpoint_url=base, region_name="us-east-1", aws_access_key_id=key,
        aws_secret_access_key="decoy-secret", config=Config(retries={"max_attempts": 1}, read_timeout=10, **config))


def with_header(client, name: str, value: str):
    """Adds a header to every request the client sends (after signing, as a proxy might)."""
    def add(request, **_):
        request.headers[name] = value
    client.meta.events.register("before-send.bedrock-runtime.*", add)
    return client


@pytest.fixture(scope="module")
def runtime(base):
    return bedrock(base)


# -- boto3: Converse and ConverseStream ------------------------------------------------------------


def test_converse(runtime):
    r = runtime.converse(modelId=MODEL, messages=MESSAGES, system=[{"text": "be brief"}],
                         inferenceConfig={"maxTokens": 5})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200 and len(r["ResponseMetadata"]["RequestId"]) == 36
    message = r["output"]["message"]
    assert message["role"] == "assistant" and len(message["content"][0]["text"].split()) == 5
    assert r["stopReason"] == "max_tokens"
    usage = r["usage"]
    assert usage["outputTokens"] == 5 and usage["inputTokens"] > 0
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]
    assert r["metrics"]["latencyMs"] >= 0


def test_converse_ends_its_turn_under_the_cap(runtime):
    r = runtime.converse(modelId=MODEL, messages=MESSAGES, inferenceConfig={"maxTokens": 4096})
    assert r["stopReason"] == "end_turn" and r["usage"]["outputTokens"] >= 20  # the default profile's 20-60


def test_converse_with_an_arn(runtime):
    r = runtime.converse(modelId=ARN, messages=MESSAGES, inferenceConfig={"maxTokens": 3})
    assert r["usage"]["outputTokens"] == 3


def test_converse_stream(runtime):
    r = runtime.converse_stream(modelId=MODEL, messages=MESSAGES, inferenceConfig={"maxTokens": 4})
    assert r["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/vnd.amazon.eventstream"
    events = list(r["stream"])
    assert [next(iter(e)) for e in events] == [
        "messageStart", "contentBlockDelta", "contentBlockDelta", "contentBlockDelta", "contentBlockDelta",
        "contentBlockStop", "messageStop", "metadata"]
    assert events[0]["messageStart"] == {"role": "assistant"}
    text = "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e)
    assert len(text.split()) == 4
    assert events[-2]["messageStop"]["stopReason"] == "max_tokens"
    metadata = events[-1]["metadata"]
    assert metadata["usage"]["outputTokens"] == 4 and metadata["usage"]["inputTokens"] > 0
    assert metadata["usage"]["totalTokens"] == metadata["usage"]["inputTokens"] + 4
    assert "latencyMs" in metadata["metrics"]


def test_count_tokens(runtime):
    r = runtime.count_tokens(modelId=MODEL, input={"converse": {"messages": MESSAGES}})
    assert r["inputTokens"] > 0
    r = runtime.count_tokens(modelId=MODEL, input={"invokeModel": {"body": json.dumps(CLAUDE_BODY).encode()}})
    assert r["inputTokens"] > 0


# -- boto3: InvokeModel with Anthropic's bodies ----------------------------------------------------


def test_invoke_model(runtime):
    r = runtime.invoke_model(modelId=MODEL, body=json.dumps(CLAUDE_BODY), contentType="application/json",
                             accept="application/json")
    assert r["contentType"] == "application/json"
    body = json.loads(r["body"].read())
    assert body["type"] == "message" and body["role"] == "assistant" and body["id"].startswith("msg_bdrk_")
    assert body["model"] == MODEL and len(body["content"][0]["text"].split()) == 5
    assert body["stop_reason"] == "max_tokens" and body["usage"]["output_tokens"] == 5
    headers = r["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-bedrock-output-token-count"] == "5"
    assert int(headers["x-amzn-bedrock-input-token-count"]) == body["usage"]["input_tokens"]


def test_invoke_model_with_response_stream(runtime):
    r = runtime.invoke_model_with_response_stream(modelId=MODEL, body=json.dumps(CLAUDE_BODY))
    assert r["contentType"] == "application/json"
    events = [json.loads(e["chunk"]["bytes"]) for e in r["body"]]
    assert [e["type"] for e in events] == [
        "message_start", "content_block_start"] + ["content_block_delta"] * 5 + [
        "content_block_stop", "message_delta", "message_stop"]
    text = "".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta")
    assert len(text.split()) == 5
    assert events[-2]["usage"]["output_tokens"] == 5
    assert events[-1]["amazon-bedrock-invocationMetrics"]["outputTokenCount"] == 5


def test_invoke_model_without_anthropic_version_is_a_validation_error(runtime):
    body = {k: v for k, v in CLAUDE_BODY.items() if k != "anthropic_version"}
    with pytest.raises(runtime.exceptions.ValidationException) as e:
        runtime.invoke_model(modelId=MODEL, body=json.dumps(body))
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "anthropic_version" in e.value.response["Error"]["Message"]


# -- errors ----------------------------------------------------------------------------------------


def test_forced_503_is_service_unavailable(base):
    client = with_header(bedrock(base), "x-decoy-fault", "503")
    with pytest.raises(client.exceptions.ServiceUnavailableException) as e:
        client.converse(modelId=MODEL, messages=MESSAGES)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert e.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"].startswith(
        "ServiceUnavailableException:")


@pytest.mark.parametrize("status, exception, wire", [
    ("408", "ModelTimeoutException", 408), ("529", "ModelNotReadyException", 429), ("400", "ValidationException", 400),
    ("500", "InternalServerException", 500)])
def test_forced_statuses_are_bedrocks_exceptions(base, status, exception, wire):
    client = with_header(bedrock(base), "x-decoy-fault", status)
    with pytest.raises(getattr(client.exceptions, exception)) as e:
        client.invoke_model(modelId=MODEL, body=json.dumps(CLAUDE_BODY))
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == wire
    assert e.value.response["Error"]["Message"]


def test_no_credentials_is_access_denied(base):
    client = bedrock(base, signature_version=UNSIGNED)
    with pytest.raises(client.exceptions.AccessDeniedException) as e:
        client.converse(modelId=MODEL, messages=MESSAGES)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    r = httpx.post(f"{base}/model/{MODEL}/converse", json={"messages": MESSAGES})
    assert r.status_code == 403 and r.json() == {"message": "The security token included in the request is invalid."}
    assert r.headers["x-amzn-errortype"] == "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.bedrock/"
    assert len(r.headers["x-amzn-requestid"]) == 36


def test_a_bearer_token_is_accepted(base):
    r = httpx.post(f"{base}/model/{MODEL}/converse", json={"messages": MESSAGES, "inferenceConfig": {"maxTokens": 2}},
                   headers={"authorization": "Bearer bedrock-api-key"})
    assert r.status_code == 200 and r.json()["usage"]["outputTokens"] == 2


def test_converse_stream_error_raises_mid_stream(base):
    client = with_header(bedrock(base), "x-decoy-fault", "stream_error")
    r = client.converse_stream(modelId=MODEL, messages=MESSAGES, inferenceConfig={"maxTokens": 10})
    received = []
    with pytest.raises(EventStreamError) as e:
        for event in r["stream"]:
            received.append(event)
    assert sum("contentBlockDelta" in ev for ev in received) == 5  # half the paced events
    assert e.value.response["Error"]["Code"] == "internalServerException"


def test_invoke_stream_error_raises_mid_stream(base):
    client = with_header(bedrock(base), "x-decoy-fault", "stream_error")
    r = client.invoke_model_with_response_stream(modelId=MODEL, body=json.dumps({**CLAUDE_BODY, "max_tokens": 10}))
    received = []
    with pytest.raises(EventStreamError) as e:
        for event in r["body"]:
            received.append(json.loads(event["chunk"]["bytes"]))
    assert sum(ev["type"] == "content_block_delta" for ev in received) == 5
    assert e.value.response["Error"]["Code"] == "modelStreamErrorException"


# -- LiteLLM's bedrock/ ----------------------------------------------------------------------------


def litellm_call(endpoint: str, model: str, key: str = "AKIDLITELLM", **extra):
    return litellm.completion(
        model=model, messages=[{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello there"}],
        aws_bedrock_runtime_endpoint=endpoint, aws_access_key_id=key, aws_secret_access_key="decoy-secret",
        aws_region_name="us-east-1", max_tokens=5, num_retries=0, timeout=10, **extra)


LITELLM_MODELS = [f"bedrock/converse/{MODEL}", f"bedrock/{MODEL}", f"bedrock/invoke/{MODEL}"]


@pytest.mark.parametrize("model", LITELLM_MODELS)
def test_litellm(base, model):
    r = litellm_call(base, model)
    assert len(r.choices[0].message.content.split()) == 5 and r.choices[0].finish_reason == "length"
    assert r.usage.completion_tokens == 5 and r.usage.prompt_tokens > 0


@pytest.mark.parametrize("model", LITELLM_MODELS)
def test_litellm_stream(base, model):
    chunks = list(litellm_call(base, model, stream=True, stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len(text.split()) == 5
    usage = [c.usage for c in chunks if getattr(c, "usage", None)]
    assert usage and usage[-1].completion_tokens == 5


# -- a limited route -------------------------------------------------------------------------------

LIMITED = """\
name: bedrock-limited
defaults:
  latency: { first_byte: 0, per_token: 0 }
  response: { completion_tokens: 5 }
routes:
  # rpm 6: a request back every 10 s, so a slow machine cannot refill the bucket mid-test
  - name: bedrock-tight
    match: [bedrock.converse, bedrock.converse_stream, bedrock.invoke, bedrock.invoke_stream]
    limit: { rpm: 6, burst: 1, per: [api_key] }
"""


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    profile = tmp_path_factory.mktemp("bedrock-limited") / "bedrock-limited.yaml"
    profile.write_text(LIMITED)
    with running_decoy(str(profile)) as (limited_base, _proc, _log):
        yield limited_base


def test_a_limited_route_raises_throttling_exception(limited):
    client = bedrock(limited, key="AKIDBOTO3")
    client.converse(modelId=MODEL, messages=MESSAGES)
    with pytest.raises(client.exceptions.ThrottlingException) as e:
        client.converse(modelId=MODEL, messages=MESSAGES)
    response = e.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert response["Error"]["Message"] == "Too many requests, please wait before trying again."
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == (
        "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/")
    assert "retry-after" not in response["ResponseMetadata"]["HTTPHeaders"]
    # Scoped by the signature's access key id: another key has its own bucket.
    bedrock(limited, key="AKIDOTHER").converse(modelId=MODEL, messages=MESSAGES)


def test_a_limited_route_raises_litellm_rate_limit_error(limited):
    litellm_call(limited, f"bedrock/converse/{MODEL}", key="AKIDLITELLM1")
    with pytest.raises(litellm.RateLimitError) as e:
        litellm_call(limited, f"bedrock/converse/{MODEL}", key="AKIDLITELLM1")
    assert e.value.status_code == 429
    litellm_call(limited, f"bedrock/invoke/{MODEL}", key="AKIDLITELLM2", stream=True)
    with pytest.raises(litellm.RateLimitError):
        list(litellm_call(limited, f"bedrock/invoke/{MODEL}", key="AKIDLITELLM2", stream=True))
