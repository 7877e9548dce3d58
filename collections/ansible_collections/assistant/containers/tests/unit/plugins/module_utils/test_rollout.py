# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible_collections.assistant.containers.plugins.module_utils import rollout as r


def container(cid, service="api", image="sha256:i1", running=True, health=None, oneoff=False, created="1", n=1):
    state = {"Running": running}
    if health:
        state["Health"] = {"Status": health}
    labels = {"com.docker.compose.service": service}
    if oneoff:
        labels[r.ONEOFF_LABEL] = "True"
    return {
        "Id": cid,
        "Name": f"/proj-{service}-{n}",
        "Image": image,
        "Created": created,
        "State": state,
        "Config": {"Labels": labels},
    }


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


def test_name_drops_the_leading_slash():
    assert r.name(container("a", n=3)) == "proj-api-3"


@pytest.mark.parametrize(
    "names, want",
    [
        ([], []),
        (["proj-api-1"], ["api"]),
        (["proj-postgres-1", "proj-api-1", "proj-api-1"], ["api", "postgres"]),
        # A name Compose gives that is no container of the project (a temporary one) counts for nothing.
        (["b88dbc9bb2fc_proj-api-1"], []),
    ],
)
def test_services_of(names, want):
    cs = [container("a"), container("p", service="postgres"), container("w", service="worker")]
    assert r.services_of(cs, names) == want


def test_plan_create_when_nothing_runs():
    plan = r.plan_service("api", [container("a", running=False)], ["proj-api-1"], [])
    assert plan["action"] == r.CREATE
    assert plan["old"] == ["a"]


@pytest.mark.parametrize("recreate", [[], ["proj-worker-1"], ["proj-api-2"]])
def test_plan_unchanged_when_compose_would_not_recreate_it(recreate):
    plan = r.plan_service("api", [container("a")], recreate, [])
    assert plan["action"] == r.UNCHANGED
    assert plan["old"] == []


@pytest.mark.parametrize(
    "image_changed, reason",
    [(None, "configuration or image changed"), (True, "image changed"), (False, "configuration changed")],
)
def test_plan_cutover(image_changed, reason):
    plan = r.plan_service("api", [container("a")], ["proj-api-1"], [], image_changed)
    assert plan == {"service": "api", "action": r.CUTOVER, "reason": reason, "old": ["a"]}


def test_plan_in_place_for_fixed_ports():
    plan = r.plan_service("api", [container("a")], ["proj-api-1"], ["127.0.0.1:8000"])
    assert plan["action"] == r.IN_PLACE
    assert "127.0.0.1:8000" in plan["reason"]


def test_plan_unchanged_with_fixed_ports_is_unchanged():
    assert r.plan_service("api", [container("a")], [], ["127.0.0.1:8000"])["action"] == r.UNCHANGED


def test_plan_replace_cuts_over_a_service_that_can_run_twice():
    plan = r.plan_replace("api", [container("a"), container("b", n=2)], [], "postgres_password rotated")
    assert plan == {"service": "api", "action": r.CUTOVER, "reason": "postgres_password rotated", "old": ["a", "b"]}


def test_plan_replace_restarts_a_service_with_fixed_ports():
    plan = r.plan_replace("api", [container("a")], ["127.0.0.1:8000"], "postgres_password rotated")
    assert plan["action"] == r.RESTART
    assert plan["old"] == ["a"]
    assert plan["reason"].startswith("postgres_password rotated; ") and "127.0.0.1:8000" in plan["reason"]


@pytest.mark.parametrize("containers", [[], [container("a", running=False)]])
def test_plan_replace_leaves_a_service_that_does_not_run(containers):
    assert r.plan_replace("api", containers, [], "x") == {
        "service": "api",
        "action": r.UNCHANGED,
        "reason": "no container runs",
        "old": [],
    }


@pytest.mark.parametrize(
    "containers, keep, old",
    [
        # A killed deploy: the new container became healthy, the old one was not stopped yet.
        (
            [
                container("old", health="healthy", created="2026-12-02T07:00"),
                container("new", health="healthy", created="2026-12-02T07:01", n=2),
            ],
            "new",
            ["old"],
        ),
        # Killed before the new one was healthy: the old one keeps serving, the new one goes.
        (
            [
                container("old", health="healthy", created="2026-12-02T07:00"),
                container("new", health="starting", created="2026-12-02T07:01", n=2),
            ],
            "old",
            ["new"],
        ),
        # No health check: running counts as serving.
        ([container("a", created="1"), container("b", created="2", n=2)], "b", ["a"]),
        # Nothing serves: the newest running one stays.
        (
            [container("a", health="starting", created="1"), container("b", health="unhealthy", created="2", n=2)],
            "b",
            ["a"],
        ),
        # A stopped leftover beside the running one.
        ([container("a", created="2"), container("x", running=False, created="1", n=2)], "a", ["x"]),
    ],
)
def test_plan_tidy(containers, keep, old):
    plan = r.plan_tidy("api", containers)
    assert plan["action"] == r.TIDY
    assert plan["keep"] == [keep]
    assert plan["old"] == old


def test_plan_tidy_keeps_the_wanted_replicas():
    old = [container(f"old{i}", health="healthy", created=f"07:0{i}", n=i) for i in (1, 2)]
    new = [
        container("new3", health="healthy", created="07:03", n=3),
        container("new4", health="starting", created="07:04", n=4),
    ]
    plan = r.plan_tidy("api", old + new, want=2)
    assert plan["keep"] == ["new3", "old2"]
    assert plan["old"] == ["old1", "new4"]


def test_plan_tidy_leaves_the_wanted_replicas_alone():
    assert r.plan_tidy("api", [container("a"), container("b", n=2)], want=2)["action"] == r.UNCHANGED


@pytest.mark.parametrize(
    "config, want",
    [
        ({}, 1),
        ({"deploy": {"replicas": 2}}, 2),
        ({"scale": 3}, 3),
        ({"deploy": {"replicas": 0}}, 0),
        ({"deploy": {}}, 1),
    ],
)
def test_replicas(config, want):
    assert r.replicas(config) == want


@pytest.mark.parametrize(
    "containers",
    [
        [],
        [container("a")],
        [container("a", running=False)],
        [container("a", running=False), container("b", running=False, n=2)],
    ],
)
def test_plan_tidy_leaves_one_container_or_none_running(containers):
    plan = r.plan_tidy("api", containers)
    assert plan["action"] == r.UNCHANGED
    assert plan["old"] == []


@pytest.mark.parametrize(
    "plans, recreated, rolled, want",
    [
        ([], [], [], []),
        # Cut over: not restarted.
        ([{"service": "api", "action": r.CUTOVER}], ["api"], ["api"], []),
        # Fixed ports: in place.
        ([{"service": "api", "action": r.IN_PLACE}], ["api"], [], ["api"]),
        # A stateful service outside the cut-over set.
        ([{"service": "api", "action": r.CUTOVER}], ["api", "postgres", "nginx"], ["api"], ["nginx", "postgres"]),
    ],
)
def test_restarts(plans, recreated, rolled, want):
    assert r.restarts(plans, recreated, rolled) == want


@pytest.mark.parametrize(
    "recreated, rolled, want",
    [
        # The dry run recreates nginx with the API; once the API is cut over, the up leaves nginx alone.
        (["api", "nginx"], ["api"], []),
        # Nothing nginx depends on is cut over: it is recreated (its own change).
        (["nginx"], [], ["nginx"]),
        (["nginx", "postgres", "worker"], ["worker"], ["nginx", "postgres"]),
    ],
)
def test_restarts_leave_out_dependents_of_cut_over_services(recreated, rolled, want):
    deps = {"nginx": ["api", "seed", "sms"], "api": ["migrate", "redis"], "postgres": []}
    assert r.restarts([], recreated, rolled, deps) == want


@pytest.mark.parametrize(
    "config, want",
    [
        ({}, []),
        ({"depends_on": {"sms": {}, "api": {"condition": "service_healthy"}}}, ["api", "sms"]),
        ({"depends_on": None}, []),
    ],
)
def test_depends_on(config, want):
    assert r.depends_on(config) == want


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


def test_summary_leaves_out_unchanged_services():
    lines = r.summary(
        [
            {"service": "api", "action": r.CUTOVER, "reason": "image changed", "seconds": 14.24},
            {"service": "sms", "action": r.IN_PLACE, "reason": "publishes fixed host ports (127.0.0.1:8003)"},
            {"service": "worker", "action": r.UNCHANGED, "reason": "runs the wanted configuration"},
        ]
    )
    assert lines == [
        "api: cutover (image changed), 14.2 s",
        "sms: in place (publishes fixed host ports (127.0.0.1:8003))",
    ]


@pytest.mark.parametrize(
    "restarted, want",
    [
        ([], None),
        (["nginx", "api"], None),
        (
            ["nginx", "postgres"],
            "postgres will be stopped and started again by this deploy (Compose recreates it in place: its "
            "configuration or image changed); its clients see errors until it is back.",
        ),
        (
            ["postgres", "redis"],
            "postgres, redis will be stopped and started again by this deploy (Compose recreates them in place: "
            "their configuration or images changed); their clients see errors until they are back.",
        ),
    ],
)
def test_restart_warning(restarted, want):
    assert r.restart_warning(restarted, ["postgres", "redis"]) == want


def test_scale_arguments_name_every_service_once_sorted():
    assert r.scale_arguments({"worker": 2, "api": 3}) == ["--scale", "api=3", "--scale", "worker=2"]
    assert r.scale_arguments({}) == []


def _with_log(c, output):
    c["State"]["Health"]["Log"] = [{"Output": "old"}, {"Output": output}]
    return c


@pytest.mark.parametrize(
    "fresh, inspected, serving, failed",
    [
        # Every new container serves (healthy, or running without a health check).
        (
            {"api": ["a1", "a2"], "worker": ["w1"]},
            {"a1": container("a1", health="healthy"), "a2": container("a2", health="healthy"), "w1": container("w1")},
            ["api", "worker"],
            [],
        ),
        # A service serves only once all its new containers do; the other one still starts.
        (
            {"worker": ["w1"], "api": ["a1", "a2"]},
            {"a1": container("a1", health="healthy"), "a2": container("a2", health="starting"), "w1": container("w1")},
            ["worker"],
            [],
        ),
        # Unhealthy, exited, or gone (removed behind the module's back) fail the service, with the last check.
        (
            {"api": ["a1"], "sms": ["s1"], "agent": ["g1"]},
            {
                "a1": _with_log(container("a1", health="unhealthy"), "  503 not ready\n"),
                "s1": container("s1", running=False),
            },
            [],
            [("api", "unhealthy", "503 not ready"), ("sms", "exited", ""), ("agent", "exited", "")],
        ),
    ],
)
def test_cutover_progress(fresh, inspected, serving, failed):
    assert r.cutover_progress(fresh, inspected) == (serving, failed)


def test_last_health_output_keeps_the_end():
    assert r.last_health_output(_with_log(container("a", health="unhealthy"), "x" * 600 + "END")) == "x" * 497 + "END"
    assert r.last_health_output(container("a")) == ""
