"""Start-up, graceful stop with work in flight, and `decoy check`, each on its own process."""

from __future__ import annotations

import glob
import subprocess
import threading
import time
from pathlib import Path

import httpx

import sse
from conftest import ROOT, _decoy_bin, running_decoy, stop_and_check

MSGS = [{"role": "user", "content": "hello"}]


def test_sigterm_lets_an_inflight_stream_finish(tmp_path):
    # 60 tokens at 20 ms each: a stream of about 1.2 s, stopped 0.3 s in.
    profile = tmp_path / "slow.yaml"
    profile.write_text(
        "name: slow-stream\n"
        "defaults:\n"
        "  latency: { first_byte: 0, per_token: 20ms }\n"
        "  response: { completion_tokens: 60 }\n")
    with running_decoy(str(profile), ("--drain-seconds", "10")) as (base, proc, log):
        result: dict = {}

        def consume():
            try:
                with httpx.Client(base_url=base, timeout=10.0) as h:
                    result["lines"] = sse.data_lines(
                        h, "/v1/chat/completions", {"model": "m", "messages": MSGS, "stream": True})
            except Exception as e:  # noqa: BLE001 - reported below
                result["error"] = e

        t = threading.Thread(target=consume)
        t.start()
        time.sleep(0.3)
        took = stop_and_check(proc, log)
        t.join(timeout=15)
        assert "error" not in result, result.get("error")
        chunks = sse.chunks(result["lines"])  # ends with [DONE]
        assert sum(1 for c in chunks if c["choices"] and c["choices"][0]["delta"].get("content")) == 60
        assert took < 10


def test_sigterm_with_a_stalled_request_stops_after_the_drain(tmp_path):
    with running_decoy(None, ("--drain-seconds", "1")) as (base, proc, log):
        h = httpx.Client(base_url=base, timeout=20.0)
        t = threading.Thread(target=lambda: _swallow(lambda: h.post(
            "/v1/chat/completions", json={"model": "m", "messages": MSGS}, headers={"x-decoy-fault": "stall"})))
        t.start()
        time.sleep(0.3)
        took = stop_and_check(proc, log, timeout=10)
        t.join(timeout=10)
        h.close()
        assert took < 6, f"a 1 s drain took {took:.1f}s"


def _swallow(fn):
    try:
        fn()
    except httpx.HTTPError:
        pass


def test_check_accepts_every_shipped_profile():
    files = sorted(glob.glob(str(ROOT / "profiles" / "*.yaml"))) + [str(Path(__file__).with_name("profiles") / "limited.yaml")]
    assert files
    r = subprocess.run([_decoy_bin(), "check", *files], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_names_the_place_of_a_mistake(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nroutes:\n  - name: r\n    match: openai.chat\n    latency:\n      first_byte: 80\n")
    r = subprocess.run([_decoy_bin(), "check", str(bad)], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert f"{bad}:6:" in r.stdout + r.stderr


def test_serve_refuses_a_bad_profile(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("routes:\n  - match: openai.chat\n")
    r = subprocess.run([_decoy_bin(), "serve", "--profile", str(bad), "--host", "127.0.0.1", "--port", "0"],
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert r.returncode != 0
    assert "bad.yaml:2:" in r.stdout + r.stderr
