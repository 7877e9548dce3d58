# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible_collections.assistant.containers.plugins.module_utils import rollout as r


def container(cid, service="api", hash_="h1", image="sha256:i1", running=True, health=None, oneoff=False, started="1"):
    state = {"Running": running, "StartedAt": started}
    if health:
        state["Health"] = {"Status": health}
    labels = {"com.docker.compose.service": service, r.CONFIG_HASH_LABEL: hash_}
    if oneoff:
        labels[r.ONEOFF_LABEL] = "True"
    return {"Id": cid, "Image": image, "State": state, "Config": {"Labels": labels}}


def test_parse_hashes():
    out = "api 91642c39b0a5\nworker 32405bd7b0db\n\n"
    assert r.parse_hashes(out) == {"api": "91642c39b0a5", "worker": "32405bd7b0db"}


@pytest.mark.parametrize(
    "ports, want",
    [
        ([], []),
        (None, []),
        ([{"target": 8000, "published": "8000", "host_ip": "127.0.0.1"}], ["127.0.0.1:8000"]),
        ([{"target": 8000, "published": "8000"}], ["*:8000"]),
        # An ephemeral host port can be taken twice.
        ([{"target": 8000}], []),
        ([{"target": 8000, "published": "0"}], []),
    ],
)
def test_fixed_host_ports(ports, want):
    assert r.fixed_host_ports({"ports": ports}) == want


def test_service_containers_leave_out_other_services_and_one_offs():
    cs = [container("a"), container("b", service="worker"), container("c", oneoff=True)]
    assert [c["Id"] for c in r.service_containers(cs, "api")] == ["a"]


def test_plan_create_when_nothing_runs():
    plan = r.plan_service("api", [container("a", running=False)], "h1", "sha256:i1", [])
    assert plan["action"] == r.CREATE
    assert plan["old"] == ["a"]


def test_plan_unchanged():
    plan = r.plan_service("api", [container("a")], "h1", "sha256:i1", [])
    assert plan["action"] == r.UNCHANGED
    assert plan["old"] == []


@pytest.mark.parametrize(
    "want_hash, want_image, reason",
    [
        ("h2", "sha256:i1", "configuration changed"),
        ("h1", "sha256:i2", "image changed"),
        ("h2", "sha256:i2", "configuration changed and image changed"),
    ],
)
def test_plan_cutover(want_hash, want_image, reason):
    plan = r.plan_service("api", [container("a")], want_hash, want_image, [])
    assert plan == {"service": "api", "action": r.CUTOVER, "reason": reason, "old": ["a"]}


def test_plan_in_place_for_fixed_ports():
    plan = r.plan_service("api", [container("a")], "h2", "sha256:i1", ["127.0.0.1:8000"])
    assert plan["action"] == r.IN_PLACE
    assert "127.0.0.1:8000" in plan["reason"]


def test_plan_finishes_an_interrupted_cutover():
    old = container("old", hash_="h1", started="2026-12-02T07:00:00Z")
    new = container("new", hash_="h2", started="2026-12-02T07:01:00Z")
    plan = r.plan_service("api", [old, new], "h2", "sha256:i1", [])
    assert plan["action"] == r.CUTOVER
    assert plan["keep"] == "new"
    assert plan["old"] == ["old"]


def test_plan_keeps_the_newest_of_two_current_containers():
    a = container("a", started="2026-12-02T07:00:00Z")
    b = container("b", started="2026-12-02T07:05:00Z")
    plan = r.plan_service("api", [a, b], "h1", "sha256:i1", [])
    assert plan["keep"] == "b"
    assert plan["old"] == ["a"]


def test_plan_removes_stopped_leftovers_beside_a_current_one():
    plan = r.plan_service("api", [container("a"), container("x", running=False)], "h1", "sha256:i1", [])
    assert plan["action"] == r.CUTOVER
    assert plan["keep"] == "a"
    assert plan["old"] == ["x"]


@pytest.mark.parametrize(
    "c, want",
    [
        (container("a", health="healthy"), "healthy"),
        (container("a", health="starting"), "starting"),
        (container("a", health="unhealthy"), "unhealthy"),
        (container("a"), "running"),
        (container("a", running=False, health="healthy"), "exited"),
    ],
)
def test_health(c, want):
    assert r.health(c) == want


def test_new_containers():
    assert [c["Id"] for c in r.new_containers(["a"], [container("a"), container("b")])] == ["b"]


def test_summary():
    lines = r.summary(
        [
            {"service": "api", "action": r.CUTOVER, "reason": "image changed", "seconds": 14.24},
            {"service": "sms", "action": r.IN_PLACE, "reason": "publishes fixed host ports (127.0.0.1:8003)"},
        ]
    )
    assert lines == [
        "api: cutover (image changed), 14.2 s",
        "sms: in place (publishes fixed host ports (127.0.0.1:8003))",
    ]
