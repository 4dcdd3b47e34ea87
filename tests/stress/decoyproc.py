"""Starting a `decoy serve` for the stress scripts: the release binary, a free loopback port, a bounded wait."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def release_binary(given: str | None) -> str:
    """`given`, else the release build (built if needed): what is measured is the server users run."""
    if given:
        return given
    subprocess.run(["swift", "build", "-c", "release", "--product", "decoy"], cwd=ROOT, check=True)
    bin_dir = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.strip()
    return str(Path(bin_dir) / "decoy")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary: str, *args: str, timeout: float = 30.0) -> tuple[subprocess.Popen, int]:
    """Runs `decoy serve` on 127.0.0.1 and a free port; returns once the port answers."""
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit(f"decoy did not start listening on {port}")
            time.sleep(0.05)
