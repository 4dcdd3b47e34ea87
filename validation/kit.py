"""validation/run's engine: Decoy + a LiteLLM proxy + locust on 127.0.0.1, three views, one verdict.

Run through `validation/run SCENARIO` (which installs the venv and builds decoy). Everything listens on
127.0.0.1 only, every wait is bounded, and every process started here is stopped on the way out
(its whole process group, SIGTERM then SIGKILL), whether the run passes, fails or is interrupted.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV_BIN = Path(sys.executable).parent
CLK_TCK = os.sysconf("SC_CLK_TCK")

# ---------------------------------------------------------------------------------------------- scenarios


@dataclass
class Scenario:
    name: str
    model: str            # the model group locust asks the proxy for
    users: int            # locust users (each waits 0.5–1 s between requests, as in LiteLLM's locustfile)
    seconds: int          # load duration
    ci_seconds: int
    ci_users: int
    rpm: int = 0          # per deployment; 0 = no limit
    burst_seconds: float = 1.0
    deployments: int = 1


SCENARIOS = {
    # LiteLLM's "1K RPS" test: one openai/ deployment, no limit, Decoy answering at once.
    "litellm-openai-fast": Scenario("litellm-openai-fast", "fake-openai-endpoint", users=100, seconds=60,
                                    ci_seconds=20, ci_users=60),
    # LiteLLM's rate-limited test: two Vertex deployments of one model group, each with its own quota,
    # sized so that the quota binds at what one proxy worker on two cores can push: measured here at
    # 30–36 req/s on the Vertex path (each 429 is a Python exception, a cooldown and often a retry), so
    # 2 × 600 RPM = 20 req/s admitted with locust offering half as much again or more. The bucket holds 2 s
    # of quota: with 1 s, LiteLLM's cooldowns (restarted by every late 429) outlast the refill and leave
    # ~10% of the quota unused (see docs/validating-a-proxy.md).
    "litellm-vertex-429": Scenario("litellm-vertex-429", "gemini-vision", users=100, seconds=60,
                                   ci_seconds=20, ci_users=100, rpm=600, burst_seconds=2.0, deployments=2),
}

VERTEX_MODEL = "gemini-1.0-pro-vision-001"
VERTEX_PROJECT = "bad-adroit-crow-413218"  # as in LiteLLM's guide; each deployment gets -a, -b, ...
VERTEX_LOCATION = "us-central1"
MASTER_KEY = "sk-1234"


def decoy_profile(s: Scenario) -> str:
    """The per-run profile: profiles/litellm-loadtest.yaml with quotas this machine's proxy can reach."""
    if s.deployments and s.rpm:
        routes = "".join(f"""
  - name: {deployment_route(i)}
    match:
      endpoint: [vertex.generate, vertex.stream]
      path: /v1/projects/{VERTEX_PROJECT}-{chr(ord('a') + i)}/*
    limit:
      rpm: {s.rpm}
      burst: {s.burst_seconds:g}s
""" for i in range(s.deployments))
        latency = "first_byte: { lognormal: { median: 60ms, p99: 250ms } }"
    else:
        routes = """
  - name: fake-openai-endpoint
    match: [openai.chat, openai.completions, openai.embeddings, openai.models, openai.responses]
"""
        latency = "first_byte: 0"  # no made-up delay: what Decoy's ledger times is then Decoy's own work
    return f"""# written by validation/kit.py for one run of {s.name}
name: {s.name}
seed: 7
defaults:
  latency:
    {latency}
    per_token: 0
  response:
    completion_tokens: {{ uniform: [20, 60] }}
    content: lorem
routes:{routes}"""


def deployment_route(i: int) -> str:
    return f"gemini-vision-{chr(ord('a') + i)}"


def litellm_config(s: Scenario, decoy: str, credentials: Path | None, cooldown: float | None = None) -> str:
    if s.deployments and s.rpm:
        models = "".join(f"""
  - model_name: {s.model}
    litellm_params:
      model: vertex_ai/{VERTEX_MODEL}
      api_base: {decoy}/v1/projects/{VERTEX_PROJECT}-{chr(ord('a') + i)}/locations/{VERTEX_LOCATION}/publishers/google/models/{VERTEX_MODEL}
      vertex_project: "adroit-crow-413218"
      vertex_location: "{VERTEX_LOCATION}"
      vertex_credentials: {credentials}
""" for i in range(s.deployments))
    else:
        models = f"""
  - model_name: {s.model}
    litellm_params:
      model: openai/fake
      api_key: fake-key
      api_base: {decoy}/
"""
    router = "" if cooldown is None else f"""router_settings:
  cooldown_time: {cooldown:g}   # used only when a 429 reaches the router without its retry-after header
"""
    return f"""# written by validation/kit.py for one run of {s.name}: LiteLLM's load-test config, pointed at Decoy
model_list:{models}
{router}litellm_settings:
  callbacks: ["prometheus"]
general_settings:
  master_key: {MASTER_KEY}
  dangerously_permit_weak_or_unset_master_key: true
"""


# ---------------------------------------------------------------------------------------------- processes


class Procs:
    """Processes started by the kit, each in its own process group, all stopped by stop_all()."""

    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, cmd: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
        out = open(log, "wb")
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=env, start_new_session=True, cwd=log.parent)
        out.close()
        self.procs.append((name, p))
        return p

    @staticmethod
    def stop(p: subprocess.Popen, grace: float = 10.0) -> None:
        if p.poll() is not None and not _group_alive(p.pid):
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if p.poll() is not None and not _group_alive(p.pid):
                    return
                time.sleep(0.1)

    def stop_all(self) -> None:
        for _name, p in reversed(self.procs):
            self.stop(p)
        self.procs.clear()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in the group (threads included)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        # fields[0] is state (field 3); pgrp is field 5, utime 14, stime 15
        if int(fields[2]) == pgid:
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None,
         timeout: float = 10.0) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_for(what: str, probe, timeout: float, proc: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise Failure(f"{what}: the process exited with {proc.returncode}" + tail(log))
        try:
            result = probe()
            if result:
                return result
        except (OSError, urllib.error.URLError) as e:
            last = e
        time.sleep(0.25)
    raise Failure(f"{what}: not ready after {timeout:.0f} s ({last})" + tail(log))


def tail(log: Path | None, lines: int = 25) -> str:
    if log is None or not log.exists():
        return ""
    text = log.read_text(errors="replace").splitlines()[-lines:]
    return f"\n--- last lines of {log.name}:\n" + "\n".join(text)


class Failure(Exception):
    pass


# ---------------------------------------------------------------------------------------------- metrics


def parse_prometheus(text: str) -> list[tuple[str, dict, float]]:
    """Every sample as (sample name, labels, value), with a real Prometheus text-format parser."""
    return [(s.name, dict(s.labels), s.value) for fam in text_string_to_metric_families(text) for s in fam.samples]


def total(samples, name: str, **where) -> float:
    return sum(v for n, labels, v in samples if n == name and all(labels.get(k) == w for k, w in where.items()))


def by_label(samples, name: str, label: str, **where) -> dict[str, float]:
    out: dict[str, float] = {}
    for n, labels, v in samples:
        if n == name and all(labels.get(k) == w for k, w in where.items()):
            out[labels.get(label, "")] = out.get(labels.get(label, ""), 0.0) + v
    return out


def delta(after, before, name: str, label: str | None = None, **where):
    if label is None:
        return total(after, name, **where) - total(before, name, **where)
    a, b = by_label(after, name, label, **where), by_label(before, name, label, **where)
    return {k: a.get(k, 0.0) - b.get(k, 0.0) for k in sorted(set(a) | set(b)) if a.get(k, 0.0) - b.get(k, 0.0)}


def counters_of(text: str) -> dict:
    """The litellm_*_total samples of a scrape, to tell when the proxy has finished logging."""
    if not text:
        return {}
    return {(n, tuple(sorted(l.items()))): v for n, l, v in parse_prometheus(text)
            if n.startswith("litellm_") and n.endswith("_total")}


def metrics_match_stats(metrics_text: str, stats: dict) -> list[str]:
    """Differences between Decoy's /metrics (parsed as Prometheus text) and its /_decoy/stats; [] = equal."""
    samples = parse_prometheus(metrics_text)
    problems = []
    ledgers = stats["routes"] + [stats["unrouted"]]
    seen_status_series = 0
    for r in ledgers:
        route = r["route"]
        for outcome in ("admitted", "refused", "errored", "faulted", "invalid"):
            got = total(samples, "decoy_outcomes_total", route=route, outcome=outcome)
            if got != r[outcome]:
                problems.append(f"route {route}: decoy_outcomes_total{{outcome={outcome}}} = {got:g}, stats say {r[outcome]}")
        for s in r["statuses"]:
            seen_status_series += 1
            got = total(samples, "decoy_requests_total", route=route, endpoint=s["endpoint"], status=s["status"])
            if got != s["count"]:
                problems.append(f"route {route}: decoy_requests_total{{endpoint={s['endpoint']},status={s['status']}}} "
                                f"= {got:g}, stats say {s['count']}")
        by_status = sum(s["count"] for s in r["statuses"])
        got = total(samples, "decoy_requests_total", route=route)
        if got != by_status:
            problems.append(f"route {route}: decoy_requests_total sums to {got:g}, stats' statuses to {by_status}")
        count = total(samples, "decoy_served_latency_seconds_count", route=route)
        if count != r["latency_seconds"]["count"]:
            problems.append(f"route {route}: decoy_served_latency_seconds_count = {count:g}, "
                            f"stats' latency count {r['latency_seconds']['count']}")
        inf = total(samples, "decoy_served_latency_seconds_bucket", route=route, le="+Inf")
        if inf != count:
            problems.append(f"route {route}: histogram +Inf bucket {inf:g} != its count {count:g}")
    names = {r["route"] for r in ledgers}
    for n, labels, v in samples:
        if n.startswith("decoy_") and labels.get("route") not in names:
            problems.append(f"{n}{labels} = {v:g} names a route /_decoy/stats does not have")
    for key in ("received", "admitted", "refused", "errored", "faulted", "invalid"):
        if stats["totals"][key] != sum(r[key] for r in ledgers):
            problems.append(f"stats totals.{key} = {stats['totals'][key]} is not the sum over routes")
    if total(samples, "decoy_outcomes_total") != sum(r["received"] for r in ledgers):
        problems.append(f"decoy_outcomes_total sums to {total(samples, 'decoy_outcomes_total'):g}, "
                        f"stats' received to {sum(r['received'] for r in ledgers)}")
    return problems


# ---------------------------------------------------------------------------------------------- the run


@dataclass
class Verdict:
    lines: list[tuple[str, str]] = field(default_factory=list)  # (mark, text); mark is ok / FAIL / info

    def ok(self, text: str) -> None:
        self.lines.append(("ok", text))

    def fail(self, text: str) -> None:
        self.lines.append(("FAIL", text))

    def info(self, text: str) -> None:
        self.lines.append(("info", text))

    def warn(self, text: str) -> None:
        """A finding about the proxy that is explained and does not fail the run."""
        self.lines.append(("warn", text))

    def check(self, good: bool, text: str) -> bool:
        (self.ok if good else self.fail)(text)
        return good

    @property
    def passed(self) -> bool:
        return all(mark != "FAIL" for mark, _ in self.lines)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="validation/run", description=__doc__)
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--seconds", type=int, help="load duration (default 60, 20 with --ci)")
    ap.add_argument("--users", type=int, help="locust users (default 100, 60 for openai-fast with --ci)")
    ap.add_argument("--keep", action="store_true", help="keep the run folder (logs, configs, CSVs) and print its path")
    ap.add_argument("--ci", action="store_true", help="the short form: 20 s of load")
    ap.add_argument("--screenshot", metavar="FILE", help="a headless-Chromium PNG of Decoy's live page taken mid-run")
    ap.add_argument("--json", metavar="FILE", help="write the figures and verdict as JSON")
    ap.add_argument("--rpm", type=int, help="requests per minute per Vertex deployment (litellm-vertex-429)")
    ap.add_argument("--burst", type=float, help="bucket size per Vertex deployment, in seconds of its rate")
    ap.add_argument("--litellm-default-cooldown", action="store_true",
                    help="leave out router_settings.cooldown_time: 1, so a 429 LiteLLM sees without its retry-after "
                         "cools a deployment down for LiteLLM's default 5 s")
    args = ap.parse_args(argv)
    s = SCENARIOS[args.scenario]
    if s.rpm and args.rpm:
        s.rpm = args.rpm
    if s.rpm and args.burst:
        s.burst_seconds = args.burst
    seconds = args.seconds or (s.ci_seconds if args.ci else s.seconds)
    users = args.users or (s.ci_users if args.ci else s.users)
    if seconds < 5 or seconds > 600:
        ap.error("--seconds must be within 5..600")
    if users < 1 or users > 1000:
        ap.error("--users must be within 1..1000")

    run_dir = Path(tempfile.mkdtemp(prefix=f"decoy-validation-{s.name}-"))
    procs = Procs()

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    started = time.monotonic()
    status = 2
    try:
        verdict = run(s, seconds, users, args, run_dir, procs)
        status = 0 if verdict.passed else 1
    except Failure as e:
        print(f"\nVERDICT: FAIL — {e}", flush=True)
        status = 1
    except KeyboardInterrupt:
        print("\nvalidation/run: interrupted; stopping everything", flush=True)
        status = 130
    finally:
        procs.stop_all()
        if args.keep:
            print(f"run folder kept: {run_dir}")
        else:
            shutil.rmtree(run_dir, ignore_errors=True)
    print(f"wall time {time.monotonic() - started:.0f} s")
    return status


def run(s: Scenario, seconds: int, users: int, args, run_dir: Path, procs: Procs) -> Verdict:
    decoy_bin = os.environ.get("DECOY_BIN") or str(ROOT / ".build/release/decoy")
    dport, pport = free_port(), free_port()
    while pport == dport:
        pport = free_port()
    decoy = f"http://127.0.0.1:{dport}"
    proxy = f"http://127.0.0.1:{pport}"
    print(f"== {s.name}: {seconds} s of load, {users} locust users; decoy {decoy}, LiteLLM proxy {proxy}", flush=True)

    # Decoy, with this run's profile.
    profile = run_dir / "profile.yaml"
    profile.write_text(decoy_profile(s))
    decoy_log = run_dir / "decoy.log"
    decoy_proc = procs.start("decoy", [decoy_bin, "serve", "--profile", str(profile), "--host", "127.0.0.1",
                                       "--port", str(dport), "--drain-seconds", "2"], decoy_log)
    wait_for("decoy", lambda: http("GET", decoy + "/_decoy/stats", timeout=2)[0] == 200, 20, decoy_proc, decoy_log)

    credentials = None
    if s.deployments and s.rpm:
        credentials = run_dir / "service-account.json"
        subprocess.run([decoy_bin, "credentials", "--token-uri", f"{decoy}/token", "--out", str(credentials),
                        "--project", "adroit-crow-413218"], check=True, timeout=30, capture_output=True)

    # The LiteLLM proxy, one worker, offline.
    config = run_dir / "litellm.yaml"
    config.write_text(litellm_config(s, decoy, credentials,
                                      None if args.litellm_default_cooldown or not s.rpm else 1))
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True", LITELLM_LOG="ERROR", PYTHONUNBUFFERED="1",
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost", DISABLE_SCHEMA_UPDATE="True")
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "DATABASE_URL"):
        env.pop(var, None)
    proxy_log = run_dir / "litellm.log"
    t0 = time.monotonic()
    proxy_proc = procs.start("litellm", [str(VENV_BIN / "litellm"), "--config", str(config), "--host", "127.0.0.1",
                                         "--port", str(pport), "--num_workers", "1"], proxy_log, env)
    auth = {"Authorization": f"Bearer {MASTER_KEY}", "Content-Type": "application/json"}
    wait_for("LiteLLM proxy", lambda: http("GET", proxy + "/health/readiness", timeout=2)[0] == 200, 60,
             proxy_proc, proxy_log)
    # One real request end to end (for Vertex: the token from Decoy's /token, the deployment's path, the
    # reply's shape), so a broken chain fails here with its reason, not as 6,000 locust failures.
    warm = json.dumps({"model": s.model, "messages": [{"role": "user", "content": "warm-up"}]}).encode()
    for _ in range(s.deployments or 1):
        code, body = http("POST", proxy + "/chat/completions", warm, auth, timeout=30)
        if code != 200:
            raise Failure(f"the warm-up request through the proxy answered {code}: {body[:400]!r}" + tail(proxy_log))
    print(f"   proxy ready and answering after {time.monotonic() - t0:.1f} s", flush=True)
    # The proxy logs a success to its metrics after answering: wait until the warm-ups are counted, so the
    # snapshot the run's deltas start from holds them.
    def counted():
        code, text = http("GET", proxy + "/metrics", headers=auth)
        if code != 200 or b"litellm_" not in text:
            return None
        n = total(parse_prometheus(text.decode()), "litellm_deployment_success_responses_total")
        return text if n >= (s.deployments or 1) else None
    try:
        metrics_probe = wait_for("the proxy's /metrics counting the warm-up", counted, 10)
        proxy_metrics = True
    except Failure:
        metrics_probe, proxy_metrics = b"", False
    before = parse_prometheus(metrics_probe.decode()) if proxy_metrics else []
    (run_dir / "proxy-metrics-before.txt").write_bytes(metrics_probe)

    # Zero Decoy's ledger and refill its buckets: the run starts with full quotas.
    if http("POST", decoy + "/_decoy/reset")[0] not in (200, 204):
        raise Failure("POST /_decoy/reset failed")
    cpu0 = {"decoy": group_cpu_seconds(decoy_proc.pid), "proxy": group_cpu_seconds(proxy_proc.pid)}

    shot = None
    if args.screenshot:
        shot = threading.Thread(target=screenshot, args=(decoy + "/_decoy/", Path(args.screenshot), seconds / 2, run_dir),
                                daemon=True)
        shot.start()

    # Locust, headless, bounded.
    csv_prefix = run_dir / "locust"
    summary_file = run_dir / "locust-summary.json"
    lenv = dict(env, DECOY_LOCUST_MODEL=s.model, DECOY_LOCUST_ERRORS=str(run_dir / "error.txt"),
                DECOY_LOCUST_SUMMARY=str(summary_file), API_KEY=MASTER_KEY)
    spawn = max(1, users // 2)
    lcmd = [str(VENV_BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless", "-u", str(users), "-r", str(spawn),
            "-t", f"{seconds}s", "--stop-timeout", "20", "--host", proxy + "/", "--csv", str(csv_prefix),
            "--only-summary", "--exit-code-on-error", "0", "--loglevel", "WARNING"]
    print(f"   locust: {users} users, spawn {spawn}/s, {seconds} s ...", flush=True)
    t_load = time.monotonic()
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    locust_log = run_dir / "locust.log"
    with open(locust_log, "wb") as out:
        lp = subprocess.Popen(lcmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=lenv,
                              start_new_session=True, cwd=run_dir)
        procs.procs.append(("locust", lp))
        try:
            lp.wait(timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            Procs.stop(lp)
            raise Failure("locust did not finish within its time + 60 s" + tail(locust_log))
    load_wall = time.monotonic() - t_load
    cpu1 = {"decoy": group_cpu_seconds(decoy_proc.pid), "proxy": group_cpu_seconds(proxy_proc.pid)}
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # locust, now waited for
    cpu0["locust"], cpu1["locust"] = 0.0, (children1.ru_utime + children1.ru_stime - children0.ru_utime
                                          - children0.ru_stime)
    if lp.returncode != 0:
        raise Failure(f"locust exited with {lp.returncode}" + tail(locust_log))
    if shot is not None:
        shot.join(timeout=40)

    # The three views.
    if not summary_file.exists():
        raise Failure("locust wrote no summary (the locustfile's test_stop listener did not run)" + tail(locust_log))
    agg = json.loads(summary_file.read_text())
    statuses = agg.pop("statuses")
    csv_agg = locust_aggregate(csv_prefix)
    stats = json.loads(http("GET", decoy + "/_decoy/stats")[1])
    decoy_metrics = http("GET", decoy + "/metrics")[1].decode()
    after = []
    if proxy_metrics:
        # The proxy logs to its metrics after it answers, from a queue that lags under load: read until two
        # reads a second apart agree (at most 20 s).
        after_text, deadline = "", time.monotonic() + 20
        while time.monotonic() < deadline:
            text = http("GET", proxy + "/metrics", headers=auth)[1].decode()
            if text and counters_of(text) == counters_of(after_text):
                break
            after_text = text
            time.sleep(1)
        after_text = text
        print(f"   proxy metrics settled {20 - (deadline - time.monotonic()):.0f} s after the load", flush=True)
        (run_dir / "proxy-metrics-after.txt").write_text(after_text)
        after = parse_prometheus(after_text)
    (run_dir / "decoy-stats.json").write_text(json.dumps(stats, indent=1))
    (run_dir / "decoy-metrics.txt").write_text(decoy_metrics)
    series_raw = http("GET", decoy + "/_decoy/series")[1]
    (run_dir / "decoy-series.json").write_bytes(series_raw)
    series = json.loads(series_raw)

    cpu = {k: (cpu1[k] - cpu0[k]) / load_wall for k in cpu0}
    verdict = Verdict()
    figures = {"scenario": s.name, "seconds": seconds, "users": users, "load_wall_seconds": round(load_wall, 1),
               "locust": agg, "locust_statuses": statuses, "decoy_stats_totals": stats["totals"],
               "cpu_cores": {k: round(v, 3) for k, v in cpu.items()}}

    print()
    print(f"locust: {agg['requests']} requests, {agg['failures']} failed, {agg['rps']:.1f} req/s, "
          f"median {agg['median_ms']:.0f} ms, mean {agg['mean_ms']:.0f} ms, p99 {agg['p99_ms']:.0f} ms; "
          f"by status {statuses}")
    print(f"CPU over the load, in cores: proxy {cpu['proxy']:.2f}, locust {cpu['locust']:.2f}, "
          f"decoy {cpu['decoy']:.3f}")
    print(f"        (stats CSV {csv_prefix.name}_stats.csv, last written during the graceful stop: "
          f"{csv_agg['requests']} requests, median {csv_agg['median_ms']:.0f} ms)")
    if s.deployments and s.rpm:
        vertex_verdict(s, seconds, agg, statuses, stats, before, after, proxy_metrics, verdict, figures)
        idle_gaps(s, series, verdict, figures)
    else:
        openai_verdict(s, agg, statuses, stats, before, after, proxy_metrics, cpu, verdict, figures)

    problems = metrics_match_stats(decoy_metrics, stats)
    verdict.check(not problems, "Decoy's /metrics parses as Prometheus text and its counters equal /_decoy/stats"
                  + ("" if not problems else ": " + "; ".join(problems[:5])))
    if not proxy_metrics:
        verdict.info("the proxy's /metrics had no litellm_ series: its prometheus callback is off in this version")

    print("\nVERDICT: " + ("PASS" if verdict.passed else "FAIL"))
    for mark, text in verdict.lines:
        print(textwrap.fill(text, width=118, initial_indent=f"  [{mark:>4}] ", subsequent_indent=" " * 10))
    if args.json:
        figures["verdict"] = [{"mark": m, "text": t} for m, t in verdict.lines]
        figures["passed"] = verdict.passed
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")
    if args.ci:
        print(f"validation: {sum(m == 'ok' for m, _ in verdict.lines)} passed, "
              f"{sum(m == 'FAIL' for m, _ in verdict.lines)} failed")
    return verdict


def locust_aggregate(prefix: Path) -> dict:
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        raise Failure("locust wrote no stats CSV")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    agg = next((r for r in rows if r["Name"] == "Aggregated"), None)
    if agg is None:
        raise Failure("locust's stats CSV has no Aggregated row")
    num = lambda k: float(agg[k]) if agg.get(k) not in (None, "", "N/A") else 0.0  # noqa: E731
    return {"requests": int(num("Request Count")), "failures": int(num("Failure Count")), "rps": num("Requests/s"),
            "median_ms": num("Median Response Time"), "mean_ms": num("Average Response Time"),
            "p99_ms": num("99%"), "max_ms": num("Max Response Time")}


def screenshot(url: str, dest: Path, after: float, run_dir: Path) -> None:
    time.sleep(after)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        print("   (no chromium on PATH: no screenshot)", flush=True)
        return
    tmp = run_dir / "live-page.png"
    try:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={run_dir / 'chromium'}", "--virtual-time-budget=3000",
                        "--window-size=1100,900", f"--screenshot={tmp}", url],
                       timeout=30, capture_output=True, stdin=subprocess.DEVNULL, start_new_session=True)
    except subprocess.TimeoutExpired:
        print("   (chromium took over 30 s: no screenshot)", flush=True)
        return
    if tmp.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp, dest)
        print(f"   screenshot of the live page mid-run: {dest} ({dest.stat().st_size // 1024} KB)", flush=True)


def route_stats(stats: dict, name: str) -> dict:
    for r in stats["routes"]:
        if r["route"] == name:
            return r
    raise Failure(f"/_decoy/stats has no route {name}")


def letter(i: int) -> str:
    return chr(ord("a") + i)


def per_deployment(after, before, name: str, s: Scenario, **where) -> tuple[list[int], int]:
    """A LiteLLM counter's growth per Vertex deployment (found by its project in the api_base label), and the
    growth of its series with an empty api_base: what the router answered itself, with no deployment."""
    grown = delta(after, before, name, "api_base", **where)
    per, none = [0] * s.deployments, 0
    for base, x in grown.items():
        if not base:
            none += int(x)
            continue
        for i in range(s.deployments):
            if f"{VERTEX_PROJECT}-{letter(i)}/" in base:
                per[i] += int(x)
    return per, none


def vertex_verdict(s, seconds, agg, statuses, stats, before, after, proxy_metrics, v: Verdict, figures) -> None:
    routes = [route_stats(stats, deployment_route(i)) for i in range(s.deployments)]
    rate = s.rpm / 60.0
    burst = math.floor(rate * s.burst_seconds)
    # The load lasts from locust's first request sent to its last answer back (the proxy goes on calling
    # Decoy, retries included, for the requests still waiting when locust sends its last); the buckets'
    # quota over that span, plus what they held at the start, is what can succeed.
    window = agg.get("window_s") or seconds
    capacity = s.deployments * (burst + rate * window)
    sent = agg["requests"]
    expected = min(sent, capacity)
    ok = int(statuses.get("200", 0))
    failed = sent - ok
    admitted = sum(r["admitted"] for r in routes)
    refused = sum(r["refused"] for r in routes)
    received = sum(r["received"] for r in routes)

    # The figures of the verdict.
    off = (ok - expected) / expected if expected else -1.0
    v.check(abs(off) <= 0.05, f"{s.deployments} deployments × {s.rpm:,} RPM (+ a burst of {burst} each): expected ≈ "
            f"{expected:,.0f} successes in {window:.1f} s of load, saw {ok:,} ({off:+.1%}; within ±5% is ok)")
    if sent <= capacity:
        v.fail(f"locust offered only {sent:,} requests, not more than the quota's {capacity:,.0f}: the quota cannot "
               f"bind; the proxy pushed {agg['rps']:.1f} req/s (lower --rpm, or raise --users)")
    v.check(refused > 0, f"upstream refused {refused:,} with 429 (RESOURCE_EXHAUSTED, retry-after 1 s)"
            if refused else "upstream never refused: the quota did not bind")
    shares = [r["received"] / received if received else 0.0 for r in routes]
    spread = "/".join(f"{100 * x:.0f}" for x in shares)
    admitted_spread = "/".join(f"{100 * r['admitted'] / admitted:.0f}" if admitted else "0" for r in routes)
    v.check(all(abs(x - 1 / s.deployments) <= 0.10 for x in shares),
            f"proxy spread load {spread} (upstream calls per deployment; admitted {admitted_spread}; within ±10 "
            f"points of even is ok)")
    figures.update(rpm=s.rpm, burst=burst, window_s=round(window, 2), expected=round(expected), capacity=round(capacity), successes=ok,
                   failures=failed, upstream_admitted=admitted, upstream_refused=refused, upstream_received=received,
                   spread=spread, admitted_spread=admitted_spread)

    # The proxy's own view: deltas of its /metrics over the load.
    p = None
    if proxy_metrics:
        calls, router_refusals = per_deployment(after, before, "litellm_deployment_total_requests_total", s)
        succ, _ = per_deployment(after, before, "litellm_deployment_success_responses_total", s)
        f429, router429 = per_deployment(after, before, "litellm_deployment_failure_responses_total", s,
                                         exception_status="429")
        fall, _ = per_deployment(after, before, "litellm_deployment_failure_responses_total", s)
        cooled, _ = per_deployment(after, before, "litellm_deployment_cooled_down_total", s)
        p_failed_by = delta(after, before, "litellm_proxy_failed_requests_metric_total", "exception_class")
        p = dict(total=int(delta(after, before, "litellm_proxy_total_requests_metric_total")),
                 failed=int(delta(after, before, "litellm_proxy_failed_requests_metric_total")),
                 calls=calls, router_refusals=router_refusals, succ=succ, f429=f429, fall=fall, cooled=cooled,
                 failed_by={k: int(x) for k, x in p_failed_by.items()})
        per = ", ".join(f"{letter(i)}: {cooled[i]}" for i in range(s.deployments))
        v.info(f"proxy cooled a deployment down {sum(cooled)} times ({per}; one count per upstream 429: "
               f"each restarts that deployment's cooldown of retry-after seconds)")
        if refused and not sum(cooled):
            v.fail("the proxy never cooled a deployment down although upstream refused with 429")
        if router_refusals:
            v.info(f"proxy answered {router_refusals:,} attempts itself with 429 \"No deployments available … All "
                   f"deployments for selected model are in cooldown\", without an upstream call")
        figures.update(proxy=p)

    reconcile(s, agg, statuses, routes, p, v)


def idle_gaps(s: Scenario, series: dict, v: Verdict, figures: dict) -> None:
    """Seconds in the middle of the load in which a deployment got no call at all: the proxy kept it in cooldown
    while its bucket refilled and overflowed, so that quota is lost."""
    names = [deployment_route(i) for i in range(s.deployments)]
    rows = {r["route"]: [a + f for a, f in zip(r["admitted"], r["refused"])] for r in series["routes"] if r["route"] in names}
    if len(rows) != len(names):
        return
    busy = [i for i in range(len(rows[names[0]])) if any(rows[n][i] for n in names)]
    if not busy:
        return
    lo, hi = busy[0] + 1, busy[-1] - 1  # the first and last seconds are partial
    gaps = []
    for n in names:
        run = 0
        for i in range(lo, hi + 1):
            run = run + 1 if rows[n][i] == 0 else 0
            if run and (i == hi or rows[n][i + 1] != 0) and run >= 2:
                gaps.append(f"{n} {run} s")
    figures["idle_gaps"] = gaps
    long = [g for g in gaps if int(g.split()[-2]) > s.burst_seconds]
    if long:
        v.info(f"deployments left without a single call for longer than their bucket holds ({s.burst_seconds:g} s) "
               f"while the load went on: {', '.join(long)}; the bucket overflowed meanwhile and that quota is lost "
               f"(a cooldown restarted by late 429s, or LiteLLM's default 5-s cooldown_time for a 429 that reaches "
               f"its router without headers)")
    else:
        v.ok(f"no deployment went longer than its bucket holds ({s.burst_seconds:g} s) without a call in the middle "
             f"of the load" + (f" (gaps: {', '.join(gaps)})" if gaps else "") + ": no cooldown wasted quota")


def reconcile(s, agg, statuses, routes, p, v: Verdict) -> None:
    """Every request locust sent, followed through the proxy to Decoy; a table, then the checks."""
    sent = agg["requests"]
    ok = int(statuses.get("200", 0))
    failed = sent - ok
    admitted = sum(r["admitted"] for r in routes)
    received = sum(r["received"] for r in routes)
    fmt = lambda x: "" if x is None else f"{x:,}"  # noqa: E731
    rows = [("client requests", sent, p and p["total"], None),
            ("  answered 200", ok, p and p["total"] - p["failed"], admitted),
            ("  answered non-200 " + "/".join(f"{k}:{n}" for k, n in sorted(statuses.items()) if k != "200"),
             failed, p and p["failed"], None)]
    for i, r in enumerate(routes):
        rows += [(f"upstream calls to {r['route']}", None, p and p["calls"][i], r["received"]),
                 ("  200", None, p and p["succ"][i], r["admitted"]),
                 ("  429", None, p and p["f429"][i], r["refused"]),
                 ("  other failures", None, p and p["fall"][i] - p["f429"][i],
                  r["errored"] + r["faulted"] + r["invalid"])]
    if p:
        rows.append(("attempts the proxy refused itself", None, p["router_refusals"], None))
    print("\nreconciliation (counts over the load; the proxy's are deltas of its own /metrics)")
    print(f"  {'':40}{'locust':>9}{'proxy':>9}{'decoy':>9}")
    for label, a, b, c in rows:
        print(f"  {label:40}{fmt(a):>9}{fmt(b):>9}{fmt(c):>9}")

    v.check(ok + failed == sent and failed == agg["failures"],
            f"locust: {sent:,} sent = {ok:,} answered 200 + {failed:,} failed")
    if p:
        v.check(p["total"] == sent and p["failed"] == failed,
                f"proxy counted {p['total']:,} client requests, {p['failed']:,} failed "
                f"({', '.join(f'{k} {n}' for k, n in sorted(p['failed_by'].items()))}): the same as locust")
    v.check(ok == admitted and (not p or sum(p["succ"]) == admitted),
            f"every success is one upstream admission: locust {ok:,}, proxy {fmt(p and sum(p['succ']))}, "
            f"Decoy admitted {admitted:,}")
    bad = [r["route"] for r in routes
           if r["received"] != r["admitted"] + r["refused"] + r["errored"] + r["faulted"] + r["invalid"]]
    v.check(not bad, "Decoy: received = admitted + refused + errored + faulted + invalid on every route"
            + (f" (not on {bad})" if bad else ""))
    if p:
        calls, f429 = sum(p["calls"]), sum(p["f429"])
        missing = received - calls
        per = "; ".join(f"{r['route']}: proxy {p['calls'][i]:,} calls / {p['f429'][i]:,} 429s, Decoy {r['received']:,} / "
                        f"{r['refused']:,}" for i, r in enumerate(routes))
        if missing == 0 and f429 == sum(r["refused"] for r in routes):
            v.ok(f"proxy's upstream calls = Decoy received, per deployment ({received:,} in all), and its upstream "
                 f"429s = Decoy refused")
        elif (missing > 0 and missing == sum(r["refused"] for r in routes) - f429
              and all(p["succ"][i] == r["admitted"] for i, r in enumerate(routes))
              and missing <= received + p["router_refusals"] - sent):
            v.warn(f"the proxy's /metrics miss {missing:,} of the {received:,} upstream calls Decoy received, all of them "
                   f"429s ({per}). Its successes match exactly and the gap is no larger than its retries: LiteLLM "
                   f"appears to log one failed attempt per client request (its logging object's has_logged_async_"
                   f"failure guard), so a retry refused again is not in litellm_deployment_failure_responses and, as "
                   f"cooldowns hang off the same failure callback, does not cool its deployment down")
        else:
            v.fail(f"proxy's upstream calls and 429s do not match Decoy's ledger: {per}")
        attempts = received + p["router_refusals"]
        v.info(f"{attempts:,} attempts for {sent:,} client requests ({received:,} upstream calls (Decoy) + "
               f"{p['router_refusals']:,} refused by the proxy itself): {attempts - sent:,} retries. LiteLLM retries a "
               f"429 up to num_retries = 2 times, at once on another deployment that is not cooling down, so Decoy "
               f"sees more calls than locust sent")
    else:
        v.info(f"Decoy received {received:,} calls for {sent:,} client requests: the difference is the proxy's retries "
               f"(num_retries 2) less the attempts it refused itself while every deployment cooled down")


def openai_verdict(s, agg, statuses, stats, before, after, proxy_metrics, cpu, v: Verdict, figures) -> None:
    r = route_stats(stats, "fake-openai-endpoint")
    chat = sum(x["count"] for x in r["statuses"] if x["endpoint"] == "openai.chat")
    chat_ok = sum(x["count"] for x in r["statuses"] if x["endpoint"] == "openai.chat" and x["status"] == "200")
    others = {f"{x['endpoint']} {x['status']}": x["count"] for x in r["statuses"] if x["endpoint"] != "openai.chat"}
    lat = r["latency_seconds"]
    ok = int(statuses.get("200", 0))
    v.check(agg["failures"] == 0, f"proxy served {agg['rps']:.1f} req/s, median {agg['median_ms']:.0f} ms, mean "
            f"{agg['mean_ms']:.0f} ms, p99 {agg['p99_ms']:.0f} ms, {agg['failures']} failures")
    v.info("LiteLLM's guide reports 1,174 req/s, median 96 ms, mean 142 ms with 4 proxy replicas on their own "
           "machines; here one proxy worker shares 2 cores with locust and Decoy")
    v.check(ok == chat_ok == chat and r["received"] == r["admitted"],
            f"every success was one Decoy chat completion: locust {ok:,} successes, Decoy {chat:,} chat requests, "
            f"{chat_ok:,} answered 200" + (f" (the proxy also called on its own: {others})" if others else ""))
    decoy_p99_ms = lat["p99"] * 1000
    v.check(cpu["decoy"] < 0.25 and decoy_p99_ms < 0.1 * max(agg["median_ms"], 1),
            f"Decoy was never the bottleneck: it served in p50 {lat['p50'] * 1000:.2f} ms, p99 {decoy_p99_ms:.2f} ms "
            f"(the proxy's median {agg['median_ms']:.0f} ms) using {cpu['decoy']:.3f} of a core; the proxy used "
            f"{cpu['proxy']:.2f} (its one worker's ceiling is 1.00) and locust {cpu['locust']:.2f}")
    figures.update(decoy_p50_ms=round(lat["p50"] * 1000, 3), decoy_p99_ms=round(decoy_p99_ms, 3),
                   decoy_mean_ms=round(lat["mean"] * 1000, 3), successes=ok, decoy_chat=chat)
    if proxy_metrics:
        p_total = int(delta(after, before, "litellm_proxy_total_requests_metric_total"))
        p_failed = int(delta(after, before, "litellm_proxy_failed_requests_metric_total"))
        dep_ok = int(delta(after, before, "litellm_deployment_success_responses_total"))
        v.check(p_total == agg["requests"] and dep_ok == chat_ok,
                f"proxy /metrics: {p_total:,} client requests ({p_failed} failed), {dep_ok:,} deployment successes; "
                f"locust sent {agg['requests']:,}, Decoy answered {chat_ok:,} chat completions")
        figures.update(proxy_total=p_total, proxy_failed=p_failed, proxy_deployment_successes=dep_ok)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
