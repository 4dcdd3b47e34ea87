"""Graceful drain: SIGTERM stops accepting, lets a stream in flight finish, then exits 0."""

from __future__ import annotations

import socket
import tempfile
import threading
import time

import httpx

from conftest import running_decoy, stop_and_check

SLOW_STREAM = """
name: slow-stream
defaults:
  latency: { first_byte: 0ms, per_token: 100ms }
  response: { completion_tokens: 20 }
"""


def test_sigterm_lets_a_stream_in_flight_finish_and_refuses_new_connections():
    f = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    f.write(SLOW_STREAM)
    f.close()
    with running_decoy(f.name) as (base, proc, log):
        port = int(base.rsplit(":", 1)[1])
        lines: list[str] = []
        errors: list[str] = []

        def stream():
            body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
            try:
                with httpx.stream("POST", f"{base}/v1/chat/completions", json=body, timeout=15) as r:
                    for line in r.iter_lines():
                        if line.startswith("data: "):
                            lines.append(line)
            except Exception as e:
                errors.append(repr(e))

        reader = threading.Thread(target=stream)
        reader.start()
        time.sleep(0.5)  # about five of twenty tokens in
        stopping = threading.Thread(target=lambda: stop_and_check(proc, log))
        stopping.start()
        time.sleep(0.3)
        refused = False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n")
                refused = s.recv(100) == b""
        except OSError:
            refused = True
        reader.join(timeout=15)
        stopping.join(timeout=20)
        assert not errors, errors
        assert lines and lines[-1] == "data: [DONE]", lines[-3:]
        assert len(lines) == 1 + 20 + 1 + 1  # role, tokens, finish, [DONE]
        assert refused, "a new connection was served after SIGTERM"
        assert proc.returncode == 0
