"""Starts one real `decoy serve` for the whole session and hands out clients for it.

The binary comes from $DECOY_BIN (tests/integration/run sets it from `swift build --show-bin-path`),
the profile from $DECOY_PROFILE (default: the embedded one). At the end the server gets SIGTERM and
must exit 0 within 15 s: that is the check of the graceful stop.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import openai
import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0


def _decoy_bin() -> str:
    path = os.environ.get("DECOY_BIN")
    if not path:
        bin_dir = subprocess.run(
            ["swift", "build", "--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout.strip()
        path = os.path.join(bin_dir, "decoy")
    if not os.access(path, os.X_OK):
        pytest.exit(f"no decoy binary at {path}: run `swift build` first", returncode=1)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_tail(log_path: str, limit: int = 4000) -> str:
    try:
        return Path(log_path).read_text(errors="replace")[-limit:]
    except OSError:
        return "<no log>"


@contextlib.contextmanager
def running_decoy(profile: str | None = None, extra_args: tuple[str, ...] = ()):
    """Runs `decoy serve` on a free loopback port; yields (base URL, process, log path).

    On exit sends SIGTERM and asserts the process exits 0 within 15 s (the graceful stop).
    """
    port = _free_port()
    cmd = [_decoy_bin(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if profile:
        cmd += ["--profile", profile]
    cmd += list(extra_args)
    log = tempfile.NamedTemporaryFile(prefix="decoy-integration-", suffix=".log", delete=False)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"

    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            pytest.fail(f"decoy exited with {proc.returncode} at start:\n{_log_tail(log.name)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait(timeout=5)
                pytest.fail(f"decoy did not listen on {port} within {START_TIMEOUT_S}s:\n{_log_tail(log.name)}")
            time.sleep(0.05)

    try:
        yield base, proc, log.name
    finally:
        if getattr(proc, "decoy_stopped", False):
            pass  # the test stopped it itself, with stop_and_check
        elif proc.poll() is not None:
            pytest.fail(f"decoy died during the tests with {proc.returncode}:\n{_log_tail(log.name)}")
        else:
            stop_and_check(proc, log.name)


def stop_and_check(proc: subprocess.Popen, log_path: str, timeout: float = STOP_TIMEOUT_S) -> float:
    """SIGTERM, then assert exit 0 within `timeout`; returns the seconds the stop took."""
    started = time.monotonic()
    proc.decoy_stopped = True
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
        pytest.fail(f"decoy did not stop within {timeout}s of SIGTERM:\n{_log_tail(log_path)}")
    assert code == 0, f"decoy exited {code} after SIGTERM:\n{_log_tail(log_path)}"
    assert "Cannot schedule tasks" not in _log_tail(log_path), "decoy touched a stopped event loop on its way out"
    return time.monotonic() - started


@pytest.fixture(scope="session")
def decoy_server():
    """The session's decoy, serving $DECOY_PROFILE or the embedded default."""
    with running_decoy(os.environ.get("DECOY_PROFILE") or None) as server:
        yield server


@pytest.fixture(scope="session")
def base(decoy_server) -> str:
    return decoy_server[0]


@pytest.fixture(scope="session")
def client(base) -> openai.OpenAI:
    """What an application sends: the SDK with base_url .../v1."""
    return openai.OpenAI(base_url=f"{base}/v1", api_key="test", max_retries=0, timeout=10.0)


@pytest.fixture(scope="session")
def litellm_client(base) -> openai.OpenAI:
    """What LiteLLM's openai/ provider sends with `api_base: http://host:port`: no /v1."""
    return openai.OpenAI(base_url=base, api_key="test", max_retries=0, timeout=10.0)


@pytest.fixture(scope="session")
def azure(base) -> openai.AzureOpenAI:
    return openai.AzureOpenAI(
        azure_endpoint=base, api_key="test-azure-key", api_version="2024-10-21", max_retries=0, timeout=10.0
    )


@pytest.fixture()
def http(base):
    with httpx.Client(base_url=base, timeout=10.0, headers={"authorization": "Bearer test"}) as c:
        yield c
