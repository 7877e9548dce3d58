#!/usr/bin/env python3
"""Steady HTTP load for the Swarm zero-downtime check; prints what it sent and what failed.

  python3 benchmarks/swarm_load.py --url https://NODE/version [--url ...] [--rate 50]
      [--duration 60] [--max-duration 240] [--stop-file PATH] [--timeout 5] [--insecure] [--failover]

Sends --rate GET requests per second, round robin over the URLs, for at least
--duration seconds; with --stop-file it goes on until that file exists (at most
--max-duration seconds), so that the window covers a whole rolling update.
A request fails on a connection error, a timeout or a status other than 2xx.
With --failover the client acts as a load balancer in front of several hosts
does (a health-checked DNS name, HAProxy's retry-on conn-failure): a request
whose connection is refused or reset before an answer is sent again to the next
URL, once per URL; an HTTP status, even a 5xx, is an answer and is never retried.
Prints one JSON object: sent, failed, retried (requests that needed another URL),
seconds, rate, versions seen (from a JSON "version" field in the body), latency
percentiles, the first and last failure (seconds into the run) and up to 10
failure samples. Exits 0 whatever it
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


def _one(urls: list[str], timeout: float, context: ssl.SSLContext | None) -> tuple[bool, str, float, int]:
    """GET the first URL; on a refused or reset connection, the next (urls holds one unless --failover)."""
    started = time.monotonic()
    tries = 0
    for url in urls:
        tries += 1
        ok, detail, answered = _get(url, timeout, context)
        if ok or answered:
            break
    return ok, detail, time.monotonic() - started, tries


def _get(url: str, timeout: float, context: ssl.SSLContext | None) -> tuple[bool, str, bool]:
    """(ok, version or error, whether the server answered with a status)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as response:  # noqa: S310 (test network URLs)
            body = response.read(65536)
        try:
            return True, str(json.loads(body).get("version", "?")), True
        except (ValueError, AttributeError):
            return True, "?", True
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}", True
    except (OSError, urllib.error.URLError) as exc:
        reason = getattr(exc, "reason", exc)
        # A timeout may have reached the application: never sent twice.
        answered = isinstance(reason, TimeoutError) or isinstance(exc, TimeoutError)
        return False, type(exc).__name__ + ": " + str(reason), answered


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", action="append", required=True)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--max-duration", type=float, default=240.0)
    parser.add_argument("--stop-file", default="")
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--insecure", action="store_true", help="accept any TLS certificate (a test's self-signed one)")
    parser.add_argument(
        "--failover", action="store_true", help="send a request whose connection is refused or reset to the next URL"
    )
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
    counts = {"sent": 0, "failed": 0, "retried": 0}
    failed_at: list[float] = []

    latencies: list[float] = []

    def record(outcome: tuple[bool, str, float, int], at: float) -> None:
        ok, detail, latency, tries = outcome
        with lock:
            latencies.append(latency)
            counts["retried"] += tries > 1
            if ok:
                versions[detail] += 1
            else:
                counts["failed"] += 1
                failed_at.append(at)
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
            first = n % len(args.url)
            urls = (args.url[first:] + args.url[:first]) if args.failover else [args.url[first]]
            future = pool.submit(_one, urls, args.timeout, context)
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
                "retried": counts["retried"],
                "seconds": round(seconds, 1),
                "rate": round(counts["sent"] / seconds, 1),
                "versions": dict(versions),
                "latency_ms": {"p50": percentile(0.5), "p99": percentile(0.99), "max": percentile(1.0)},
                "first_failure_s": round(min(failed_at), 1) if failed_at else None,
                "last_failure_s": round(max(failed_at), 1) if failed_at else None,
                "failures": failures,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
