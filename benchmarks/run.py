"""Every performance figure of jwkconform, side by side, in one run.

    python benchmarks/run.py            # writes docs/performance.md and prints it
    python benchmarks/run.py --quick    # smaller samples, for a smoke check

Lookups and loading compare the reference store with jwcrypto's ``JWKSet`` and PyJWT's
``PyJWKSet`` on the same documents; suite throughput runs the conformance suites serially
and with ``pytest -n 2``; the loopback JWKS server is loaded by 50 concurrent clients; a
full run's peak memory is read from the operating system. Real time is fine here: these
are measurements, not tests.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import libraries  # benchmarks/libraries.py, beside this script
from jwcrypto.jwk import JWKSet

from jwkconform.fixtures import many_keys_set
from jwkconform.harness import FakeClock, JwksScenario, LoopbackJwksServer
from jwkconform.reference import JwkSetSecretStore

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "performance.md"
SIZES = (10, 1_000, 10_000, 100_000)


def _median_spread(samples: Sequence[float]) -> tuple[float, float]:
    return statistics.median(samples), max(samples) - min(samples)


def _per_call(run: Callable[[], object], calls: int, rounds: int) -> tuple[float, float]:
    """Median and spread, over ``rounds``, of the time of one call, in nanoseconds."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) / calls * 1e9)
    return _median_spread(samples)


def _timed(run: Callable[[], object], rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return _median_spread(samples)


def _store(path: Path) -> JwkSetSecretStore:
    # A clock that never moves: the set stays fresh and no lookup reloads.
    config = {"jwkUrl": path.as_uri(), "maxBodyBytes": 1 << 30}
    return JwkSetSecretStore.from_json(config, clock=lambda: 0.0)


def _lookup_row(size: int, folder: Path, rounds: int) -> str:
    document = many_keys_set(size)
    path = folder / f"{size}.json"
    path.write_text(json.dumps(document))
    store = _store(path)
    store.valid("verify")
    fast = [f"k{random.randrange(size)}" for _ in range(20_000)]
    named, spread = _per_call(lambda: [store.named("verify", k) for k in fast], len(fast), rounds)
    valid, _ = _per_call(lambda: store.valid("verify"), 1, rounds)
    keyset = JWKSet.from_json(json.dumps(document))
    slow = fast[: max(20, 200_000 // size)]  # linear lookups: fewer calls
    jwcrypto, _ = _per_call(lambda: [keyset.get_key(k) for k in slow], len(slow), rounds)
    pyjwt = _pyjwt_lookup(document, slow, rounds)
    linear = max(jwcrypto, 0.0 if pyjwt != pyjwt else pyjwt)  # NaN when PyJWT is missing
    return (
        f"| {size:,} | {named:,.0f} (±{spread:,.0f}) | {valid / 1000:,.0f} "
        f"| {jwcrypto:,.0f} | {pyjwt:,.0f} | {linear / named:,.0f}x |"
    )


def _load_rows(folder: Path, rounds: int) -> list[str]:
    document = many_keys_set(10_000)
    path = folder / "load.json"
    body = json.dumps(document)
    path.write_text(body)
    ours, ours_spread = _timed(lambda: _store(path).valid("verify"), rounds)
    theirs, theirs_spread = _timed(lambda: JWKSet.from_json(body), rounds)
    return [
        "| loading 10,000 keys | median (s) | spread (s) |",
        "|---|---:|---:|",
        f"| reference store (read, parse, check, index) | {ours:.3f} | {ours_spread:.3f} |",
        f"| jwcrypto `JWKSet.from_json` | {theirs:.3f} | {theirs_spread:.3f} |",
        f"| ratio (goal at most 1.5x) | {ours / theirs:.2f}x | |",
    ]


def lookups(quick: bool) -> list[str]:
    rounds = 3 if quick else 5
    header = [
        "| keys | reference named (ns) | reference valid (µs) | jwcrypto get_key (ns) "
        "| PyJWT PyJWKSet[kid] (ns) | speed-up over linear scan |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory() as folder:
        rows = [_lookup_row(size, Path(folder), rounds) for size in SIZES]
        return [*header, *rows, "", *_load_rows(Path(folder), rounds)]


def _pyjwt_lookup(document: dict[str, Any], kids: list[str], rounds: int) -> float:
    try:
        from jwt import PyJWKSet
    except ImportError:
        return float("nan")
    keyset = PyJWKSet.from_dict(document)
    return _per_call(lambda: [keyset[k] for k in kids], len(kids), rounds)[0]


def _run_suites(extra: Sequence[str], report: Path) -> tuple[float, dict[str, str]]:
    command = [sys.executable, "-m", "jwkconform", "run", "--seed", "11", "--jobs", "1",
               "--report-json", str(report), "--", "-q", *extra]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, check=False, timeout=1800, cwd=report.parent)
    elapsed = time.perf_counter() - start
    verdicts = {r["id"]: r["verdict"] for r in json.loads(report.read_text())["requirements"]}
    return elapsed, verdicts


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def _parallel_ceiling() -> float:
    """How much faster two CPU-bound processes finish than one doing both, on this machine."""
    import multiprocessing

    work = 10_000_000
    start = time.perf_counter()
    _burn(work)
    _burn(work)
    serial = time.perf_counter() - start
    with multiprocessing.Pool(2) as pool:
        start = time.perf_counter()
        pool.map(_burn, [work, work])
        parallel = time.perf_counter() - start
    return serial / parallel


def suites(quick: bool) -> list[str]:
    rounds = 1 if quick else 3
    with tempfile.TemporaryDirectory() as folder:
        serial = [_run_suites([], Path(folder) / f"s{i}.json") for i in range(rounds)]
        parallel = [_run_suites(["-n", "2"], Path(folder) / f"p{i}.json") for i in range(rounds)]
    serial_time, serial_spread = _median_spread([t for t, _ in serial])
    parallel_time, parallel_spread = _median_spread([t for t, _ in parallel])
    same = all(v == serial[0][1] for _, v in serial + parallel)
    return [
        "| full suites, dev profile, reference | median (s) | spread (s) |",
        "|---|---:|---:|",
        f"| serial | {serial_time:.1f} | {serial_spread:.1f} |",
        f"| `-n 2` (pytest-xdist) | {parallel_time:.1f} | {parallel_spread:.1f} |",
        f"| speed-up (goal ≥ 1.6x) | {serial_time / parallel_time:.2f}x | |",
        f"| this machine's ceiling: two CPU-bound processes | {_parallel_ceiling():.2f}x | |",
        f"| identical verdicts | {'yes' if same else 'NO'} | |",
    ]


_LOAD_CLIENTS = """
import json, sys, threading, time
import httpx

url, seconds, clients = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
deadline = time.perf_counter() + seconds
latencies, errors, lock = [], [0], threading.Lock()

def client():
    mine, failed = [], 0
    with httpx.Client(timeout=5.0, trust_env=False) as http:
        while time.perf_counter() < deadline and len(mine) < 100_000:
            start = time.perf_counter()
            try:
                ok = http.get(url).status_code == 200
            except httpx.HTTPError:
                ok = False
            mine.append(time.perf_counter() - start)
            failed += not ok
    with lock:
        latencies.extend(mine)
        errors[0] += failed

threads = [threading.Thread(target=client) for _ in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"latencies": latencies, "errors": errors[0]}))
"""


def mock_server(quick: bool) -> list[str]:
    # The clients run in a second process, as real ones would: sharing the server's
    # interpreter would measure its lock, not the server.
    seconds, clients = (3.0 if quick else 10.0), 50
    scenario = JwksScenario(FakeClock(), many_keys_set(10))
    with LoopbackJwksServer(scenario) as server:
        done = subprocess.run(
            [sys.executable, "-c", _LOAD_CLIENTS, server.url, str(seconds), str(clients)],
            capture_output=True, text=True, timeout=seconds + 120, check=True,
        )  # fmt: skip
    result = json.loads(done.stdout)
    latencies, errors = sorted(result["latencies"]), result["errors"]
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    p50 = latencies[len(latencies) // 2] * 1000
    return [
        f"| loopback JWKS server, {clients} concurrent clients (another process), "
        f"{seconds:.0f} s | value |",
        "|---|---:|",
        f"| requests | {len(latencies):,} |",
        f"| requests per second | {len(latencies) / seconds:,.0f} |",
        f"| errors (goal 0) | {errors} |",
        f"| p50 latency (ms) | {p50:.1f} |",
        f"| p99 latency (ms) | {p99:.1f} |",
    ]


def coalescing() -> list[str]:
    clock = FakeClock()
    scenario = JwksScenario(clock, many_keys_set(10))
    with LoopbackJwksServer(scenario) as server, httpx.Client(trust_env=False) as http:
        store = JwkSetSecretStore.from_json({"jwkUrl": server.url, "handler": http}, clock=clock)
        store.valid("verify")
        clock.advance(120)
        barrier = threading.Barrier(100)

        def lookup() -> None:
            barrier.wait(timeout=30)
            store.named("verify", "k3")

        with ThreadPoolExecutor(max_workers=100) as pool:
            for future in [pool.submit(lookup) for _ in range(100)]:
                future.result()
        fetches = scenario.fetch_count() - 1
    return [
        "| 100 concurrent lookups after expiry (reference, `coalescing`) | value |",
        "|---|---:|",
        f"| fetches (goal exactly 1) | {fetches} |",
    ]


def memory() -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        script = (
            "import resource, subprocess, sys;"
            "subprocess.run([sys.executable, '-m', 'jwkconform', 'run', '--seed', '11',"
            " '--', '-q'], capture_output=True);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, cwd=folder, timeout=1800
        )
    peak_mb = int(done.stdout.strip() or 0) / 1024
    return [
        "| full conformance run against the reference | value |",
        "|---|---:|",
        f"| peak RSS (MB, goal < 500) | {peak_mb:,.0f} |",
    ]


def machine() -> list[str]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown",
    ) if Path("/proc/cpuinfo").exists() else platform.processor()  # fmt: skip
    return [
        f"- date: {datetime.date.today().isoformat()}",
        f"- machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; self RSS now "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples (a smoke check)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"Markdown output (default {OUT})")
    args = parser.parse_args(argv)
    sections = [
        ("Lookups and loading", lookups(args.quick)),
        ("Suite throughput", suites(args.quick)),
        ("Real libraries against the reference", libraries.rows(1 if args.quick else 3)),
        ("Mock JWKS server under load", mock_server(args.quick)),
        ("Coalescing (CACHE-05)", coalescing()),
        ("Memory", memory()),
    ]
    text = [
        "# Performance",
        "",
        "Generated by `python benchmarks/run.py`"
        + (" --quick" if args.quick else "")
        + "; medians with their spread (max - min) over repeated rounds.",
        "",
        *machine(),
        "",
    ]
    for title, rows in sections:
        text += [f"## {title}", "", *rows, ""]
    args.out.write_text("\n".join(text), encoding="utf-8")
    print("\n".join(text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
