"""Run the image's four services (and the migrate command) against real PostgreSQL and
Redis: each becomes healthy by its own HEALTHCHECK, runs as UID 10001, answers /health and
/ready, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request

import pytest
from conftest import PREFIX, docker, free_port, inspect, wait_healthy

SERVICES = {"api": 8000, "agent": 8001, "worker": 8002, "sms": 8003}


def http(method: str, url: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 (http URLs built by the test)
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


class Deployment:
    def __init__(self, image: str, stack) -> None:
        self.image = image
        self.stack = stack
        self.host_network = stack.run_args == ["--network", "host"]
        self.env = {
            **stack.env,
            "APP_ENV": "prod",
            "POSTGRES_PASSWORD": stack.db_password,
            "REDIS_AUTH": stack.redis_password,
            "APP_SECRET_KEY": secrets.token_hex(16),
            "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
            "SMS_NUMBERS": "+15550001=alice",
        }
        self.urls: dict[str, str] = {}
        self.names: dict[str, str] = {}

    def env_args(self, extra: dict | None = None) -> list[str]:
        args: list[str] = []
        for key, value in {**self.env, **(extra or {})}.items():
            args += ["-e", f"{key}={value}"]
        return args

    def migrate(self) -> None:
        result = docker(
            "run",
            "--rm",
            *self.stack.run_args,
            *self.env_args(),
            self.image,
            "assistant",
            "migrate",
            "--wait",
            "60",
            check=False,
            timeout=120,
        )
        assert result.returncode == 0, f"migrate failed:\n{result.stdout}{result.stderr}"

    def run(self, service: str) -> str:
        name = f"{PREFIX}-{service}"
        extra = {}
        if self.host_network:
            port = free_port()
            extra["PORT"] = str(port)
            ports: list[str] = []
        else:
            ports = ["-p", f"127.0.0.1::{SERVICES[service]}"]
        if service == "sms":
            extra["AGENT_URL"] = self.urls["agent"] if self.host_network else f"http://{self.names['agent']}:8001"
        docker(
            "run",
            "-d",
            "--name",
            name,
            *self.stack.run_args,
            *ports,
            *self.env_args(extra),
            self.image,
            "assistant",
            service,
        )
        self.names[service] = name
        if self.host_network:
            self.urls[service] = f"http://127.0.0.1:{extra['PORT']}"
        else:
            mapped = docker("port", name, f"{SERVICES[service]}/tcp").stdout.split()[0]
            self.urls[service] = f"http://{mapped}"
        return name

    def close(self) -> None:
        for name in self.names.values():
            docker("rm", "-f", name, check=False)


@pytest.fixture(scope="module")
def deployment(app_image, stack):
    deployed = Deployment(app_image, stack)
    try:
        deployed.migrate()
        for service in ("agent", "api", "worker", "sms"):
            deployed.run(service)
        yield deployed
    finally:
        deployed.close()


@pytest.mark.parametrize("service", list(SERVICES))
def test_service_is_healthy_ready_and_non_root(deployment, service):
    name = deployment.names[service]
    assert wait_healthy(name, timeout=60) == "healthy"
    assert docker("exec", name, "id", "-u").stdout.strip() == "10001"
    status, body = http("GET", deployment.urls[service] + "/health")
    assert status == 200, body
    status, body = http("GET", deployment.urls[service] + "/ready")
    assert status == 200, body
    assert body["ready"] is True


def test_notes_and_tasks_through_the_containers(deployment):
    for service in ("api", "worker"):
        wait_healthy(deployment.names[service], timeout=60)
    api = deployment.urls["api"]
    status, note = http("POST", api + "/api/v1/notes", {"title": "from the image test"})
    assert status == 201, note
    assert http("GET", f"{api}/api/v1/notes/{note['id']}") == (200, note)
    status, task = http("POST", api + "/api/v1/tasks", {"text": "a b c d"})
    assert status == 202
    deadline = time.monotonic() + 30
    while (result := http("GET", f"{api}/api/v1/tasks/{task['id']}")[1])["state"] != "SUCCESS":
        assert time.monotonic() < deadline, f"task not processed by the worker: {result}"
        time.sleep(0.3)
    assert result["result"] == {"words": 4, "chars": 7}


def test_placeholder_secret_stops_the_container(app_image, stack):
    result = docker(
        "run",
        "--rm",
        *stack.run_args,
        "-e",
        "APP_ENV=prod",
        "-e",
        "APP_SECRET_KEY=changeme",
        "-e",
        "POSTGRES_PASSWORD=changeme",
        app_image,
        "assistant",
        "api",
        check=False,
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "POSTGRES_PASSWORD holds a placeholder value" in result.stderr


def test_sigterm_stops_services_cleanly(deployment):
    # Last in this module: stops the containers it checks.
    for service in ("api", "worker"):
        name = deployment.names[service]
        wait_healthy(name, timeout=60)
        docker("stop", "--time", "30", name, timeout=60)
        state = inspect(name, "container")["State"]
        assert state["ExitCode"] == 0, f"{service} exited with {state['ExitCode']} on SIGTERM"
