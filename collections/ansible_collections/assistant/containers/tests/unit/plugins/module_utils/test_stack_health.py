# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest
from ansible_collections.assistant.containers.plugins.module_utils.stack_health import (
    COMPLETED,
    ENDPOINT_FAILING,
    EXITED,
    HEALTHY,
    MISSING,
    STARTING,
    UNHEALTHY,
    HealthOptionError,
    check_endpoint,
    compose_service_of,
    container_observation,
    docker_time,
    failure_message,
    format_table,
    health_notes,
    healthy_after,
    normalize_endpoints,
    service_verdict,
    swarm_service_entry,
    task_observation,
    time_to_healthy,
    wait_for_stack,
)


def _c(state="running", health="none", exit_code=0, name="c", output="", after=None):
    return {
        "id": name,
        "name": name,
        "state": state,
        "health": health,
        "has_healthcheck": health != "none",
        "healthy_after": after,
        "exit_code": exit_code,
        "error": "",
        "restarting": False,
        "health_output": output,
        "health_exit_code": 1 if output else None,
    }


class FakeClock:
    """A clock whose time only moves when the code under test sleeps (or a fetch takes time)."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


# ---- observations ----------------------------------------------------------------------------


def test_container_observation_takes_last_health_log():
    inspect = {
        "Id": "0123456789abcdef",
        "Name": "/proj-api-1",
        "State": {
            "Status": "running",
            "ExitCode": 0,
            "Health": {
                "Status": "unhealthy",
                "Log": [{"ExitCode": 0, "Output": "ok"}, {"ExitCode": 1, "Output": "refused\n"}],
            },
        },
    }
    obs = container_observation(inspect)
    assert obs["id"] == "0123456789ab"
    assert obs["name"] == "proj-api-1"
    assert obs["health"] == "unhealthy"
    assert obs["health_output"] == "refused"
    assert obs["health_exit_code"] == 1


def test_container_observation_without_healthcheck():
    obs = container_observation({"Id": "x", "Name": "/a", "State": {"Status": "exited", "ExitCode": 3}})
    assert (obs["state"], obs["health"], obs["exit_code"], obs["health_output"]) == ("exited", "none", 3, "")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-12-02T06:00:00Z", 1796191200.0),
        ("2026-12-02T06:00:00.5Z", 1796191200.5),
        ("2026-12-02T06:00:00.123456789Z", 1796191200.123456),
        ("2026-12-02T07:00:01.25+01:00", 1796191201.25),  # health log times carry the daemon's zone
        ("0001-01-01T00:00:00Z", None),  # Go's zero time: never started
        ("", None),
        (None, None),
        ("yesterday", None),
        ("2026-12-02T06:00:00Z\n", None),
    ],
)
def test_docker_time(value, expected):
    result = docker_time(value)
    assert result == (pytest.approx(expected) if expected is not None else None)


def _probe(second, exit_code, took=0.5):
    start = f"2026-12-02T06:00:{second:02d}.000000000Z"
    end = f"2026-12-02T06:00:{second:02d}.{int(took * 10)}00000000Z"
    return {"Start": start, "End": end, "ExitCode": exit_code, "Output": ""}


STARTED = docker_time("2026-12-02T06:00:00Z")


@pytest.mark.parametrize(
    "log, expected",
    [
        # The API answered on the fourth probe, about 9.5 s after its start (the gate saw it later).
        ([_probe(2, 1), _probe(5, 1), _probe(7, 1), _probe(9, 0)], 9.5),
        ([_probe(3, 0)], 3.5),  # healthy at the first probe
        ([_probe(1, 1), _probe(2, 1), _probe(3, 1), _probe(4, 1), _probe(6, 0)], 6.5),  # full log, failure first
        ([_probe(1, 0), _probe(2, 0), _probe(3, 0), _probe(4, 0), _probe(5, 0)], None),  # full, start scrolled out
        ([_probe(1, 1), _probe(2, 1)], None),  # not healthy yet
        ([], None),
    ],
)
def test_healthy_after(log, expected):
    assert healthy_after(STARTED, log) == expected


def test_healthy_after_ignores_probes_from_before_a_restart():
    log = [_probe(1, 0), _probe(2, 0), _probe(20, 1), _probe(25, 0)]
    assert healthy_after(docker_time("2026-12-02T06:00:15Z"), log) == 10.5
    assert healthy_after(None, log) is None


def test_container_observation_times_the_start_to_healthy():
    inspect = {
        "Id": "abc",
        "Name": "/p-api-1",
        "Config": {"Healthcheck": {"Test": ["CMD", "curl", "-f", "http://127.0.0.1/"]}},
        "State": {
            "Status": "running",
            "StartedAt": "2026-12-02T06:00:00.000000000Z",
            "Health": {"Status": "healthy", "Log": [_probe(2, 1), _probe(4, 0)]},
        },
    }
    obs = container_observation(inspect)
    assert (obs["has_healthcheck"], obs["healthy_after"], obs["started_at"]) == (True, 4.5, STARTED)


@pytest.mark.parametrize(
    "config, expected",
    [
        ({}, False),  # an image FROM scratch with no HEALTHCHECK, such as redis_exporter
        ({"Healthcheck": {"Test": ["NONE"]}}, False),  # disabled in the compose file
        ({"Healthcheck": {"Test": ["CMD-SHELL", "true"]}}, True),  # defined, no result yet
    ],
)
def test_container_observation_healthcheck_presence(config, expected):
    obs = container_observation({"Id": "x", "Name": "/e", "Config": config, "State": {"Status": "running"}})
    assert (obs["has_healthcheck"], obs["health"], obs["healthy_after"]) == (expected, "none", None)


def test_container_observation_one_shot_run_time():
    state = {"Status": "exited", "ExitCode": 0, "StartedAt": "2026-12-02T06:00:00Z"}
    state["FinishedAt"] = "2026-12-02T06:00:03.2Z"
    assert container_observation({"Id": "m", "State": state})["healthy_after"] == 3.2


def test_task_observation_remote_running_times_creation_to_running():
    task = {
        "ID": "t1",
        "CreatedAt": "2026-12-02T06:00:00Z",
        "Status": {"State": "running", "Timestamp": "2026-12-02T06:00:12.5Z"},
    }
    assert task_observation(task)["healthy_after"] == 12.5
    task["Status"]["State"] = "starting"
    assert task_observation(task)["healthy_after"] is None


@pytest.mark.parametrize(
    "row, expected",
    [
        ({"state": "healthy", "one_shot": False, "containers": [_c(health="healthy", after=4.0)]}, 4.0),
        (
            {
                "state": "healthy",
                "one_shot": False,
                "containers": [_c(health="healthy", after=4.0), _c(health="healthy", after=7.5)],
            },
            7.5,  # the slowest replica
        ),
        (
            {
                "state": "healthy",
                "one_shot": False,
                "containers": [_c(health="healthy", after=4.0), _c(health="healthy", after=None)],
            },
            None,  # one replica's start is no longer in its health log
        ),
        ({"state": "healthy", "one_shot": False, "containers": [_c()]}, None),  # no health check
        ({"state": "starting", "one_shot": False, "containers": [_c(health="starting", after=None)]}, None),
        ({"state": "completed", "one_shot": True, "containers": [_c(state="exited", after=2.5)]}, 2.5),
        # a stopped old container of the service is not timed
        (
            {
                "state": "healthy",
                "one_shot": False,
                "containers": [_c(health="healthy", after=3.0), _c(state="exited", exit_code=137)],
            },
            3.0,
        ),
    ],
)
def test_time_to_healthy(row, expected):
    assert time_to_healthy(row) == expected


@pytest.mark.parametrize(
    "state, health",
    [
        ("running", "healthy"),
        ("starting", "starting"),
        ("preparing", "none"),
        ("failed", "none"),
    ],
)
def test_task_observation_without_local_container(state, health):
    status = {
        "State": state,
        "Err": "boom" if state == "failed" else "",
        "ContainerStatus": {"ContainerID": "cid", "ExitCode": 2},
    }
    task = {"ID": "taskid0123456789", "Status": status}
    obs = task_observation(task)
    assert obs["state"] == state
    assert obs["health"] == health
    assert obs["exit_code"] == 2
    assert obs["task_state"] == state


def test_task_observation_prefers_local_container():
    task = {"ID": "t", "Status": {"State": "running", "ContainerStatus": {"ContainerID": "cid"}}}
    container = {"Id": "cid", "Name": "/s.1.t", "State": {"Status": "running", "Health": {"Status": "starting"}}}
    obs = task_observation(task, container)
    assert obs["health"] == "starting"
    assert obs["name"] == "s.1.t"


# ---- verdicts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "containers, desired, one_shot, expected",
    [
        ([], 1, False, (MISSING, 0, 0)),
        ([], 0, False, (HEALTHY, 0, 0)),
        ([_c()], 1, False, (HEALTHY, 1, 1)),  # no health check: running is enough
        ([_c(health="healthy")], 1, False, (HEALTHY, 1, 1)),
        ([_c(health="starting")], 1, False, (STARTING, 1, 0)),
        ([_c(health="unhealthy")], 1, False, (UNHEALTHY, 1, 0)),
        ([_c(health="healthy"), _c(health="starting")], 2, False, (STARTING, 2, 1)),
        ([_c(health="healthy"), _c(health="healthy")], 2, False, (HEALTHY, 2, 2)),
        ([_c(health="healthy"), _c(health="unhealthy")], 2, False, (UNHEALTHY, 2, 1)),
        ([_c(state="exited", exit_code=1)], 1, False, (EXITED, 0, 0)),
        ([_c(state="exited", exit_code=0)], 1, False, (STARTING, 0, 0)),  # a long-running service must run
        ([_c(state="restarting", exit_code=1)], 1, False, (STARTING, 0, 0)),
        ([_c(state="created")], 1, False, (STARTING, 0, 0)),
        ([_c(health="healthy"), _c(state="exited", exit_code=137)], 1, False, (HEALTHY, 1, 1)),
        ([], 1, True, (MISSING, 0, 0)),
        ([_c(state="exited", exit_code=0)], 1, True, (COMPLETED, 0, 0)),
        ([_c(state="exited", exit_code=0), _c(state="exited", exit_code=0)], 1, True, (COMPLETED, 0, 0)),
        ([_c(state="exited", exit_code=2)], 1, True, (EXITED, 0, 0)),
        ([_c(state="running")], 1, True, (STARTING, 1, 0)),
        ([_c(state="complete", exit_code=0)], 1, True, (COMPLETED, 0, 0)),  # Swarm job task
    ],
)
def test_service_verdict(containers, desired, one_shot, expected):
    assert service_verdict(containers, desired, one_shot) == expected


# ---- endpoints -------------------------------------------------------------------------------


def _fetch(status, body=b""):
    def fetch(url, timeout, validate_certs):
        return status, body

    return fetch


def _endpoint(**kwargs):
    endpoint = {"service": "api", "url": "http://127.0.0.1:8000/health", "status": [200], "timeout": 5}
    endpoint.update(kwargs)
    return endpoint


@pytest.mark.parametrize(
    "endpoint, fetch, ok, error",
    [
        (_endpoint(), _fetch(200), True, None),
        (_endpoint(status=[200, 204]), _fetch(204), True, None),
        (_endpoint(), _fetch(503), False, "expected HTTP status 200, found 503"),
        (_endpoint(json={"status": "ok"}), _fetch(200, b'{"status": "ok", "x": 1}'), True, None),
        (_endpoint(json={"a": {"b": 1}}), _fetch(200, b'{"a": {"b": 1, "c": 2}}'), True, None),
        (
            _endpoint(json={"status": "ok"}),
            _fetch(200, b'{"status": "degraded"}'),
            False,
            'expected a JSON body containing {"status": "ok"}, found {"status": "degraded"}',
        ),
        (_endpoint(json={"status": "ok"}), _fetch(200, b"[1, 2]"), False, "found [1, 2]"),
        (_endpoint(json={"status": "ok"}), _fetch(200, b"<html>"), False, "found non-JSON '<html>'"),
        (_endpoint(json={"status": "ok"}), _fetch(200, '{"status": "ok"}'), True, None),
    ],
)
def test_check_endpoint(endpoint, fetch, ok, error):
    result = check_endpoint(endpoint, fetch, 5)
    assert result["ok"] is ok
    if error is None:
        assert result["error"] is None
    else:
        assert error in result["error"]


def test_check_endpoint_transport_error_and_timeout_passed():
    seen = {}

    def fetch(url, timeout, validate_certs):
        seen["timeout"] = timeout
        raise OSError("connection refused")

    result = check_endpoint(_endpoint(), fetch, 1.5)
    assert result == {
        "url": "http://127.0.0.1:8000/health",
        "expected_status": [200],
        "status": None,
        "ok": False,
        "error": "no answer: connection refused",
    }
    assert seen["timeout"] == 1.5


@pytest.mark.parametrize(
    "endpoints, message",
    [
        ([{"service": "api", "url": "ftp://x"}], "endpoints\\[0\\].url: expected an http"),
        ([{"service": "api", "url": ""}], "endpoints\\[0\\].url"),
        ([{"url": "http://x"}], "endpoints\\[0\\].service"),
        ([{"service": "api", "url": "http://x", "status": [99]}], "status codes between 100 and 599"),
        ([{"service": "api", "url": "http://x", "status": ["200"]}], "status codes"),
    ],
)
def test_normalize_endpoints_malformed(endpoints, message):
    with pytest.raises(HealthOptionError, match=message):
        normalize_endpoints(endpoints)


def test_normalize_endpoints_groups_and_defaults():
    grouped = normalize_endpoints(
        [
            {"service": "api", "url": "http://a"},
            {"service": "api", "url": "https://b", "status": [204], "timeout": 2},
        ]
    )
    assert [e["status"] for e in grouped["api"]] == [[200], [204]]
    assert [e["timeout"] for e in grouped["api"]] == [5, 2]


# ---- the wait loop ---------------------------------------------------------------------------


def _scripted(clock, timeline):
    """observe() returning the last snapshot in ``timeline`` whose start time has passed."""
    start = clock.now

    def observe():
        current = None
        for at, snapshot in timeline:
            if clock.now - start >= at:
                current = snapshot
        return current

    return observe


def _wait(clock, timeline, services, **kwargs):
    kwargs.setdefault("fetch", _fetch(200))
    kwargs.setdefault("global_timeout", 60)
    return wait_for_stack(services, _scripted(clock, timeline), clock=clock, sleep=clock.sleep, **kwargs)


def test_healthy_stack_reports_time_to_healthy():
    clock = FakeClock()
    timeline = [
        (
            0,
            {
                "db": {"containers": [_c(health="starting")]},
                "api": {"containers": [_c(health="starting")]},
                "migrate": {"containers": [_c()]},
            },
        ),
        (
            4,
            {
                "db": {"containers": [_c(health="healthy")]},
                "api": {"containers": [_c(health="starting")]},
                "migrate": {"containers": [_c(state="exited", exit_code=0)]},
            },
        ),
        (
            8,
            {
                "db": {"containers": [_c(health="healthy")]},
                "api": {"containers": [_c(health="healthy")]},
                "migrate": {"containers": [_c(state="exited", exit_code=0)]},
            },
        ),
    ]
    ok, rows, failed = _wait(clock, timeline, {"db": None, "api": 1, "migrate": None}, interval=2, one_shot=["migrate"])
    assert ok is True and failed == []
    by = dict((r["service"], r) for r in rows)
    assert by["db"]["waited"] == 4
    assert by["api"]["waited"] == 8
    assert by["migrate"]["state"] == COMPLETED
    assert by["migrate"]["waited"] == 4
    assert [r["service"] for r in rows] == ["api", "db", "migrate"]
    assert clock.sleeps == [2, 2, 2, 2]


def test_unhealthy_service_fails_fast_and_is_named():
    clock = FakeClock()
    timeline = [
        (0, {"db": {"containers": [_c(health="healthy")]}, "api": {"containers": [_c(health="starting")]}}),
        (
            6,
            {
                "db": {"containers": [_c(health="healthy")]},
                "api": {"containers": [_c(health="unhealthy", name="p-api-1", output="connection refused")]},
            },
        ),
    ]
    ok, rows, failed = _wait(clock, timeline, {"db": 1, "api": 1}, interval=2, global_timeout=300)
    assert ok is False
    assert failed == ["api"]
    assert clock.now - 1000.0 == 6  # did not wait for the global timeout
    message = failure_message(
        rows, failed, logs={"api": {"p-api-1": ["Traceback", "ImportError: no module x"]}}, timeout=300
    )
    assert message.startswith("Stack not healthy: api is unhealthy.")
    assert "last health check (exit 1): connection refused" in message
    assert "| ImportError: no module x" in message
    assert "p-api-1: state running, health unhealthy\n" in message  # no stale exit code for a running one
    assert "Service db" not in message


def test_unhealthy_waits_for_timeout_without_fail_fast():
    clock = FakeClock()
    timeline = [(0, {"api": {"containers": [_c(health="unhealthy")]}})]
    ok, rows, failed = _wait(clock, timeline, {"api": 1}, interval=5, global_timeout=12, fail_fast=False)
    assert ok is False and failed == ["api"]
    assert rows[0]["timed_out"] is True
    assert clock.now - 1000.0 == 12
    assert clock.sleeps == [5, 5, 2]  # the last sleep is cut to the deadline


def test_one_shot_failure_is_reported_with_exit_code():
    clock = FakeClock()
    timeline = [(0, {"migrate": {"containers": [_c(state="exited", exit_code=3, name="p-migrate-1")]}})]
    ok, rows, failed = _wait(clock, timeline, {"migrate": None}, one_shot=["migrate"])
    assert (ok, failed) == (False, ["migrate"])
    message = failure_message(rows, failed)
    assert "migrate is exited" in message
    assert "p-migrate-1: state exited, health none, exit code 3" in message
    assert "completed run(s) with exit code 0" in message


@pytest.mark.parametrize(
    "service_timeouts, expected_wait, expected_failed",
    [
        ({"slow": 10}, 10, ["slow"]),
        ({"slow": 100}, 30, ["slow"]),  # the global timeout caps a longer per-service timeout
        ({}, 30, ["slow"]),
    ],
)
def test_per_service_and_global_timeouts(service_timeouts, expected_wait, expected_failed):
    clock = FakeClock()
    timeline = [(0, {"fast": {"containers": [_c(health="healthy")]}, "slow": {"containers": [_c(health="starting")]}})]
    ok, rows, failed = _wait(
        clock, timeline, {"fast": 1, "slow": 1}, interval=3, global_timeout=30, service_timeouts=service_timeouts
    )
    assert ok is False
    assert failed == expected_failed
    assert clock.now - 1000.0 == expected_wait
    by = dict((r["service"], r) for r in rows)
    assert by["fast"]["state"] == HEALTHY and by["fast"]["timed_out"] is False
    assert by["slow"]["timed_out"] is True
    message = failure_message(rows, failed, timeout=30)
    assert "slow is starting after its timeout" in message
    assert "service_timeouts" in message


def test_missing_service_times_out_with_hint():
    clock = FakeClock()
    ok, rows, failed = _wait(clock, [(0, {})], {"ghost": 1}, interval=1, global_timeout=3)
    assert (ok, failed) == (False, ["ghost"])
    assert rows[0]["state"] == MISSING
    assert "no container or task of this service was found" in failure_message(rows, failed)


def test_endpoint_must_pass_before_service_is_ready():
    clock = FakeClock()
    answers = iter([(503, b""), (200, b'{"status": "starting"}'), (200, b'{"status": "ok"}')])
    calls = []

    def fetch(url, timeout, validate_certs):
        calls.append((clock.now - 1000.0, timeout))
        return next(answers)

    endpoints = normalize_endpoints(
        [{"service": "api", "url": "http://x/health", "json": {"status": "ok"}, "timeout": 5}]
    )
    timeline = [(0, {"api": {"containers": [_c(health="starting")]}}), (2, {"api": {"containers": [_c()]}})]
    ok, rows, _failed = _wait(
        clock, timeline, {"api": 1}, interval=2, endpoints=endpoints, fetch=fetch, global_timeout=60
    )
    assert ok is True
    assert [call[0] for call in calls] == [2, 4, 6]  # endpoints are only asked once the containers are ready
    assert rows[0]["waited"] == 6
    assert rows[0]["endpoints"][0]["ok"] is True


def test_endpoint_failure_on_timeout_is_in_message():
    clock = FakeClock()
    endpoints = normalize_endpoints([{"service": "api", "url": "http://x/ready", "timeout": 5}])
    ok, rows, failed = _wait(
        clock,
        [(0, {"api": {"containers": [_c()]}})],
        {"api": 1},
        interval=2,
        endpoints=endpoints,
        fetch=_fetch(503),
        global_timeout=5,
    )
    assert ok is False
    assert rows[0]["state"] == ENDPOINT_FAILING
    message = failure_message(rows, failed)
    assert message.startswith("Stack not healthy: api is endpoint-failing after its timeout.")
    assert "endpoint http://x/ready: expected HTTP status 200, found 503" in message


def test_fetch_timeout_never_exceeds_remaining_time():
    clock = FakeClock()
    timeouts = []

    def fetch(url, timeout, validate_certs):
        timeouts.append(timeout)
        clock.now += timeout  # a server that never answers
        raise OSError("timed out")

    endpoints = normalize_endpoints([{"service": "api", "url": "http://x/", "timeout": 10}])
    ok, _rows, _failed = _wait(
        clock,
        [(0, {"api": {"containers": [_c()]}})],
        {"api": 1},
        interval=1,
        endpoints=endpoints,
        fetch=fetch,
        global_timeout=25,
    )
    assert ok is False
    assert clock.now - 1000.0 == 25
    assert timeouts == [10, 10, 3]  # the last one was cut so the wait ends on time


def test_service_flapping_back_resets_time_to_healthy():
    clock = FakeClock()
    timeline = [
        (0, {"a": {"containers": [_c(health="healthy")]}, "b": {"containers": [_c(health="starting")]}}),
        (2, {"a": {"containers": [_c(health="starting")]}, "b": {"containers": [_c(health="starting")]}}),
        (4, {"a": {"containers": [_c(health="healthy")]}, "b": {"containers": [_c(health="healthy")]}}),
    ]
    ok, rows, _failed = _wait(clock, timeline, {"a": 1, "b": 1}, interval=2)
    assert ok is True
    assert [r["waited"] for r in rows] == [4, 4]


def test_desired_from_observation_and_replicas():
    clock = FakeClock()
    timeline = [(0, {"web": {"desired": 3, "containers": [_c(health="healthy")] * 2}})]
    ok, rows, _failed = _wait(clock, timeline, {"web": None}, interval=1, global_timeout=2)
    assert ok is False
    assert (rows[0]["desired"], rows[0]["running"], rows[0]["healthy"]) == (3, 2, 2)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"global_timeout": 0}, "timeout: expected a positive number"),
        ({"global_timeout": -5}, "timeout"),
        ({"interval": 0}, "interval"),
        ({"service_timeouts": {"a": 0}}, "service_timeouts.a"),
        ({"service_timeouts": {"a": "ten"}}, "service_timeouts.a"),
        ({"service_timeouts": {"a": True}}, "service_timeouts.a"),
    ],
)
def test_wait_rejects_malformed_options(kwargs, message):
    clock = FakeClock()
    kwargs.setdefault("global_timeout", 10)
    with pytest.raises(HealthOptionError, match=message):
        wait_for_stack({"a": 1}, lambda: {}, _fetch(200), clock, clock.sleep, **kwargs)


def test_format_table():
    clock = FakeClock()
    endpoints = normalize_endpoints([{"service": "api", "url": "http://x/"}])
    snapshot = {
        "api": {"containers": [_c(health="healthy", after=9.64)]},
        "exporter": {"containers": [_c()]},
        "migrate": {"containers": [_c(state="exited", after=3.0)]},
    }
    _ok, rows, _failed = _wait(
        clock, [(0, snapshot)], {"api": 1, "exporter": 1, "migrate": None}, one_shot=["migrate"], endpoints=endpoints
    )
    table = format_table(rows)
    assert table[0].split() == [
        "SERVICE",
        "STATE",
        "DESIRED",
        "RUNNING",
        "HEALTHY",
        "HEALTH",
        "TIME",
        "TO",
        "HEALTHY",
        "ENDPOINTS",
    ]
    assert table[1].split() == ["api", "healthy", "1", "1", "1", "healthy", "9.6s", "1/1", "ok"]
    assert table[2].split() == ["exporter", "healthy", "1", "1", "1", "none", "no", "check", "-"]
    assert table[3].split() == ["migrate", "completed", "1", "0", "0", "n/a", "3.0s", "-"]
    assert health_notes(rows) == ["exporter has no health check: it counts as healthy once it runs."]
    json.dumps(rows)  # the rows are returned by the module as they are


def test_swarm_history_is_reported_not_judged():
    clock = FakeClock()
    failed_task = task_observation(
        {
            "ID": "old0123456789",
            "Status": {"State": "failed", "Err": "task: non-zero exit (1)", "ContainerStatus": {"ExitCode": 1}},
        }
    )
    timeline = [
        (0, {"web": {"desired": 1, "containers": [_c(state="starting", health="starting")], "history": [failed_task]}})
    ]
    ok, rows, failed = _wait(clock, timeline, {"web": None}, interval=1, global_timeout=3)
    assert (ok, failed) == (False, ["web"])
    assert rows[0]["state"] == STARTING  # a failed earlier task alone does not fail fast
    message = failure_message(rows, failed)
    assert "earlier task old012345678: state failed, exit code 1, task: task: non-zero exit (1)" in message


# ---- mapping Docker API shapes to snapshots --------------------------------------------------


@pytest.mark.parametrize(
    "labels, expected",
    [
        ({"com.docker.compose.project": "p", "com.docker.compose.service": "api"}, "api"),
        (
            {
                "com.docker.compose.project": "p",
                "com.docker.compose.service": "api",
                "com.docker.compose.oneoff": "False",
            },
            "api",
        ),
        (
            {
                "com.docker.compose.project": "p",
                "com.docker.compose.service": "api",
                "com.docker.compose.oneoff": "True",
            },
            None,
        ),
        ({"com.docker.compose.project": "other", "com.docker.compose.service": "api"}, None),
        ({"com.docker.compose.project": "p"}, None),
        (None, None),
    ],
)
def test_compose_service_of(labels, expected):
    assert compose_service_of(labels, "p") == expected


def _task(task_id, desired, state, container_id=None, exit_code=None, ts="2026-01-01T00:00:00Z", err=""):
    status = {"State": state, "Timestamp": ts, "Err": err}
    if container_id:
        status["ContainerStatus"] = {"ContainerID": container_id, "ExitCode": exit_code}
    return {"ID": task_id, "DesiredState": desired, "Status": status}


def test_swarm_service_entry_replicated_with_local_and_remote_tasks():
    service = {"ID": "s1", "Spec": {"Name": "assistant_api", "Mode": {"Replicated": {"Replicas": 2}}}}
    tasks = [
        _task("t-local", "running", "running", "c-local"),
        _task("t-remote", "running", "running", "c-remote"),
        _task("t-old1", "shutdown", "failed", "c-old1", 1, "2026-01-01T00:00:01Z", "task: non-zero exit (1)"),
        _task("t-old2", "shutdown", "failed", "c-old2", 2, "2026-01-01T00:00:03Z", "task: non-zero exit (2)"),
        _task("t-old3", "shutdown", "shutdown", "c-old3", 0),
    ]
    local = {
        "c-local": {
            "Id": "c-local",
            "Name": "/assistant_api.1.x",
            "State": {"Status": "running", "Health": {"Status": "starting"}},
        }
    }
    name, entry = swarm_service_entry("assistant", service, tasks, local.get, history=3)
    assert name == "api"
    assert entry["desired"] == 2
    assert [(c["name"], c["health"]) for c in entry["containers"]] == [
        ("assistant_api.1.x", "starting"),  # health from the local container
        ("task t-remote", "healthy"),  # a running task elsewhere passed its health check
    ]
    assert [h["exit_code"] for h in entry["history"]] == [2, 1]  # newest failure first, shutdown ones left out
    assert service_verdict(entry["containers"], entry["desired"]) == (STARTING, 2, 1)


def test_swarm_service_entry_global_job_and_foreign_name():
    service = {
        "ID": "s2",
        "Spec": {"Name": "node-exporter", "Mode": {"Global": {}}},
        "ServiceStatus": {"DesiredTasks": 3, "RunningTasks": 3},
    }
    name, entry = swarm_service_entry("assistant", service, [], lambda cid: None)
    assert (name, entry["desired"], entry["containers"], entry["history"]) == ("node-exporter", 3, [], [])
    job = {"ID": "s3", "Spec": {"Name": "assistant_migrate", "Mode": {"ReplicatedJob": {"TotalCompletions": 1}}}}
    name, entry = swarm_service_entry("assistant", job, [_task("t", "complete", "complete", "c", 0)], lambda cid: None)
    assert name == "migrate"
    assert service_verdict(entry["containers"], 1, one_shot=True) == (COMPLETED, 0, 0)
