"""Raw server-sent-event reading, for checks the SDK hides (the [DONE] line, event names)."""

from __future__ import annotations

import json

import httpx


def data_lines(http: httpx.Client, path: str, body: dict, headers: dict | None = None) -> list[str]:
    """Every `data:` payload of a streamed POST, in order, after checking the stream's head."""
    with http.stream("POST", path, json=body, headers=headers or {}) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")
        return [line[len("data:"):].strip() for line in r.iter_lines() if line.startswith("data:")]


def events(http: httpx.Client, path: str, body: dict) -> list[tuple[str | None, dict]]:
    """(event name, data JSON) pairs of a streamed POST with `event:` lines (the Responses API)."""
    out: list[tuple[str | None, dict]] = []
    name: str | None = None
    with http.stream("POST", path, json=body) as r:
        assert r.status_code == 200, r.read()
        for line in r.iter_lines():
            if line.startswith("event:"):
                name = line[len("event:"):].strip()
            elif line.startswith("data:"):
                out.append((name, json.loads(line[len("data:"):])))
                name = None
    return out


def chunks(lines: list[str]) -> list[dict]:
    """The JSON chunks of a chat/completions stream: every data line before [DONE]."""
    assert lines and lines[-1] == "[DONE]", lines[-3:]
    assert lines.count("[DONE]") == 1
    return [json.loads(line) for line in lines[:-1]]
