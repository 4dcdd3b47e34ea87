#!/usr/bin/env python3
"""Slowloris: N connections that send a request head a byte at a time must not slow a normal client.

Starts `decoy serve` on 127.0.0.1 (the embedded default profile unless --profile), measures a normal
keep-alive client's latency alone, then again while N slow connections trickle header bytes, and
prints both. Exits non-zero if the normal client's p99 during the attack is more than 1.5x its p99
alone plus 5 ms, or if any of its requests failed. Bounded: --seconds of attack, N connections.

    tests/stress/slowloris.py --connections 5000 --seconds 20
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import resource
import socket
import sys
import time
from pathlib import Path

import decoyproc

BODY = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]})



def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def normal_client(port: int, count: int, seconds: float = 1e9) -> tuple[list[float], int]:
    """`count` requests (or as many as fit in `seconds`) over one keep-alive connection."""
    latencies, failures = [], 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.connect()
    stop_at = time.monotonic() + seconds
    for _ in range(count):
        if time.monotonic() > stop_at:
            break
        started = time.perf_counter()
        try:
            conn.request("POST", "/v1/chat/completions", body=BODY, headers={"content-type": "application/json"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                failures += 1
        except OSError:
            failures += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        latencies.append(time.perf_counter() - started)
    conn.close()
    return latencies, failures


def slowloris(port: int, connections: int, ready, stop) -> None:
    """Opens the slow connections and sends one more header byte on each every second until `stop`."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, connections + 1024), hard))
    slow = []
    for _ in range(connections):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setblocking(False)
        s.send(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
        slow.append(s)
    ready.set()
    i = 0
    while not stop.wait(1.0):
        for s in slow:
            try:
                s.send(b"X-a: b\r\n"[i % 8 : i % 8 + 1])
            except OSError:
                pass
        i += 1
    open_now = 0
    for s in slow:
        try:
            s.send(b"X")
            open_now += 1
        except OSError:
            pass
        s.close()
    sys.exit(0 if open_now else 3)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--requests", type=int, default=300, help="normal requests per phase")
    parser.add_argument("--profile")
    parser.add_argument("--smoke", action="store_true",
                        help="CI: fail only if a normal request fails, not on latency (too few samples to judge)")
    parser.add_argument("--bin", default=os.environ.get("DECOY_BIN"))
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.connections + 1024), hard))
    binary = decoyproc.release_binary(args.bin)
    extra = ["--request-timeout", "600"] + (["--profile", args.profile] if args.profile else [])
    server, port = decoyproc.start(binary, *extra)
    try:
        alone, failed_alone = normal_client(port, args.requests)

        # The slow connections live in their own process, so the normal client below is not slowed by
        # sharing an interpreter (and its lock) with five thousand sends a second.
        ready, stop = multiprocessing.Event(), multiprocessing.Event()
        attacker = multiprocessing.Process(target=slowloris, args=(port, args.connections, ready, stop))
        attacker.start()
        if not ready.wait(60):
            raise SystemExit("the slow connections did not open")
        time.sleep(3)  # let the server finish accepting the flood; that burst is not what is measured
        during, failed_during = normal_client(port, 1_000_000, seconds=args.seconds)
        stop.set()
        attacker.join(30)
        still_open = attacker.exitcode
    finally:
        server.terminate()
        server.wait(timeout=15)

    p = lambda xs, q: quantile(xs, q) * 1000
    print(f"normal client alone:  {len(alone)} requests, p50 {p(alone, .5):.1f} ms, p99 {p(alone, .99):.1f} ms, failed {failed_alone}")
    print(f"with {args.connections} slowloris connections for {args.seconds:.0f} s: {len(during)} requests, "
          f"p50 {p(during, .5):.1f} ms, p99 {p(during, .99):.1f} ms, failed {failed_during}")
    limit = p(alone, .99) * 1.5 + 5
    ok = failed_alone == 0 and failed_during == 0 and (args.smoke or p(during, .99) <= limit)
    print(f"verdict: {'ok' if ok else 'FAIL'} (p99 during must be <= {limit:.1f} ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
