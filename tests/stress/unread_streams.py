#!/usr/bin/env python3
"""Streams nobody reads: N clients ask for a long stream and never read a byte; decoy's memory stays bounded.

Starts `decoy serve` on 127.0.0.1 with a route whose streams are long and unpaced (so, without
backpressure, the server would hold every event of every stream in memory: N x tokens x ~230 bytes),
opens N connections that each send one streaming request and then never read, and samples decoy's RSS
every second for --seconds. A stream stops while its channel is not writable, so what decoy holds per
stream is bounded by the channel's high watermark (64 KiB) plus the writer's threshold (64 KiB).
Verdict: the peak RSS stays within idle + N x 160 KiB + 32 MB, and, in a run of 10 s or more, the last
sample is within 5% of the one two thirds of the way in (flat). Bounded: N connections, --seconds.

    tests/stress/unread_streams.py --connections 1000 --seconds 30
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
        samples = []
        while time.monotonic() < deadline:
            time.sleep(1)
            if server.poll() is not None:
                print("verdict: FAIL: decoy exited")
                return 1
            samples.append(rss_mb(server.pid))
            peak = max(peak, samples[-1])
        print("RSS each second (MB): " + " ".join(f"{x:.0f}" for x in samples))
        end = rss_mb(server.pid)
        print(f"{args.connections} unread streams of {args.tokens} tokens: RSS idle {idle:.1f} MB, "
              f"all started {started:.1f} MB, after {args.seconds:.0f} s {end:.1f} MB (peak {peak:.1f} MB)")
        bound = idle + args.connections * 160 / 1024 + 32
        flat = len(samples) < 10 or samples[-1] <= samples[2 * len(samples) // 3] * 1.05
        ok = peak <= bound and flat
        print(f"verdict: {'ok' if ok else 'FAIL'}: peak {peak:.1f} MB (bound {bound:.0f} MB: idle + "
              f"{args.connections} x 160 KiB + 32 MB); {'flat' if flat else 'still growing'} at the end "
              f"(without backpressure the streams would take {args.connections * args.tokens * 230 / 2**20:.0f} MB)")
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
