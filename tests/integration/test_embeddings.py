"""Embeddings: one vector per input, dimensions, determinism, float and base64 encodings."""

from __future__ import annotations

import base64
import math
import struct

MODEL = "text-embedding-3-small"


def _decode(b64: str) -> list[float]:
    raw = base64.b64decode(b64)
    assert len(raw) % 4 == 0
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def test_one_vector_per_input_in_order(client):
    inputs = ["alpha", "beta", "gamma"]
    r = client.embeddings.create(model=MODEL, input=inputs)
    assert r.object == "list"
    assert [d.index for d in r.data] == [0, 1, 2]
    assert all(d.object == "embedding" for d in r.data)
    lengths = {len(d.embedding) for d in r.data}
    assert len(lengths) == 1 and lengths.pop() > 0
    assert r.usage.prompt_tokens > 0
    assert r.data[0].embedding != r.data[1].embedding


def test_single_string_input(client):
    r = client.embeddings.create(model=MODEL, input="just one")
    assert len(r.data) == 1


def test_dimensions_256_honoured(client):
    r = client.embeddings.create(model=MODEL, input=["a", "b"], dimensions=256)
    assert [len(d.embedding) for d in r.data] == [256, 256]
    norm = math.sqrt(sum(x * x for x in r.data[0].embedding))
    assert 0.9 < norm < 1.1, "OpenAI's vectors are unit length"


def test_same_input_same_vector(client):
    a = client.embeddings.create(model=MODEL, input=["repeat me", "other", "repeat me"], encoding_format="float")
    b = client.embeddings.create(model=MODEL, input="repeat me", encoding_format="float")
    assert a.data[0].embedding == a.data[2].embedding == b.data[0].embedding
    assert a.data[0].embedding != a.data[1].embedding


def test_float_and_base64_agree(client, http):
    floats = client.embeddings.create(model=MODEL, input="same text", encoding_format="float").data[0].embedding
    # The SDK's default asks for base64 and decodes it itself.
    sdk_default = client.embeddings.create(model=MODEL, input="same text").data[0].embedding
    r = http.post("/v1/embeddings", json={"model": MODEL, "input": "same text", "encoding_format": "base64"})
    assert r.status_code == 200
    b64 = r.json()["data"][0]["embedding"]
    assert isinstance(b64, str)
    decoded = _decode(b64)
    assert len(decoded) == len(floats) == len(sdk_default)
    for x, y, z in zip(floats, decoded, sdk_default):
        assert abs(x - y) < 1e-5 and abs(y - z) < 1e-7


def test_raw_float_format_is_a_json_array(http):
    r = http.post("/v1/embeddings", json={"model": MODEL, "input": ["x"], "dimensions": 8, "encoding_format": "float"})
    assert r.status_code == 200
    vec = r.json()["data"][0]["embedding"]
    assert isinstance(vec, list) and len(vec) == 8 and all(isinstance(v, float) for v in vec)


def test_token_array_input(http):
    r = http.post("/v1/embeddings", json={"model": MODEL, "input": [[1, 2, 3], [4, 5]], "encoding_format": "float"})
    assert r.status_code == 200
    assert len(r.json()["data"]) == 2


def test_embeddings_without_v1(litellm_client):
    r = litellm_client.embeddings.create(model=MODEL, input=["x", "y"])
    assert len(r.data) == 2
