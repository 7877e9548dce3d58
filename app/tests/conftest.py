"""Fixtures: a real PostgreSQL and Redis started by the test run, and the four services
started as real processes (the ``assistant`` console script) against them."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from servers import PostgresServer, RedisServer, free_port, missing_tools

ASSISTANT = str(Path(sys.executable).with_name("assistant"))
SMS_TOKEN = "test-twilio-token-" + "a1b2c3"
SMS_NUMBERS = "+15550001=alice,+15550002=bob"


def pytest_sessionstart(session) -> None:
    missing = missing_tools()
    if missing:
        raise pytest.UsageError(
            f"the app tests need a real PostgreSQL and Redis; missing: {', '.join(missing)}. "
            f"Install them: apt-get install -y {' '.join(missing)}"
        )


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    yield server
    server.close()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.close()


def make_env(pg: PostgresServer, rd: RedisServer, db: str, password: str, **extra: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("POSTGRES_", "REDIS_", "APP_", "TWILIO_", "SMS_"))
    }
    env.update(
        APP_ENV="dev",
        LOG_LEVEL="INFO",
        POSTGRES_HOST=pg.host,
        POSTGRES_PORT=str(pg.port),
        POSTGRES_DB=db,
        POSTGRES_USER="assistant",
        POSTGRES_PASSWORD=password,
        REDIS_HOST=rd.host,
        REDIS_PORT=str(rd.port),
        REDIS_AUTH=rd.password,
        APP_SECRET_KEY=secrets.token_hex(16),
        TWILIO_AUTH_TOKEN=SMS_TOKEN,
        SMS_NUMBERS=SMS_NUMBERS,
        APP_VERSION="1.2.3-test",
        APP_REVISION="abc1234",
    )
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def db_password() -> str:
    return secrets.token_hex(12)


@pytest.fixture(scope="session")
def base_env(postgres, redis_server, db_password) -> dict:
    postgres.create_database("assistant", "assistant", db_password)
    env = make_env(postgres, redis_server, "assistant", db_password)
    subprocess.run([ASSISTANT, "migrate"], env=env, check=True, capture_output=True, timeout=60)
    return env


class Service:
    def __init__(self, name: str, env: dict, port: int | None = None) -> None:
        self.name = name
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "PORT": str(self.port)}
        self.logdir = Path(tempfile.mkdtemp(prefix=f"assistant-{name}-"))
        self.log = self.logdir / "out.log"
        self.proc: subprocess.Popen | None = None

    def start(self, wait: bool = True) -> Service:
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [ASSISTANT, self.name], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        if wait:
            self.wait_healthy()
        return self

    def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}:\n{self.output()}"
                )
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not healthy after {timeout}s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def terminate(self, timeout: float = 60.0) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def close(self) -> None:
        self.terminate()
        shutil.rmtree(self.logdir, ignore_errors=True)


@pytest.fixture(scope="session")
def services(base_env) -> Iterator[dict[str, Service]]:
    agent = Service("agent", base_env).start()
    started = {
        "agent": agent,
        "api": Service("api", {**base_env, "AGENT_URL": agent.url}).start(),
        "worker": Service("worker", base_env).start(),
        "sms": Service("sms", {**base_env, "AGENT_URL": agent.url}).start(),
    }
    yield started
    for service in started.values():
        service.close()


@pytest.fixture
def service_factory(base_env) -> Iterator:
    made: list[Service] = []

    def make(name: str, env: dict | None = None, wait: bool = True) -> Service:
        service = Service(name, {**base_env, **(env or {})}).start(wait=wait)
        made.append(service)
        return service

    yield make
    for service in made:
        service.close()
