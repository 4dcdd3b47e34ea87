"""The locustfile of LiteLLM's "1K RPS load test" guide, adapted for validation/run.

Same user, same wait, same payload (a fresh uuid and the sentence 150 times, so no cache hits) and the
same POST to the proxy's chat/completions with `Authorization: Bearer sk-1234`. What changed:
- the model name comes from DECOY_LOCUST_MODEL (default "fake-openai-endpoint", the guide's);
- failures are written to DECOY_LOCUST_ERRORS (default error.txt) with their status, and at most
  DECOY_LOCUST_MAX_ERRORS lines (default 200) so a long run of 429s cannot fill the disk;
- a non-200 is marked as a failure explicitly (locust would anyway), responses are counted by status,
  and DECOY_LOCUST_SUMMARY gets a JSON summary once every user has finished its last request (locust's
  CSV is rewritten every second and can miss the requests that finish during the graceful stop), with the
  span from the first request sent to the last one (how long the load really offered requests).
"""

import json
import os
import threading
import time
import uuid
from collections import Counter

from locust import HttpUser, between, events, task

MODEL = os.getenv("DECOY_LOCUST_MODEL", "fake-openai-endpoint")
ERRORS = os.getenv("DECOY_LOCUST_ERRORS", "error.txt")
MAX_ERRORS = int(os.getenv("DECOY_LOCUST_MAX_ERRORS", "200"))
SUMMARY = os.getenv("DECOY_LOCUST_SUMMARY", "")

_lock = threading.Lock()
_statuses: Counter = Counter()
_logged = 0
# Wall-clock time the first request was sent and the last answer came back: the span over which the
# proxy's calls reached Decoy (a request sent near the end is still retried upstream while it waits).
_window = [None, None]


class MyUser(HttpUser):
    wait_time = between(0.5, 1)  # Random wait time between requests

    @task(100)
    def litellm_completion(self):
        global _logged
        # no cache hits with this
        payload = {
            "model": MODEL,
            "messages": [{"role": "user", "content": f"{uuid.uuid4()} This is a test there will be no cache hits and we'll fill up the context" * 150}],
            "user": "my-new-end-user-1",
        }
        sent = time.time()
        with _lock:
            if _window[0] is None:
                _window[0] = sent
        with self.client.post("chat/completions", json=payload, catch_response=True) as response:
            status = response.status_code
            with _lock:
                _statuses[str(status)] += 1
                _window[1] = time.time()
            if status != 200:
                response.failure(f"HTTP {status}")
                with _lock:
                    if _logged < MAX_ERRORS:
                        _logged += 1
                        with open(ERRORS, "a") as error_log:
                            error_log.write(f"{status} {response.text[:500]}\n")

    def on_start(self):
        self.api_key = os.getenv("API_KEY", "sk-1234")
        self.client.headers.update({"Authorization": f"Bearer {self.api_key}"})


@events.test_stop.add_listener
def _write_summary(environment, **_kwargs):
    if not SUMMARY:
        return
    t = environment.stats.total
    summary = {
        "requests": t.num_requests,
        "failures": t.num_failures,
        "rps": t.total_rps,
        "median_ms": t.median_response_time,
        "mean_ms": t.avg_response_time,
        "p99_ms": t.get_response_time_percentile(0.99),
        "max_ms": t.max_response_time,
        "statuses": dict(_statuses),
        "window_s": (_window[1] - _window[0]) if None not in _window else 0.0,
    }
    with _lock, open(SUMMARY, "w") as out:
        json.dump(summary, out, sort_keys=True)
