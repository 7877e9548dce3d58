"""DEV_RELOAD: an edited source file is what the API answers with and what the worker runs,
without a restart by hand. The services run a copy of the package (PYTHONPATH puts it before
the editable install), so the committed source is never touched."""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from servers import RedisServer

import assistant_app

PACKAGE = Path(assistant_app.__file__).resolve().parent


@pytest.fixture
def source_copy(tmp_path) -> Path:
    root = tmp_path / "src"
    shutil.copytree(PACKAGE, root / "assistant_app", ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A broker of its own, so that only the reloading worker takes the tasks."""
    server = RedisServer().start()
    yield server
    server.close()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path.name} no longer contains {old!r}: update this test"
    path.write_text(text.replace(old, new))


def wait_for(fetch, done, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.3)


def test_api_and_worker_run_edited_code(service_factory, source_copy, own_redis):
    marker = "reloaded-" + secrets.token_hex(4)
    env = {
        "PYTHONPATH": str(source_copy),
        "DEV_RELOAD": "1",
        "REDIS_HOST": own_redis.host,
        "REDIS_PORT": str(own_redis.port),
        "REDIS_AUTH": own_redis.password,
    }
    api = service_factory("api", env)
    worker = service_factory("worker", env)

    def version() -> dict:
        try:
            return httpx.get(api.url + "/version", timeout=2).json()
        except httpx.HTTPError:  # between the old server process and the new one
            return {}

    def task_result() -> dict:
        try:
            task_id = httpx.post(api.url + "/api/v1/tasks", json={"text": "a b"}).json()["id"]
            return (
                wait_for(
                    lambda: httpx.get(f"{api.url}/api/v1/tasks/{task_id}").json(),
                    lambda body: body["state"] in ("SUCCESS", "FAILURE"),
                    timeout=10,
                ).get("result")
                or {}
            )
        except (httpx.HTTPError, KeyError, ValueError):
            return {}

    # Before the edit: the code as committed.
    assert "reloaded" not in version()
    assert task_result() == {"words": 2, "chars": 3}

    edit(
        source_copy / "assistant_app" / "ops.py",
        '"revision": settings.revision}',
        f'"revision": settings.revision, "reloaded": "{marker}"}}',
    )
    edit(
        source_copy / "assistant_app" / "tasks.py",
        'return {"words": len(text.split()), "chars": len(text)}',
        f'return {{"words": len(text.split()), "chars": len(text), "reloaded": "{marker}"}}',
    )

    answered = wait_for(version, lambda body: body.get("reloaded") == marker, timeout=30)
    assert answered.get("reloaded") == marker, f"the API still answers {answered}:\n{api.output()}"
    ran = wait_for(task_result, lambda body: body.get("reloaded") == marker, timeout=60)
    assert ran.get("reloaded") == marker, f"the worker still runs {ran}:\n{worker.output()}"
    assert "restarting the worker" in worker.output()
