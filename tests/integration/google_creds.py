"""Service-account files from `decoy credentials`, for google-auth, google-genai and LiteLLM's vertex_ai."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import _decoy_bin

SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]


def write_credentials(base: str, path: Path, project: str = "decoy-it") -> Path:
    """Runs `decoy credentials` for the token endpoint of the decoy at `base`; returns the file."""
    subprocess.run(
        [_decoy_bin(), "credentials", "--token-uri", f"{base}/token", "--out", str(path), "--project", project],
        check=True, capture_output=True, text=True, timeout=30,
    )
    info = json.loads(path.read_text())
    assert info["type"] == "service_account" and info["token_uri"] == f"{base}/token"
    assert info["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    return path


def service_account(path: Path):
    """google-auth credentials from the file, passed explicitly so nothing probes the metadata server."""
    from google.oauth2 import service_account as sa

    return sa.Credentials.from_service_account_file(str(path), scopes=SCOPES)
