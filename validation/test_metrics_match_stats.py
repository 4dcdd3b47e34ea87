"""Decoy's /metrics parses as Prometheus text (prometheus_client's parser) and its counters equal /_decoy/stats.

A real `decoy serve` gets traffic of every outcome the ledger knows — admitted, refused by a limit, errored by
a rule or a forced status, faulted (reset, truncate, malformed), invalid (bad JSON, unknown path), refused
for want of a token — on OpenAI and Vertex routes and the token endpoint; then the two views are compared,
once with traffic, once after POST /_decoy/reset, once with traffic again. Run by `validation/run test`
(and by `validation/run ... --ci`).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kit import metrics_match_stats, parse_prometheus, total  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

PROFILE = """\
name: metrics-match-stats
seed: 3
defaults:
  latency: { first_byte: 0, per_token: 0 }
  response: { completion_tokens: 5 }
routes:
  - name: limited
    match: { endpoint: openai.chat, model: limited }
    limit: { rpm: 6, burst: 3 }
  - name: flaky
    match: { endpoint: openai.chat, model: flaky }
    errors:
      - { every: 2, status: 500 }
      - { every: 5, fault: truncate }
  - name: open
    match: [openai.chat, openai.completions, openai.embeddings, openai.models]
  - name: vertex
    match: { endpoint: [vertex.generate, vertex.stream], path: /v1/projects/p/* }
    limit: { rpm: 60, burst: 4 }
"""

VERTEX = "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-1.5-pro:generateContent"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _decoy_bin() -> str:
    if os.environ.get("DECOY_BIN"):
        return os.environ["DECOY_BIN"]
    out = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=120)
    return str(Path(out.stdout.strip()) / "decoy")


@pytest.fixture(scope="module")
def decoy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("metrics")
    profile = folder / "profile.yaml"
    profile.write_text(PROFILE)
    port = _free_port()
    log = open(folder / "decoy.log", "wb")
    proc = subprocess.Popen([_decoy_bin(), "serve", "--profile", str(profile), "--host", "127.0.0.1", "--port",
                             str(port), "--drain-seconds", "1"], stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if request(port, "GET", "/_decoy/stats")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("decoy did not start: " + (folder / "decoy.log").read_text()[-2000:])
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    """(status, body) — or (None, b"") when the server breaks the connection on purpose."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read()
    except (ConnectionError, http.client.HTTPException):
        return None, b""
    finally:
        conn.close()


def chat(port: int, model: str, fault: str | None = None):
    headers = {"content-type": "application/json"}
    if fault:
        headers["x-decoy-fault"] = fault
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "hello"}]}).encode()
    return request(port, "POST", "/v1/chat/completions", body, headers)


def traffic(port: int) -> None:
    # rpm 6, burst 3: a fresh bucket admits 3 of 6; a later call of this function finds it (nearly) empty
    statuses = [chat(port, "limited")[0] for _ in range(6)]
    assert set(statuses) <= {200, 429} and statuses.count(429) >= 3, statuses
    flaky = [chat(port, "flaky")[0] for _ in range(10)]
    assert 500 in flaky and 200 in flaky, flaky
    for fault in ("503", "429", "reset", "truncate", "malformed"):
        chat(port, "gpt-4o-mini", fault)
    assert chat(port, "gpt-4o-mini")[0] == 200
    assert request(port, "POST", "/v1/chat/completions", b"{not json", {"content-type": "application/json"})[0] == 400
    assert request(port, "GET", "/v1/nowhere")[0] == 404
    assert request(port, "GET", "/v1/models")[0] == 200
    assert request(port, "POST", "/v1/embeddings", json.dumps({"model": "e", "input": "x"}).encode(),
                   {"content-type": "application/json"})[0] == 200
    # Vertex: no token is a 401; then a token from /token, and the limit's 429s.
    gen = json.dumps({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}).encode()
    assert request(port, "POST", VERTEX, gen, {"content-type": "application/json"})[0] == 401
    status, token = request(port, "POST", "/token", b"grant_type=refresh_token&refresh_token=x",
                            {"content-type": "application/x-www-form-urlencoded"})
    assert status == 200
    auth = {"content-type": "application/json", "authorization": "Bearer " + json.loads(token)["access_token"]}
    vertex = [request(port, "POST", VERTEX, gen, auth)[0] for _ in range(8)]
    assert set(vertex) <= {200, 429} and 429 in vertex, vertex


def views(port: int) -> tuple[str, dict]:
    metrics = request(port, "GET", "/metrics")[1].decode()
    stats = json.loads(request(port, "GET", "/_decoy/stats")[1])
    return metrics, stats


def test_metrics_parse_as_prometheus_text(decoy):
    traffic(decoy)
    metrics, _ = views(decoy)
    families = {f.name: f for f in text_string_to_metric_families(metrics)}
    assert families["decoy_requests"].type == "counter"
    assert families["decoy_outcomes"].type == "counter"
    assert families["decoy_served_latency_seconds"].type == "histogram"
    assert {s.labels.get("outcome") for s in families["decoy_outcomes"].samples} >= {
        "admitted", "refused", "errored", "faulted", "invalid"}


def test_counters_equal_stats_with_every_outcome(decoy):
    traffic(decoy)
    metrics, stats = views(decoy)
    assert metrics_match_stats(metrics, stats) == []
    for outcome in ("admitted", "refused", "errored", "faulted", "invalid"):
        assert stats["totals"][outcome] > 0, f"the traffic made no {outcome} request: {stats['totals']}"
    samples = parse_prometheus(metrics)
    assert total(samples, "decoy_requests_total", route="limited", status="429") == \
        next(r for r in stats["routes"] if r["route"] == "limited")["refused"]
    assert total(samples, "decoy_requests_total", route="vertex", endpoint="vertex.generate", status="401") >= 1


def test_outcome_counters_follow_a_reset(decoy):
    traffic(decoy)
    views(decoy)  # a scrape before the reset, so the exporter holds counters to bring down
    assert request(decoy, "POST", "/_decoy/reset")[0] in (200, 204)
    metrics, stats = views(decoy)
    assert stats["totals"]["received"] == 0
    assert total(parse_prometheus(metrics), "decoy_outcomes_total") == 0
    assert total(parse_prometheus(metrics), "decoy_served_latency_seconds_count") == 0


def test_request_counters_follow_a_reset(decoy):
    traffic(decoy)
    views(decoy)
    assert request(decoy, "POST", "/_decoy/reset")[0] in (200, 204)
    metrics, stats = views(decoy)
    assert metrics_match_stats(metrics, stats) == []
