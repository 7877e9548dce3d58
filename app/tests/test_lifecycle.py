"""Readiness against a database that is down or not migrated; graceful worker shutdown."""

from __future__ import annotations

import secrets
import subprocess
import time

import httpx
from conftest import ASSISTANT, make_env
from servers import PostgresServer


def test_ready_false_until_migrated(postgres, redis_server, db_password, service_factory):
    db = "fresh_" + secrets.token_hex(4)
    postgres.create_database(db, "assistant", db_password)
    env = make_env(postgres, redis_server, db, db_password)
    api = service_factory("api", env)
    ready = httpx.get(api.url + "/ready")
    assert ready.status_code == 503
    assert "run 'assistant migrate'" in ready.json()["checks"]["migrations"]
    subprocess.run([ASSISTANT, "migrate"], env=env, check=True, capture_output=True, timeout=60)
    assert httpx.get(api.url + "/ready").status_code == 200


def test_ready_false_when_postgres_is_down(redis_server, service_factory):
    pg = PostgresServer().start()
    try:
        password = secrets.token_hex(8)
        pg.create_database("assistant", "assistant", password)
        env = make_env(pg, redis_server, "assistant", password)
        subprocess.run([ASSISTANT, "migrate"], env=env, check=True, capture_output=True, timeout=60)
        api = service_factory("api", env)
        assert httpx.get(api.url + "/ready").status_code == 200
        pg.stop()
        down = httpx.get(api.url + "/ready", timeout=15)
        assert down.status_code == 503
        assert down.json()["checks"]["postgres"].startswith("unreachable")
        assert httpx.get(api.url + "/health").status_code == 200  # liveness is unaffected
    finally:
        pg.close()


def test_worker_finishes_its_task_on_sigterm(services, service_factory):
    # Stop the shared worker so that the slow task surely lands on this one.
    api = services["api"].url
    services["worker"].terminate()
    worker = service_factory("worker")
    task_id = httpx.post(api + "/api/v1/tasks", json={"text": "slow task", "delay": 4}).json()["id"]
    deadline = time.monotonic() + 20
    while httpx.get(f"{api}/api/v1/tasks/{task_id}").json()["state"] != "STARTED":
        assert time.monotonic() < deadline, "task never started"
        time.sleep(0.1)
    assert worker.terminate(timeout=30) == 0
    final = httpx.get(f"{api}/api/v1/tasks/{task_id}").json()
    assert final["state"] == "SUCCESS", worker.output()
    assert final["result"] == {"words": 2, "chars": 9}
    # Bring the shared worker back for tests that run after this one.
    services["worker"].start()


def test_api_finishes_in_flight_request_on_sigterm(base_env, service_factory):
    """A request blocked in the database when SIGTERM arrives still gets its answer."""
    import signal
    import threading

    import psycopg

    api = service_factory("api")
    answers: list[httpx.Response] = []
    with psycopg.connect(
        host=base_env["POSTGRES_HOST"],
        port=base_env["POSTGRES_PORT"],
        user="assistant",
        password=base_env["POSTGRES_PASSWORD"],
        dbname="assistant",
    ) as conn:
        # Hold the table so the API's INSERT waits: the request is in flight.
        conn.execute("LOCK TABLE notes IN ACCESS EXCLUSIVE MODE")
        client = threading.Thread(
            target=lambda: answers.append(
                httpx.post(api.url + "/api/v1/notes", json={"title": "in flight"}, timeout=30)
            )
        )
        client.start()
        deadline = time.monotonic() + 10
        while not conn.execute(
            "SELECT 1 FROM pg_locks WHERE NOT granted AND relation = 'notes'::regclass"
        ).fetchone():
            assert time.monotonic() < deadline, "the API request never reached the database"
            time.sleep(0.05)
        api.proc.send_signal(signal.SIGTERM)
        time.sleep(1)
        assert api.proc.poll() is None, "the API exited with a request in flight"
        conn.rollback()  # release the lock
    client.join(timeout=30)
    assert api.proc.wait(timeout=30) == 0
    assert answers and answers[0].status_code == 201, answers
    assert answers[0].json()["title"] == "in flight"
