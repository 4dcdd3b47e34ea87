#!/usr/bin/env python3
"""bench/run's arithmetic: reads the load tools' outputs and prints the figures table.

  figures.py wrk FILE                  requests/s, p50 and p99 in seconds, socket errors, non-2xx
  figures.py ks FILE MEDIAN P99        KS distance of the latencies in FILE (seconds, one a line)
                                       from lognormal(median, p99), and the sample count
  figures.py get FILE KEY...           values from a JSON file (KEY may be a.b.c)
  figures.py stats FILE ROUTE KEY...   values of one route in a /_decoy/stats answer
  figures.py table FILE [--smoke]      the figures recorded by bench/run, with ratio and verdict;
                                       prints 'misses N' last

Rows of the table file (tab-separated): scenario, figure, value, ideal, unit, target ('>= X',
'<= X', 'within X%' of the ideal, 'ratio >= X' for value / ideal, or '-'), note.
"""
import json
import math
import sys


def wrk(path):
    text = open(path).read()
    rate, p50, p99, errors, non2xx = 0.0, 0.0, 0.0, 0, 0
    units = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}

    def seconds(token):
        for unit in ("us", "ms", "m", "s"):
            if token.endswith(unit):
                return float(token[: -len(unit)]) * units[unit]
        return float(token)

    for line in text.splitlines():
        fields = line.split()
        if line.startswith("Requests/sec:"):
            rate = float(fields[1])
        elif len(fields) == 2 and fields[0] == "50%":
            p50 = seconds(fields[1])
        elif len(fields) == 2 and fields[0] == "99%":
            p99 = seconds(fields[1])
        elif line.strip().startswith("Socket errors:"):
            errors = sum(int(f.strip(",")) for f in fields if f.strip(",").isdigit())
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            non2xx = int(fields[-1])
    print(rate, p50, p99, errors, non2xx)


def ks(path, median, p99):
    xs = sorted(float(line) for line in open(path) if line.strip())
    mu, sigma = math.log(median), math.log(p99 / median) / 2.3263

    def cdf(x):
        return 0.0 if x <= 0 else 0.5 * math.erfc(-(math.log(x) - mu) / (sigma * math.sqrt(2)))

    n = len(xs)
    d = max((max(cdf(x) - i / n, (i + 1) / n - cdf(x)) for i, x in enumerate(xs)), default=1.0)
    print(f"{d:.5f}", n)


def lookup(value, key):
    for part in key.split("."):
        value = value[part] if isinstance(value, dict) else value[int(part)]
    return value


def get(path, keys, root=None):
    data = json.load(open(path)) if root is None else root
    print(*(lookup(data, key) if has(data, key) else 0 for key in keys))


def has(data, key):
    try:
        lookup(data, key)
        return True
    except (KeyError, IndexError, ValueError):
        return False


def stats(path, route, keys):
    data = json.load(open(path))
    routes = [r for r in data["routes"] if r["route"] == route]
    if not routes:
        sys.exit(f"figures.py: no route {route} in {path}")
    get(path, keys, routes[0])


def number(x):
    x = float(x)
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}" if abs(x) >= 0.01 else f"{x:.2g}"


def verdict(value, ideal, target):
    if target == "-":
        return None
    kind, bound = target.split(maxsplit=1)
    if kind == "ratio":  # 'ratio >= X': value / ideal against X
        kind, bound = bound.split()
        value = value / ideal if ideal else 0.0
    elif kind == "within":
        return ideal != 0 and abs(value / ideal - 1) * 100 <= float(bound.rstrip("%"))
    return value >= float(bound) if kind == ">=" else value <= float(bound)


def table(path, smoke):
    rows = [line.rstrip("\n").split("\t") for line in open(path) if line.strip()]
    print("| scenario | figure | value | ideal | ratio | target | verdict | note |")
    print("|---|---|---:|---:|---:|---|---|---|")
    misses = 0
    for scenario, figure, value, ideal, unit, target, note in rows:
        v, i = float(value), float(ideal) if ideal != "-" else None
        ratio = f"{v / i:.3f}" if i else "—"
        met = verdict(v, i or 0, target)
        if met is None:
            mark = "—"
        elif smoke:
            mark = "(smoke)"
        else:
            mark = "PASS" if met else "MISS"
            misses += not met
        plain = target == "-" or target.split()[0] in ("within", "ratio") or not unit
        shown_target = target if plain else f"{target} {unit}"
        print(f"| {scenario} | {figure} | {f'{number(v)} {unit}'.strip()} | {f'{number(i)} {unit}'.strip() if i is not None else '—'} "
              f"| {ratio} | {shown_target} | {mark} | {note} |")
    print("misses", misses)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "wrk":
        wrk(args[0])
    elif command == "ks":
        ks(args[0], float(args[1]), float(args[2]))
    elif command == "get":
        get(args[0], args[1:])
    elif command == "stats":
        stats(args[0], args[1], args[2:])
    elif command == "table":
        table(args[0], "--smoke" in args[1:])
    else:
        sys.exit(__doc__)
