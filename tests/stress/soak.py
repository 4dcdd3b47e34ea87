#!/usr/bin/env python3
"""Soak: mixed traffic with faults and reloads for a bounded time, watching RSS and open descriptors.

Starts a release `decoy serve` on 127.0.0.1 with tests/stress/soak.yaml, drives every endpoint
(streams, forced faults, Azure, and Vertex/Gemini where the server serves them) from worker
threads, swaps the profile every few seconds through PUT /_decoy/profile, and samples the server's
RSS and open file descriptors every 10 s. Verdict: the server never died, and over a run of at least
3 minutes the last minute's RSS and descriptors are within 5% of the second minute's.

    tests/stress/soak.py --minutes 10          # the acceptance run
    tests/stress/soak.py --seconds 30          # CI's short form (no flatness verdict)
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import decoyproc

HERE = Path(__file__).resolve().parent
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "soak " * 20}]}
FAULTS = ["503", "429", "reset", "truncate", "malformed", "stream_error"]



def sample(pid: int) -> tuple[float, int]:
    rss_kb = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss_kb = int(line.split()[1])
    return rss_kb / 1024, len(os.listdir(f"/proc/{pid}/fd"))


def requests_for(rng: random.Random) -> tuple[str, str, dict | None, dict]:
    key = f"Bearer key-{rng.randrange(20)}"
    headers = {"content-type": "application/json", "authorization": key}
    if rng.random() < 0.05:
        headers["x-decoy-fault"] = rng.choice(FAULTS)
    pick = rng.random()
    if pick < 0.35:
        return "POST", "/v1/chat/completions", CHAT, headers
    if pick < 0.55:
        body = dict(CHAT, stream=True, stream_options={"include_usage": True})
        return "POST", "/v1/chat/completions", body, headers
    if pick < 0.62:
        return "POST", "/v1/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": "soak"}, headers
    if pick < 0.70:
        return "POST", "/v1/embeddings", {"model": "text-embedding-3-small", "input": ["a", "b"], "dimensions": 64}, headers
    if pick < 0.78:
        return "POST", "/v1/responses", {"model": "gpt-4o-mini", "input": "soak", "stream": rng.random() < 0.5}, headers
    if pick < 0.86:
        return "POST", "/openai/deployments/soak/chat/completions?api-version=2024-10-21", CHAT, headers
    if pick < 0.90:
        return "GET", "/v1/models", None, headers
    if pick < 0.95:
        body = {"contents": [{"role": "user", "parts": [{"text": "soak"}]}]}
        return "POST", "/v1beta/models/gemini-2.0-flash:generateContent?key=soak", body, {"content-type": "application/json"}
    return "POST", "/v1/chat/completions", b"{not json", headers  # malformed: a 400 each


def worker(port: int, seed: int, stop: threading.Event, counts: dict, lock: threading.Lock) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    while not stop.is_set():
        method, path, body, headers = requests_for(rng)
        data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            response.read()
            outcome = str(response.status)
            if response.getheader("connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException):
            outcome = "connection"  # resets, truncations: expected from the faults
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        with lock:
            counts[outcome] = counts.get(outcome, 0) + 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--reload-every", type=float, default=3.0)
    parser.add_argument("--bin", default=os.environ.get("DECOY_BIN"))
    args = parser.parse_args()
    duration = args.seconds if args.seconds else (args.minutes or 10) * 60

    binary = decoyproc.release_binary(args.bin)
    profile = HERE / "soak.yaml"
    server, port = decoyproc.start(binary, "--profile", str(profile))
    texts = [profile.read_text(), profile.read_text().replace("rpm: 6000", "rpm: 6001")]
    counts: dict[str, int] = {}
    lock = threading.Lock()
    stop = threading.Event()
    samples: list[tuple[float, float, int]] = []
    reloads = 0
    try:
        threads = [threading.Thread(target=worker, args=(port, i, stop, counts, lock)) for i in range(args.workers)]
        for t in threads:
            t.start()
        started = time.monotonic()
        next_sample = started
        next_reload = started + args.reload_every
        while time.monotonic() - started < duration:
            now = time.monotonic()
            if server.poll() is not None:
                break
            if now >= next_sample:
                rss, fds = sample(server.pid)
                samples.append((now - started, rss, fds))
                print(f"{now - started:6.0f} s  rss {rss:7.1f} MB  fds {fds:5d}  requests {sum(counts.values())}", flush=True)
                next_sample += 10
            if now >= next_reload:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                c.request("PUT", "/_decoy/profile", body=texts[reloads % 2].encode())
                status = c.getresponse().status
                c.close()
                if status != 200:
                    print(f"reload refused with {status}")
                reloads += 1
                next_reload += args.reload_every
            time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join(timeout=15)
        alive = server.poll() is None
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    print(f"requests by outcome: {dict(sorted(counts.items()))}; reloads {reloads}; server alive to the end: {alive}")
    ok = alive
    if duration >= 180 and samples:
        second = [s for s in samples if 60 <= s[0] < 120]
        last = [s for s in samples if s[0] >= samples[-1][0] - 60]
        avg = lambda rows, i: sum(r[i] for r in rows) / len(rows)
        rss2, rssN, fd2, fdN = avg(second, 1), avg(last, 1), avg(second, 2), avg(last, 2)
        flat_rss = abs(rssN - rss2) <= 0.05 * rss2
        flat_fd = abs(fdN - fd2) <= max(0.05 * fd2, 1)
        print(f"RSS second minute {rss2:.1f} MB, last minute {rssN:.1f} MB ({(rssN / rss2 - 1) * 100:+.1f}%): "
              f"{'flat' if flat_rss else 'GROWING'}")
        print(f"fds second minute {fd2:.1f}, last minute {fdN:.1f}: {'flat' if flat_fd else 'GROWING'}")
        ok = ok and flat_rss and flat_fd
    print(f"verdict: {'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
