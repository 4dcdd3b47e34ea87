"""A limited route driven at a steady rate by a real client: admitted = burst + rate x time, the rest
get OpenAI's 429 with its headers, and the SDK raises RateLimitError and sees retry-after."""

from __future__ import annotations

import subprocess
import tempfile
import time

import httpx
import openai
import pytest

from conftest import _decoy_bin, running_decoy

PROFILE = """
name: steady-rate
defaults: { latency: { first_byte: 0ms }, response: { completion_tokens: 3 } }
routes:
  - name: limited
    match: openai.chat
    limit: { rpm: 600, burst: 10 }
"""
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def test_fifty_a_second_for_ten_seconds_admits_burst_plus_hundred():
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        f.write(PROFILE)
        f.flush()
        with running_decoy(f.name) as (base, _proc, _log):
            statuses, refusals = [], []
            with httpx.Client(base_url=base, timeout=5.0) as http:
                start = time.monotonic()
                for i in range(500):  # one request every 20 ms on an absolute schedule
                    delay = start + i * 0.02 - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    r = http.post("/v1/chat/completions", json=CHAT)
                    statuses.append(r.status_code)
                    if r.status_code == 429:
                        refusals.append(r)
                elapsed = time.monotonic() - start
            assert elapsed < 12, f"the client fell behind its schedule ({elapsed:.1f} s)"
            admitted = statuses.count(200)
            assert set(statuses) <= {200, 429}
            assert abs(admitted - 110) <= 3, f"admitted {admitted} of 500, expected 110 ± 3"
            for r in refusals[:20]:
                error = r.json()["error"]
                assert error["type"] == "requests" and error["code"] == "rate_limit_exceeded"
                assert r.headers["x-ratelimit-limit-requests"] == "600"
                assert r.headers["x-ratelimit-remaining-requests"] == "0"
                assert r.headers["retry-after"].isdigit() and int(r.headers["retry-after"]) >= 1

            client = openai.OpenAI(base_url=f"{base}/v1", api_key="k", max_retries=0, timeout=5.0)
            for _ in range(12):  # empty the bucket again
                try:
                    client.chat.completions.create(**CHAT)
                except openai.RateLimitError as e:
                    assert e.response.headers["retry-after"] == "1"
                    break
            else:
                pytest.fail("the SDK never saw a RateLimitError")


def test_check_reports_all_three_mistakes_with_their_places(tmp_path):
    bad = tmp_path / "three.yaml"
    bad.write_text(
        "name: three\n"
        "routes:\n"
        "  - name: a\n"
        "    match: openai.chatt\n"  # 4: unknown endpoint
        "    limit: { rpm: 10, burts: 2 }\n"  # 5: unknown key
        "    latency: { first_byte: 80 }\n"  # 6: a duration without a unit
    )
    r = subprocess.run([_decoy_bin(), "check", str(bad)], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    lines = [line for line in r.stderr.splitlines() if line.startswith(f"{bad}:")]
    assert [line.split(":")[1] for line in lines] == ["4", "5", "6"], r.stderr


def test_admin_token_closes_the_admin_api_and_leaves_providers_open():
    with running_decoy(None, ("--admin-token", "s3cret-admin-token")) as (base, _proc, _log):
        with httpx.Client(base_url=base, timeout=5.0) as http:
            assert http.get("/_decoy/stats").status_code == 401
            assert http.get("/metrics").status_code == 401
            assert http.get("/_decoy/stats", headers={"authorization": "Bearer wrong"}).status_code == 401
            ok = http.get("/_decoy/stats", headers={"authorization": "Bearer s3cret-admin-token"})
            assert ok.status_code == 200 and "routes" in ok.json()
            assert http.post("/v1/chat/completions", json=CHAT).status_code == 200
