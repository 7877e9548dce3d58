#!/usr/bin/env python3
"""Steady HTTP load for the Swarm zero-downtime check; prints what it sent and what failed.

  python3 benchmarks/swarm_load.py --url https://NODE/version [--url ...] [--rate 50]
      [--duration 60] [--max-duration 240] [--stop-file PATH] [--timeout 5] [--insecure]

Sends --rate GET requests per second, round robin over the URLs, for at least
--duration seconds; with --stop-file it goes on until that file exists (at most
--max-duration seconds), so that the window covers a whole rolling update.
A request fails on a connection error, a timeout or a status other than 2xx.
Prints one JSON object: sent, failed, seconds, rate, versions seen (from a JSON
"version" field in the body), latency percentiles and up to 10 failure samples. Exits 0 whatever it
measured: the caller decides. Standard library only; bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor


def _one(url: str, timeout: float, context: ssl.SSLContext | None) -> tuple[bool, str, float]:
    started = time.monotonic()
    ok, detail = _get(url, timeout, context)
    return ok, detail, time.monotonic() - started


def _get(url: str, timeout: float, context: ssl.SSLContext | None) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as response:  # noqa: S310 (test network URLs)
            body = response.read(65536)
        try:
            return True, str(json.loads(body).get("version", "?"))
        except (ValueError, AttributeError):
            return True, "?"
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}"
    except (OSError, urllib.error.URLError) as exc:
        return False, type(exc).__name__ + ": " + str(getattr(exc, "reason", exc))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", action="append", required=True)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--max-duration", type=float, default=240.0)
    parser.add_argument("--stop-file", default="")
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--insecure", action="store_true", help="accept any TLS certificate (a test's self-signed one)")
    args = parser.parse_args()
    context = None
    if args.insecure:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if not 0 < args.rate <= 500 or not 0 < args.duration <= args.max_duration <= 900:
        parser.error("expected 0 < rate <= 500 and 0 < duration <= max-duration <= 900")

    lock = threading.Lock()
    versions: Counter[str] = Counter()
    failures: list[str] = []
    counts = {"sent": 0, "failed": 0}

    latencies: list[float] = []

    def record(outcome: tuple[bool, str, float], at: float) -> None:
        ok, detail, latency = outcome
        with lock:
            latencies.append(latency)
            if ok:
                versions[detail] += 1
            else:
                counts["failed"] += 1
                if len(failures) < 10:
                    failures.append(f"{at:.1f}s {detail}")

    start = time.monotonic()
    interval = 1.0 / args.rate
    with ThreadPoolExecutor(max_workers=min(200, int(args.rate * args.timeout) + 10)) as pool:
        n = 0
        while True:
            elapsed = time.monotonic() - start
            if elapsed >= args.max_duration:
                break
            if elapsed >= args.duration and (not args.stop_file or os.path.exists(args.stop_file)):
                break
            url = args.url[n % len(args.url)]
            future = pool.submit(_one, url, args.timeout, context)
            future.add_done_callback(lambda f, at=elapsed: record(f.result(), at))
            n += 1
            counts["sent"] = n
            # Fixed schedule: a slow answer does not lower the rate.
            delay = start + n * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    seconds = time.monotonic() - start
    latencies.sort()

    def percentile(p: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1) if latencies else 0.0

    print(
        json.dumps(
            {
                "sent": counts["sent"],
                "failed": counts["failed"],
                "seconds": round(seconds, 1),
                "rate": round(counts["sent"] / seconds, 1),
                "versions": dict(versions),
                "latency_ms": {"p50": percentile(0.5), "p99": percentile(0.99), "max": percentile(1.0)},
                "failures": failures,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
