"""Hot reload under load: 100 profile swaps lose no request, keep the buckets, and refuse bad profiles."""

from __future__ import annotations

import json
import os
import signal
import tempfile
import threading
import time
from pathlib import Path

import httpx

from conftest import running_decoy

RATE_PER_S = 10  # rpm 600
BURST = 20
PROFILE_A = f"""
name: reload-a
defaults: {{ latency: {{ first_byte: 2ms }}, response: {{ completion_tokens: 5 }} }}
routes:
  - name: chat
    match: openai.chat
    limit: {{ rpm: {RATE_PER_S * 60}, burst: {BURST} }}
"""
# Same route, same limit (so its bucket must carry over), other latency and one more route.
PROFILE_B = f"""
name: reload-b
defaults: {{ latency: {{ first_byte: 1ms }}, response: {{ completion_tokens: 7 }} }}
routes:
  - name: chat
    match: openai.chat
    limit: {{ rpm: {RATE_PER_S * 60}, burst: {BURST} }}
  - name: completions
    match: openai.completions
"""
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
RELOADS = 100
CLIENTS = 6
MAX_SECONDS = 60.0


def _write(text: str) -> str:
    f = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    f.write(text)
    f.close()
    return f.name


def test_hundred_reloads_under_load_lose_nothing_and_keep_buckets():
    path = _write(PROFILE_A)
    with running_decoy(path) as (base, _proc, _log):
        stop = threading.Event()
        results: list[tuple[int, str]] = []
        failures: list[str] = []
        lock = threading.Lock()

        def load():
            with httpx.Client(base_url=base, timeout=10.0) as http:
                while not stop.is_set():
                    try:
                        r = http.post("/v1/chat/completions", json=CHAT)
                        body = r.json()  # a complete answer parses whole
                        kind = "ok" if r.status_code == 200 and body["choices"] else body["error"]["code"]
                        with lock:
                            results.append((r.status_code, kind))
                    except Exception as e:  # a lost or cut answer
                        with lock:
                            failures.append(repr(e))

        threads = [threading.Thread(target=load) for _ in range(CLIENTS)]
        started = time.monotonic()
        for t in threads:
            t.start()
        versions = []
        with httpx.Client(base_url=base, timeout=10.0) as admin:
            for i in range(RELOADS):
                r = admin.put("/_decoy/profile", content=PROFILE_B if i % 2 == 0 else PROFILE_A)
                assert r.status_code == 200, r.text
                versions.append(r.json()["loaded"])
                time.sleep(0.03)
                assert time.monotonic() - started < MAX_SECONDS
            stop.set()
            for t in threads:
                t.join(timeout=15)
            elapsed = time.monotonic() - started
            stats = admin.get("/_decoy/stats").json()

        assert not failures, failures[:5]
        statuses = {status for status, _ in results}
        assert statuses <= {200, 429}, statuses
        admitted = sum(1 for status, _ in results if status == 200)
        refused = sum(1 for status, _ in results if status == 429)
        assert refused > 0, "the load never reached the limit; the test proves nothing"
        # One bucket across all 100 reloads: at most the burst plus the rate over the run. A bucket
        # refilled at each reload would have admitted up to BURST more per reload.
        ceiling = BURST + RATE_PER_S * elapsed + 2
        assert admitted <= ceiling, f"{admitted} admitted in {elapsed:.1f}s, ceiling {ceiling:.0f}"
        assert admitted >= RATE_PER_S * elapsed * 0.8, f"only {admitted} admitted in {elapsed:.1f}s"
        assert versions.count("reload-b") == RELOADS // 2
        chat = next(r for r in stats["routes"] if r["route"] == "chat")
        assert chat["admitted"] == admitted and chat["refused"] == refused  # the ledger survived too
    os.unlink(path)


def test_bad_profile_by_put_or_sighup_leaves_the_old_one_serving():
    path = _write(PROFILE_A)
    with running_decoy(path) as (base, proc, log):
        with httpx.Client(base_url=base, timeout=10.0) as http:
            bad = "name: broken\nroutes:\n  - name: chat\n    match: openai.chat\n    limit: { rpm: fast }\n"
            r = http.put("/_decoy/profile", content=bad)
            assert r.status_code == 400
            errors = r.json()["errors"]
            assert any(e.startswith("PUT /_decoy/profile:5:") for e in errors), errors

            Path(path).write_text(bad)
            proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 10
            while f"{path}:5:" not in Path(log).read_text() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert f"{path}:5:" in Path(log).read_text(), "the SIGHUP error does not name file:line:column"

            assert http.get("/_decoy/stats").json()["profile"] == "reload-a"
            assert http.post("/v1/chat/completions", json=CHAT).status_code == 200
    os.unlink(path)
