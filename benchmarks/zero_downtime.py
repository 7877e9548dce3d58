#!/usr/bin/env python3
"""Requests through nginx while a deploy changes the app: failures, their window and p99 (nothing is asserted).

  .venv/bin/python benchmarks/zero_downtime.py [--rate 20] [--change settings|image|both]

In this run and on this machine, on a stack of the benchmark's own (the dev inventory, project
benchzdt, nginx on 127.0.0.1:28880 and no other published port, the app without DEV_RELOAD as stage
and prod run it, release history under a temporary directory), twice:
  1. before: deploy_zero_downtime=false, so Compose recreates the changed app services in place
     (stop, then start);
  2. after: deploy_zero_downtime=true, so each app service's new container starts beside the old one,
     becomes healthy, and the old one drains; all the changed services together
     (deploy_zero_downtime_parallel, the default);
  3. the same, one service after another (deploy_zero_downtime_parallel=false).
Each time the stack is deployed, a load of --rate requests a second (a note written and read back
through nginx, half and half) starts, the deploy runs again with the change (an app setting, or a
rebuilt app image with a new label), and the load stops a few seconds after it. Printed per case:
requests, failed (5xx, connection errors, timeouts), the failure window (first to last failure),
p50/p99 latency, the deploy's seconds, the ratio of failures after/before (target 0) and the
deploy's time together against one after another.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from isolated_stack import remove_project  # shared with the fault suite

REPO = Path(__file__).resolve().parents[1]
PLAYBOOK = REPO / ".venv" / "bin" / "ansible-playbook"
PROJECT = "benchzdt"
PORT = 28880
BASE = f"http://127.0.0.1:{PORT}"


def extra_vars(root: Path, zero_downtime: bool, log_level: str, app_image: str | None, parallel: bool = True) -> dict:
    """Overrides of the dev inventory: only nginx published, so every app service can run twice."""
    out = {
        "compose_project_name": PROJECT,
        "compose_project_dir": str(root / "stack"),
        "compose_app_source_dir": str(REPO / "app" / "src"),
        "compose_sms_public_url": BASE,
        "compose_ports": {"nginx": [{"target": 8080, "published": PORT, "host_ip": "127.0.0.1"}]},
        "compose_log_level": log_level,
        # The app as stage and prod run it: with DEV_RELOAD, uvicorn's reloader keeps the listening socket
        # open until its child has drained, so requests queue there unanswered and are reset when it exits.
        "compose_dev_reload": False,
        "deploy_state_dir": str(root / "state"),
        "deploy_endpoints": [{"service": "nginx", "url": f"{BASE}/ready", "json": {"ready": True}}],
        "deploy_check_ports": [{"port": PORT}],
        "deploy_urls": [f"{BASE}/"],
        "deploy_zero_downtime": zero_downtime,
        "deploy_zero_downtime_parallel": parallel,
    }
    if app_image:
        out["compose_images"] = {"app": app_image}
    return out


def deploy(root: Path, **kwargs) -> float:
    vars_file = root / "vars.json"
    vars_file.write_text(json.dumps(extra_vars(root, **kwargs)))
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    start = time.monotonic()
    argv = [str(PLAYBOOK), "-i", "inventories/dev", "playbooks/deploy.yml", "--skip-tags", "docker_engine,images,build"]
    result = subprocess.run(  # noqa: S603
        [*argv, "-e", f"@{vars_file}"], capture_output=True, text=True, cwd=REPO, env=env, check=False, timeout=1800
    )
    if result.returncode != 0:
        sys.exit(f"deploy failed (rc {result.returncode}):\n{result.stdout[-5000:]}\n{result.stderr[-2000:]}")
    return time.monotonic() - start


class Load:
    """Requests at a fixed rate from their own threads, so a slow answer does not slow the rate."""

    def __init__(self, rate: float):
        self.rate, self.results, self.stop = rate, [], threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _one(self, n: int) -> None:
        start = time.monotonic()
        try:
            if n % 2:
                body = json.dumps({"title": f"zdt {n}", "body": "written during a deploy"}).encode()
                req = urllib.request.Request(  # noqa: S310 (a fixed http URL)
                    f"{BASE}/api/v1/notes", data=body, headers={"Content-Type": "application/json"}, method="POST"
                )
            else:
                req = urllib.request.Request(f"{BASE}/api/v1/notes/1")  # noqa: S310 (a fixed http URL)
            with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 (a fixed http URL)
                code = r.status
        except urllib.error.HTTPError as e:
            code = e.code
        except OSError as e:
            code = type(e).__name__
        self.results.append((time.time(), code, time.monotonic() - start))

    def _run(self) -> None:
        n, workers = 0, []
        while not self.stop.is_set():
            t = threading.Thread(target=self._one, args=(n,))
            t.start()
            workers.append(t)
            n += 1
            time.sleep(1 / self.rate)
        for t in workers:
            t.join()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    def report(self) -> dict:
        failed = [r for r in self.results if not (isinstance(r[1], int) and r[1] < 500)]
        lat = sorted(r[2] for r in self.results)
        return {
            "requests": len(self.results),
            "failed": len(failed),
            "kinds": sorted({str(r[1]) for r in failed}),
            "window": round(max(r[0] for r in failed) - min(r[0] for r in failed), 1) if failed else 0.0,
            "p50": round(statistics.median(lat), 3) if lat else None,
            "p99": round(lat[max(0, int(len(lat) * 0.99) - 1)], 3) if lat else None,
        }


def changed_image(base: str) -> str:
    """The app image with one more label: another image ID, the same behaviour."""
    tag = f"{base.rsplit(':', 1)[0]}:benchzdt"
    dockerfile = f"FROM {base}\nLABEL io.assistant.benchmark.zero-downtime=1\n"
    subprocess.run(["docker", "build", "-q", "-t", tag, "-"], input=dockerfile, text=True, check=True)  # noqa: S603, S607
    return tag


def case(zero_downtime: bool, rate: float, change: str, base_image: str, parallel: bool = True) -> dict:
    remove_project(PROJECT)
    with tempfile.TemporaryDirectory(prefix="benchzdt-") as tmp:
        root = Path(tmp)
        deploy(root, zero_downtime=zero_downtime, log_level="DEBUG", app_image=None, parallel=parallel)
        level = "INFO" if change in ("settings", "both") else "DEBUG"
        image = changed_image(base_image) if change in ("image", "both") else None
        with Load(rate) as load:
            time.sleep(3)
            seconds = deploy(root, zero_downtime=zero_downtime, log_level=level, app_image=image, parallel=parallel)
            time.sleep(5)
        remove_project(PROJECT)
    return {**load.report(), "deploy_s": round(seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--change", choices=["settings", "image", "both"], default="settings")
    parser.add_argument("--app-image", default="assistant/app-dev:dev", help="the dev inventory's app image")
    args = parser.parse_args()
    rows = {
        "before (in place)": case(False, args.rate, args.change, args.app_image),
        "after (cut-over)": case(True, args.rate, args.change, args.app_image),
        "after, one by one": case(True, args.rate, args.change, args.app_image, parallel=False),
    }
    print(f"\nZero-downtime deploy ({args.change} change, {args.rate:g} requests/s through nginx)\n")
    print(f"{'case':<20}{'requests':>9}{'failed':>8}{'window s':>10}{'p50 s':>8}{'p99 s':>8}{'deploy s':>10}  kinds")
    for name, r in rows.items():
        print(
            f"{name:<20}{r['requests']:>9}{r['failed']:>8}{r['window']:>10}{r['p50']:>8}{r['p99']:>8}"
            f"{r['deploy_s']:>10}  {', '.join(r['kinds']) or '-'}"
        )
    before, after = rows["before (in place)"]["failed"], rows["after (cut-over)"]["failed"]
    print(f"\nfailures after/before: {after}/{before} = {after / before if before else 0:.3f} (target 0)")
    together, serial = rows["after (cut-over)"]["deploy_s"], rows["after, one by one"]["deploy_s"]
    print(f"deploy time together / one by one: {together} s / {serial} s = {together / serial:.2f}")


if __name__ == "__main__":
    main()
