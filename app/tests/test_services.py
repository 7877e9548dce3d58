"""The four services as real processes against a real PostgreSQL and Redis."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import httpx
import pytest
from conftest import SMS_TOKEN

from assistant_app.sms import twilio_signature

SERVICES = ["api", "agent", "worker", "sms"]


def wait_for(fetch, done, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


@pytest.mark.parametrize("name", SERVICES)
def test_operational_endpoints(services, name):
    url = services[name].url
    health = httpx.get(url + "/health")
    assert health.status_code == 200, health.text
    ready = httpx.get(url + "/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["migrations"].startswith("at head")
    assert httpx.get(url + "/version").json() == {"version": "1.2.3-test", "revision": "abc1234"}
    metrics = httpx.get(url + "/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert f'assistant_ready{{service="{name}"}} 1.0' in metrics.text


def test_worker_health_says_consuming(services):
    assert httpx.get(services["worker"].url + "/health").json()["consuming"] is True


def test_logs_are_json(services):
    import json

    lines = [line for line in services["api"].output().splitlines() if line.strip()]
    assert lines
    for line in lines:
        entry = json.loads(line)
        assert {"ts", "level", "logger", "msg", "service"} <= entry.keys()


def test_notes_round_trip(services):
    api = services["api"].url
    created = httpx.post(api + "/api/v1/notes", json={"title": "milk", "body": "2 litres"})
    assert created.status_code == 201, created.text
    note = created.json()
    fetched = httpx.get(f"{api}/api/v1/notes/{note['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == note
    assert httpx.get(f"{api}/api/v1/notes/999999").status_code == 404
    assert httpx.post(api + "/api/v1/notes", json={"title": ""}).status_code == 422


@pytest.mark.parametrize("row_id", ["0", "-1", str(2**31), "99999999999999999999"])
def test_ids_outside_postgresql_integers_are_422_not_500(services, row_id):
    api, agent = services["api"].url, services["agent"].url
    urls = (f"{api}/api/v1/notes/", f"{api}/api/v1/messages/", f"{agent}/api/v1/messages/")
    for url in urls:
        assert httpx.get(url + row_id).status_code == 422, url + row_id


def test_task_is_processed_by_the_worker(services):
    api = services["api"].url
    queued = httpx.post(api + "/api/v1/tasks", json={"text": "one two three"})
    assert queued.status_code == 202
    task_id = queued.json()["id"]
    result = wait_for(
        lambda: httpx.get(f"{api}/api/v1/tasks/{task_id}").json(),
        lambda body: body["state"] == "SUCCESS",
    )
    assert result == {"id": task_id, "state": "SUCCESS", "result": {"words": 3, "chars": 13}}
    metrics = httpx.get(services["worker"].url + "/metrics").text
    assert 'assistant_worker_tasks_total{state="SUCCESS",task="assistant.analyze_text"}' in metrics


def test_agent_message_is_stored_and_processed(services):
    agent = services["agent"].url
    accepted = httpx.post(agent + "/api/v1/messages", json={"user": "carol", "text": "hi there"})
    assert accepted.status_code == 202
    message_id = accepted.json()["id"]
    body = wait_for(
        lambda: httpx.get(f"{agent}/api/v1/messages/{message_id}").json(),
        lambda b: b["status"] == "done",
    )
    assert body["status"] == "done"
    assert body["reply"] == "Hello carol, I received 2 words."


def test_api_forwards_messages_to_the_agent(services):
    api = services["api"].url
    accepted = httpx.post(api + "/api/v1/messages", json={"user": "erin", "text": "via the api"})
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["source"] == "api"
    body = wait_for(
        lambda: httpx.get(f"{api}/api/v1/messages/{accepted.json()['id']}").json(),
        lambda b: b["status"] == "done",
    )
    assert body["reply"] == "Hello erin, I received 3 words."
    assert httpx.get(f"{api}/api/v1/messages/999999").status_code == 404


def test_api_says_502_when_the_agent_is_down(service_factory):
    from servers import free_port

    api = service_factory("api", {"AGENT_URL": f"http://127.0.0.1:{free_port()}"})
    reply = httpx.post(api.url + "/api/v1/messages", json={"user": "x", "text": "y"})
    assert reply.status_code == 502
    assert "agent service unavailable" in reply.json()["detail"]


def _sms(services, to: str, body: str, token: str = SMS_TOKEN) -> httpx.Response:
    url = services["sms"].url + "/sms/inbound"
    params = [("From", "+15559999"), ("To", to), ("Body", body), ("MessageSid", "SM123")]
    headers = {
        "X-Twilio-Signature": twilio_signature(token, url, params),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return httpx.post(url, content=urlencode(params), headers=headers)


def test_sms_valid_signature_is_forwarded_to_the_agent(services, base_env):
    import psycopg

    text = "sms-forward-check buy bread"
    reply = _sms(services, "+15550002", text)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("application/xml")
    with psycopg.connect(
        host=base_env["POSTGRES_HOST"],
        port=base_env["POSTGRES_PORT"],
        user="assistant",
        password=base_env["POSTGRES_PASSWORD"],
        dbname="assistant",
    ) as conn:
        rows = conn.execute(
            'SELECT "user", source FROM messages WHERE text = %s', (text,)
        ).fetchall()
    assert rows == [("bob", "sms")]


def test_sms_bad_signature_is_403(services):
    assert _sms(services, "+15550001", "hello", token="not-the-token").status_code == 403
    unsigned = httpx.post(
        services["sms"].url + "/sms/inbound",
        content="To=%2B15550001",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert unsigned.status_code == 403


def test_sms_unknown_number_is_404(services):
    reply = _sms(services, "+15550404", "hello")
    assert reply.status_code == 404
    assert "+15550404" in reply.json()["detail"]
