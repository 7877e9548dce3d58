"""Fixtures for the app image tests: a Docker engine, the image (built here or given),
and PostgreSQL + Redis for the services to use.

Environment:
  ASSISTANT_APP_IMAGE   test this image instead of building one
  ASSISTANT_BASE_IMAGE  base for the build (default: the first present of BASE_CANDIDATES)
  ASSISTANT_CA_BUNDLE   CA bundle passed as the ca_bundle build secret
                        (default /etc/ssl/certs/ca-certificates.crt when it exists)
  ASSISTANT_POSTGRES_IMAGE / ASSISTANT_REDIS_IMAGE  (default assistant/postgres:17, assistant/redis:8)
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "app" / "tests"))  # PostgresServer/RedisServer helpers

from servers import PostgresServer, RedisServer, free_port  # noqa: E402

BASE_CANDIDATES = (
    "python:3.13-slim-trixie",
    "assistant/python:3.13-slim-trixie",
    "assistant/base-python:3.13-trixie",
)
PREFIX = "appeng-test-" + secrets.token_hex(3)


def docker(*args: str, check: bool = True, timeout: float = 600, **kwargs):
    return subprocess.run(  # noqa: S603 (fixed program, arguments from the tests)
        ["docker", *args],  # noqa: S607 (the docker CLI from PATH)
        check=check,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )


def image_exists(ref: str) -> bool:
    return docker("image", "inspect", ref, check=False).returncode == 0


def inspect(ref: str, kind: str = "image") -> dict:
    return json.loads(docker(kind, "inspect", ref).stdout)[0]


@pytest.fixture(scope="session")
def engine() -> None:
    try:
        result = docker("info", "--format", "{{.ServerVersion}}", check=False, timeout=30)
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"no Docker engine reachable: {exc}")
    if result.returncode != 0:
        pytest.skip(f"no Docker engine reachable: {result.stderr.strip()}")


@pytest.fixture(scope="session")
def base_image(engine) -> str:
    wanted = os.environ.get("ASSISTANT_BASE_IMAGE")
    candidates = (wanted,) if wanted else BASE_CANDIDATES
    for ref in candidates:
        if image_exists(ref):
            return ref
    pytest.fail(
        f"no base image found; expected one of {', '.join(candidates)} in the local engine. "
        "Build it with the offline_images role or set ASSISTANT_BASE_IMAGE."
    )


@pytest.fixture(scope="session")
def app_image(engine, base_image) -> Iterator[str]:
    given = os.environ.get("ASSISTANT_APP_IMAGE")
    if given:
        if not image_exists(given):
            pytest.fail(f"ASSISTANT_APP_IMAGE={given} is not in the local engine; build it first.")
        yield given
        return
    tag = f"{PREFIX}/app:test"
    rev = (
        subprocess.run(  # noqa: S603
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
        ).stdout.strip()
        or "unknown"
    )
    args = [
        "buildx",
        "build",
        "--load",
        "-f",
        str(REPO / "docker" / "Dockerfile"),
        "--build-arg",
        f"BASE_IMAGE={base_image}",
        "--build-arg",
        f"APP_REVISION={rev}",
        "--build-arg",
        f"BUILD_DATE={datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "-t",
        tag,
    ]
    ca = os.environ.get("ASSISTANT_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    if os.path.exists(ca):
        args += ["--secret", f"id=ca_bundle,src={ca}"]
    result = docker(*args, str(REPO / "app"), check=False, timeout=900)
    if result.returncode != 0:
        pytest.fail(f"docker build of the app image failed:\n{result.stderr[-4000:]}")
    yield tag
    docker("image", "rm", "-f", tag, check=False)


class Stack:
    """PostgreSQL and Redis for the app containers, and how containers reach them."""

    def __init__(self) -> None:
        self.db_password = secrets.token_hex(12)
        self.redis_password = secrets.token_hex(12)
        self.env: dict[str, str] = {}
        self.run_args: list[str] = []
        self.containers: list[str] = []
        self.network: str | None = None
        self._host_servers: list = []

    def start(self) -> Stack:
        pg_image = os.environ.get("ASSISTANT_POSTGRES_IMAGE", "assistant/postgres:17")
        redis_image = os.environ.get("ASSISTANT_REDIS_IMAGE", "assistant/redis:8")
        if image_exists(pg_image) and image_exists(redis_image):
            self._containers(pg_image, redis_image)
        else:
            self._host_processes()
        return self

    def _containers(self, pg_image: str, redis_image: str) -> None:
        self.network = f"{PREFIX}-net"
        docker("network", "create", self.network)
        pg, rd = f"{PREFIX}-postgres", f"{PREFIX}-redis"
        docker(
            "run",
            "-d",
            "--name",
            pg,
            "--network",
            self.network,
            "-e",
            "POSTGRES_USER=assistant",
            "-e",
            "POSTGRES_DB=assistant",
            "-e",
            f"POSTGRES_PASSWORD={self.db_password}",
            # The image has no HEALTHCHECK (the official one has none): the compose role's check, given here.
            "--health-cmd",
            "pg_isready -h 127.0.0.1 -p 5432 -U assistant -d assistant",
            "--health-interval",
            "1s",
            "--health-retries",
            "90",
            pg_image,
        )
        self.containers.append(pg)
        docker(
            "run",
            "-d",
            "--name",
            rd,
            "--network",
            self.network,
            redis_image,
            "redis-server",
            "--requirepass",
            self.redis_password,
            "--save",
            "",
        )
        self.containers.append(rd)
        self.env = {
            "POSTGRES_HOST": pg,
            "POSTGRES_PORT": "5432",
            "POSTGRES_USER": "assistant",
            "POSTGRES_DB": "assistant",
            "REDIS_HOST": rd,
            "REDIS_PORT": "6379",
        }
        self.run_args = ["--network", self.network]
        wait_healthy(pg, timeout=90)

    def _host_processes(self) -> None:
        # No database images: host processes on loopback, app containers on the host network.
        pg = PostgresServer().start()
        self._host_servers.append(pg)
        pg.createdb("assistant")
        rd = RedisServer().start()
        self._host_servers.append(rd)
        self.db_password, self.redis_password = pg.password, rd.password
        self.env = {
            "POSTGRES_HOST": pg.host,
            "POSTGRES_PORT": str(pg.port),
            "POSTGRES_USER": pg.superuser,
            "POSTGRES_DB": "assistant",
            "REDIS_HOST": rd.host,
            "REDIS_PORT": str(rd.port),
        }
        self.run_args = ["--network", "host"]

    def close(self) -> None:
        for name in self.containers:
            docker("rm", "-f", "-v", name, check=False)
        if self.network:
            docker("network", "rm", self.network, check=False)
        for server in self._host_servers:
            server.close()


def wait_healthy(container: str, timeout: float = 60) -> str:
    import time

    deadline = time.monotonic() + timeout
    status = "unknown"
    while time.monotonic() < deadline:
        state = inspect(container, "container")["State"]
        status = state.get("Health", {}).get("Status", "none")
        if status == "healthy":
            return status
        if not state["Running"]:
            break
        time.sleep(0.5)
    logs = docker("logs", "--tail", "50", container, check=False)
    raise AssertionError(f"{container} is {status}, expected healthy; logs:\n{logs.stdout}{logs.stderr}")


@pytest.fixture(scope="session")
def stack(engine) -> Iterator[Stack]:
    started = Stack()
    try:
        yield started.start()
    finally:
        started.close()


__all__ = ["PREFIX", "Stack", "docker", "free_port", "image_exists", "inspect", "wait_healthy"]
