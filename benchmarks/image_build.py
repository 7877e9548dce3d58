#!/usr/bin/env python3
"""Measure the app image against its targets and print a table (nothing is asserted).

  python3 benchmarks/image_build.py [--base-image REF]

Figures, all from this run:
  - image size, size above the base, and the ratio to a naive single-stage build
    (the same app, `pip install` into the base, source and pip left in);
  - cold build (no layer cache, the Dockerfile's own uv/pip cache mounts emptied) and the
    rebuild after a one-line source change, with the ratio warm/cold;
  - container start to healthy for the API with PostgreSQL and Redis up (assistant/postgres:17
    and assistant/redis:8 images, or ASSISTANT_POSTGRES_IMAGE / ASSISTANT_REDIS_IMAGE).
Everything created is named appeng-bench-* and removed at the end. Needs only the
standard library and the docker CLI.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import figures  # benchmarks/figures.py: the figures file the guides quote

REPO = Path(__file__).resolve().parents[1]
PREFIX = "appeng-bench-" + secrets.token_hex(3)
BASE_CANDIDATES = (
    "python:3.13-slim-trixie",
    "assistant/python:3.13-slim-trixie",
    "assistant/base-python:3.13-trixie",
)
CA = os.environ.get("ASSISTANT_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
MB = 1_000_000

NAIVE_DOCKERFILE = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY . /src
RUN --mount=type=secret,id=ca_bundle \\
    if [ -s /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle; fi; \\
    python3 -m venv /opt/venv && /opt/venv/bin/pip install /src
ENV PATH=/opt/venv/bin:$PATH
CMD ["assistant", "api"]
"""


def docker(*args: str, check: bool = True, timeout: float = 1200) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (fixed program)
        ["docker", *args],  # noqa: S607 (the docker CLI from PATH)
        check=check,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def image_exists(ref: str) -> bool:
    return docker("image", "inspect", ref, check=False).returncode == 0


def size(ref: str) -> int:
    return int(docker("image", "inspect", "--format", "{{.Size}}", ref).stdout)


def build(context: Path, tag: str, base: str, dockerfile: Path, *extra: str) -> float:
    args = ["buildx", "build", "--load", "-f", str(dockerfile), "--build-arg", f"BASE_IMAGE={base}", "-t", tag, *extra]
    if os.path.exists(CA):
        args += ["--secret", f"id=ca_bundle,src={CA}"]
    start = time.monotonic()
    result = docker(*args, str(context), check=False)
    elapsed = time.monotonic() - start
    if result.returncode != 0:
        sys.exit(f"build of {tag} failed:\n{result.stderr[-3000:]}")
    return elapsed


def drop_app_cache_mounts() -> None:
    """Empty only this Dockerfile's cache mounts (ids assistant-app-*), nobody else's."""
    out = docker("buildx", "du", "--verbose", "--filter", "type=exec.cachemount").stdout
    for record in out.split("\n\n"):
        match = re.search(r"^ID:\s+(\S+)", record, re.M)
        if match and 'with id "/assistant-app-' in record:
            docker("buildx", "prune", "-f", "--filter", f"id={match[1]}", check=False)


RUNS = 3


def _one_start(api: str, net: str, env: list[str], image: str) -> tuple[float, float]:
    start = time.monotonic()
    docker("run", "-d", "--name", api, "--network", net, "-p", "127.0.0.1::8000", *env, image)
    try:
        url = "http://" + docker("port", api, "8000/tcp").stdout.split()[0] + "/health"
        first_ok = None
        while time.monotonic() - start < 60:
            if first_ok is None:
                try:
                    with urllib.request.urlopen(url, timeout=0.5) as r:
                        if r.status == 200:
                            first_ok = time.monotonic() - start
                except OSError:
                    pass
            status = docker("inspect", "--format", "{{.State.Health.Status}}", api).stdout.strip()
            if status == "healthy":
                return first_ok or float("nan"), time.monotonic() - start
            time.sleep(0.05)
        raise RuntimeError("the API did not become healthy within 60 s")
    finally:
        docker("rm", "-f", api, check=False)


def start_to_healthy(image: str) -> tuple[float, float]:
    """Median seconds from `docker run` to the first /health 200 and to Docker's 'healthy'."""
    pg_image = os.environ.get("ASSISTANT_POSTGRES_IMAGE", "assistant/postgres:17")
    redis_image = os.environ.get("ASSISTANT_REDIS_IMAGE", "assistant/redis:8")
    for ref in (pg_image, redis_image):
        if not image_exists(ref):
            raise RuntimeError(f"{ref} not present; build it with the offline_images role")
    net, pg, rd, api = (f"{PREFIX}-net", f"{PREFIX}-pg", f"{PREFIX}-redis", f"{PREFIX}-api")
    pw, rpw = secrets.token_hex(12), secrets.token_hex(12)
    docker("network", "create", net)
    try:
        docker(
            "run",
            "-d",
            "--name",
            pg,
            "--network",
            net,
            "-e",
            "POSTGRES_USER=assistant",
            "-e",
            "POSTGRES_DB=assistant",
            "-e",
            f"POSTGRES_PASSWORD={pw}",
            pg_image,
        )
        docker("run", "-d", "--name", rd, "--network", net, redis_image, "redis-server", "--requirepass", rpw)
        env = [
            "-e",
            f"POSTGRES_HOST={pg}",
            "-e",
            f"POSTGRES_PASSWORD={pw}",
            "-e",
            f"REDIS_HOST={rd}",
            "-e",
            f"REDIS_AUTH={rpw}",
            "-e",
            f"APP_SECRET_KEY={secrets.token_hex(16)}",
        ]
        docker("run", "--rm", "--network", net, *env, image, "assistant", "migrate", "--wait", "90")
        runs = [_one_start(api, net, env, image) for _ in range(RUNS)]
        return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
    finally:
        for name in (api, pg, rd):
            docker("rm", "-f", "-v", name, check=False)
        docker("network", "rm", net, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-image", default=os.environ.get("ASSISTANT_BASE_IMAGE"))
    args = parser.parse_args()
    base = args.base_image or next((r for r in BASE_CANDIDATES if image_exists(r)), None)
    if base is None:
        sys.exit(f"no base image; expected one of {', '.join(BASE_CANDIDATES)}")
    app_tag, naive_tag = f"{PREFIX}/app:bench", f"{PREFIX}/naive:bench"
    work = Path(tempfile.mkdtemp(prefix=PREFIX))
    context = work / "app"
    shutil.copytree(REPO / "app", context, ignore=shutil.ignore_patterns(".venv", "__pycache__", ".pytest_cache"))
    dockerfile = work / "Dockerfile"
    shutil.copy(REPO / "docker" / "Dockerfile", dockerfile)
    shutil.copy(REPO / "docker" / "Dockerfile.dockerignore", work / "Dockerfile.dockerignore")
    rows: list[tuple[str, str, str]] = []
    try:
        load_before = os.getloadavg()[0]
        drop_app_cache_mounts()
        cold = build(context, app_tag, base, dockerfile, "--no-cache")
        # One-line source change, then a rebuild with the cache.
        init = context / "src" / "assistant_app" / "__init__.py"
        init.write_text(init.read_text() + f"# benchmark edit {time.time()}\n")
        warm = build(context, app_tag, base, dockerfile)
        naive_df = work / "Dockerfile.naive"
        naive_df.write_text(NAIVE_DOCKERFILE)
        naive_context = work / "naive"
        shutil.copytree(context, naive_context)
        build(naive_context, naive_tag, base, naive_df)
        total, base_size, naive = size(app_tag), size(base), size(naive_tag)
        above = total - base_size
        try:
            first_ok, healthy = start_to_healthy(app_tag)
            start_rows = [
                (f"API start to first /health 200 (median of {RUNS})", f"{first_ok:.2f} s", "-"),
                (f"API start to Docker 'healthy' (median of {RUNS})", f"{healthy:.2f} s", "<= 5 s"),
            ]
        except RuntimeError as exc:
            first_ok = healthy = None
            start_rows = [("API start to healthy", f"not measured: {exc}", "<= 5 s")]
        rows = [
            ("base image", base, "-"),
            ("image size (uncompressed)", f"{total / MB:.1f} MB", "<= 210 MB"),
            ("  above the base", f"{above / MB:.1f} MB", "<= 75 MB"),
            ("naive single-stage image", f"{naive / MB:.1f} MB", "-"),
            ("  ratio image/naive", f"{total / naive:.2f}", "-"),
            ("  ratio above-base (image/naive)", f"{above / (naive - base_size):.2f}", "-"),
            ("cold build (no cache)", f"{cold:.1f} s", "<= 180 s"),
            ("rebuild after one-line change", f"{warm:.1f} s", "<= 15 s"),
            ("  ratio warm/cold", f"{warm / cold:.3f}", "-"),
            *start_rows,
            (
                "load average (1 min) before / after",
                f"{load_before:.1f} / {os.getloadavg()[0]:.1f}",
                f"{os.cpu_count()} CPUs",
            ),
        ]
    finally:
        for tag in (app_tag, naive_tag):
            docker("image", "rm", "-f", tag, check=False)
        shutil.rmtree(work, ignore_errors=True)
    # The guides quote these (docs/dockerfile-optimization.md, performance-tuning.md); tests/docs
    # checks they agree.
    values = {
        "image_mb": total / MB,
        "above_base_mb": above / MB,
        "base_mb": base_size / MB,
        "naive_mb": naive / MB,
        "image_naive_ratio": total / naive,
        "cold_build_s": cold,
        "rebuild_s": warm,
        "warm_cold_ratio": warm / cold,
    }
    if healthy is not None:
        values.update(start_first_ok_s=first_ok, start_healthy_s=healthy)
    figures.record("image_build", values, by="benchmarks/image_build.py", note=f"base {base}")
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>{vwidth}}  target")
    print(f"{'-' * width}  {'-' * vwidth}  ------")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>{vwidth}}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
