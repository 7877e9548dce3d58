"""Traces: one request to the API crosses api -> agent -> worker in a single trace, exported over
OTLP/HTTP to a receiver of the test's own (otlp_receiver.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from otlp_receiver import Receiver, decode_protobuf, find_chain
from servers import RedisServer


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver().start()
    yield rec
    rec.close()


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A broker of their own, so that the session's worker (no tracing) takes none of the tasks."""
    server = RedisServer().start()
    yield server
    server.close()


def wait_for(fetch, done, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_one_request_is_one_trace_across_api_agent_worker(service_factory, receiver, own_redis):
    env = {
        "REDIS_HOST": own_redis.host,
        "REDIS_PORT": str(own_redis.port),
        "REDIS_AUTH": own_redis.password,
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    }
    agent = service_factory("agent", env)
    service_factory("worker", env)
    api = service_factory("api", {**env, "AGENT_URL": agent.url})

    accepted = httpx.post(api.url + "/api/v1/messages", json={"user": "dana", "text": "trace me"})
    assert accepted.status_code == 202, accepted.text
    message_id = accepted.json()["id"]
    done = wait_for(
        lambda: httpx.get(f"{api.url}/api/v1/messages/{message_id}").json(),
        lambda body: body.get("status") == "done",
    )
    assert done["reply"] == "Hello dana, I received 2 words.", done

    chain = wait_for(
        lambda: find_chain(receiver.snapshot(), first_name="POST /api/v1/messages"),
        bool,
        timeout=20,
    )
    assert chain, f"no api -> agent -> worker trace among the spans received: {receiver.snapshot()}"
    assert len({span["trace_id"] for span in chain}) == 1
    assert [span["name"] for span in chain] == [
        "POST /api/v1/messages",
        "POST /api/v1/messages",
        "POST /api/v1/messages",
        "send assistant.process_message",
        "run assistant.process_message",
    ]
    # Probes are not traced.
    assert not [s for s in receiver.snapshot() if s["name"].endswith(("/health", "/ready"))]


def test_receiver_decodes_the_wire_format():
    """The receiver's hand-written protobuf decoding against a message built by hand."""

    def field(number: int, payload: bytes) -> bytes:
        return bytes([number << 3 | 2, len(payload)]) + payload

    key_value = field(1, b"service.name") + field(2, field(1, b"assistant-api"))
    span = (
        field(1, bytes(range(16)))
        + field(2, bytes(range(8)))
        + field(4, bytes(range(8, 16)))
        + field(5, b"GET /x")
        + bytes([6 << 3, 2])  # kind = server (varint)
    )
    request = field(1, field(1, field(1, key_value)) + field(2, field(2, span)))
    assert decode_protobuf(request) == [
        {
            "service": "assistant-api",
            "trace_id": bytes(range(16)).hex(),
            "span_id": bytes(range(8)).hex(),
            "parent_span_id": bytes(range(8, 16)).hex(),
            "name": "GET /x",
            "kind": "server",
        }
    ]
