"""GET /v1/models and /v1/models/{id}."""

from __future__ import annotations


def test_models_list(client):
    ids = [m.id for m in client.models.list()]
    assert "gpt-4o-mini" in ids
    assert len(ids) == len(set(ids))


def test_model_retrieve(client):
    m = client.models.retrieve("gpt-4o-mini")
    assert m.id == "gpt-4o-mini" and m.object == "model" and m.owned_by


def test_every_listed_model_can_be_retrieved(client):
    for m in client.models.list():
        assert client.models.retrieve(m.id).id == m.id


def test_any_model_id_can_be_retrieved(client):
    # A fake farm serves whatever model name a proxy is configured with, so it knows every id
    # (api.openai.com would answer 404 model_not_found here).
    m = client.models.retrieve("my-custom-finetune")
    assert m.id == "my-custom-finetune" and m.object == "model"


def test_models_without_v1(litellm_client):
    assert any(m.id == "gpt-4o-mini" for m in litellm_client.models.list())
