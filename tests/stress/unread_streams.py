#!/usr/bin/env python3
"""Streams nobody reads: N clients ask for a long stream and never read a byte; decoy's memory stays flat.

Starts `decoy serve` on 127.0.0.1 with a route whose streams are long and unpaced (so, without
backpressure, the server would queue every event in memory), opens N connections that each send one
streaming request and then never read, and samples decoy's RSS for --seconds. Verdict: RSS at the end is
within --growth-mb of RSS once every stream has started (the kernel's socket buffers fill first; what
decoy itself holds per stream is bounded by its writer's threshold). Bounded: N connections, --seconds.

    tests/stress/unread_streams.py --connections 1000 --seconds 10
"""

from __future__ import annotations

import argparse
import json
import resource
import socket
import sys
import tempfile
import time

import decoyproc

PROFILE = """\
name: unread-streams
routes:
  - name: long
    match: { endpoint: openai.chat }
    latency: { first_byte: 0ms, per_token: 0ms }
    response: { completion_tokens: %d }
"""


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", help="decoy binary (default: the release build)")
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--tokens", type=int, default=20_000, help="completion tokens per stream")
    parser.add_argument("--growth-mb", type=float, default=64, help="allowed RSS growth after all streams started")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.connections + 1024), hard))
    binary = decoyproc.release_binary(args.bin)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(PROFILE % args.tokens)
        profile = f.name
    server, port = decoyproc.start(binary, "--profile", profile)
    body = json.dumps({"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "hi"}]})
    request = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n{body}").encode()
    sockets = []
    try:
        idle = rss_mb(server.pid)
        for _ in range(args.connections):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window: the client is slow
            s.sendall(request)
            sockets.append(s)
        time.sleep(2)  # every stream has started and the kernel buffers have filled
        started = rss_mb(server.pid)
        peak = started
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            time.sleep(1)
            if server.poll() is not None:
                print("verdict: FAIL: decoy exited")
                return 1
            peak = max(peak, rss_mb(server.pid))
        end = rss_mb(server.pid)
        print(f"{args.connections} unread streams of {args.tokens} tokens: RSS idle {idle:.1f} MB, "
              f"all started {started:.1f} MB, after {args.seconds:.0f} s {end:.1f} MB (peak {peak:.1f} MB)")
        ok = peak - started <= args.growth_mb
        print(f"verdict: {'ok' if ok else 'FAIL'}: growth {peak - started:.1f} MB (allowed {args.growth_mb:.0f} MB)")
        return 0 if ok else 1
    finally:
        for s in sockets:
            s.close()
        server.terminate()
        try:
            server.wait(timeout=15)
        except Exception:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
